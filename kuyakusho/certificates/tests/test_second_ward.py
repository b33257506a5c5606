"""The ward is data: a second ward (世田谷区) set in settings prints its own name, mayor and seal everywhere."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

import pypdf
import pytest
from django.core.exceptions import ImproperlyConfigured

from kuyakusho.certificates.documents import mayor_seal_png, render_certificate, sign_pdf, verify_pdf
from kuyakusho.certificates.documents.images import generated_seal_png, pdf_image_from_png
from kuyakusho.certificates.documents.samples import sample_juminhyo
from kuyakusho.certificates.models import Channel
from kuyakusho.certificates.services.issuance import IssueRequest, issue
from kuyakusho.core.ward import local_government_code_check_digit, ward
from kuyakusho.residents.tests.factories import ResidentFactory

from .conftest import OPEN

SETAGAYA = {
    "code": "131121",
    "name_ja": "世田谷区",
    "name_en": "Setagaya City",
    "prefecture_ja": "東京都",
    "prefecture_en": "Tokyo",
    "mayor_name": "世田谷　花子",
}


@pytest.fixture
def setagaya(settings):
    settings.WARD = dict(SETAGAYA)
    return ward()


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _images(pdf: bytes) -> list[bytes]:
    """The soft masks (the shape of each transparent image: the seal's characters)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    masks = []
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for xobject in resources.get("/XObject", {}).values():
            image = xobject.get_object()
            if "/SMask" in image:
                masks.append(image["/SMask"].get_object()._data)
    return masks


def test_the_profile_follows_the_settings(setagaya):
    assert setagaya.full_name_ja == "東京都世田谷区"
    assert setagaya.mayor_title_ja == "東京都世田谷区長"
    assert setagaya.seal_text == "世田谷区長之印"
    assert setagaya.office_name_ja == "世田谷区役所" and setagaya.contact_ja == "世田谷区役所 戸籍住民課"
    assert setagaya.is_this_ward("東京都 世田谷区太子堂") and setagaya.is_this_ward("世田谷区")
    assert not setagaya.is_this_ward("東京都練馬区豊玉北") and not setagaya.is_this_ward("大田区")


def test_a_certificate_of_the_second_ward_names_it_and_its_mayor(setagaya):
    doc = replace(sample_juminhyo(), mayor_name=setagaya.mayor_name)
    pdf = sign_pdf(render_certificate(doc))
    text = _text(pdf)
    assert "東京都世田谷区長" in text and "世田谷　花子" in text
    assert "東京都世田谷区　検証コード" in text  # the footer of every page names the issuer
    assert "練馬区長" not in text and "東京都練馬区　検証コード" not in text
    info = pypdf.PdfReader(io.BytesIO(pdf)).metadata
    assert info["/Author"] == "東京都世田谷区"
    assert verify_pdf(pdf).valid


def test_the_seal_of_the_second_ward_is_its_own(setagaya):
    seal = mayor_seal_png()
    assert seal == generated_seal_png("世田谷区長之印") != generated_seal_png("練馬区長之印")
    pdf = render_certificate(sample_juminhyo())
    expected = pdf_image_from_png(seal).alpha
    assert expected in _images(pdf)
    assert pdf_image_from_png(generated_seal_png("練馬区長之印")).alpha not in _images(pdf)


def test_a_seal_image_in_the_profile_is_printed_instead(settings, tmp_path):
    impression = generated_seal_png("世田谷区長印", size=300)
    path = tmp_path / "seal.png"
    path.write_bytes(impression)
    settings.WARD = {**SETAGAYA, "seal_image": str(path)}
    assert mayor_seal_png() == impression
    assert pdf_image_from_png(impression).alpha in _images(render_certificate(sample_juminhyo()))


def test_the_local_government_code_is_checked(settings):
    assert local_government_code_check_digit("13120") == 2  # 練馬区 131202
    assert local_government_code_check_digit("13112") == 1  # 世田谷区 131121
    settings.WARD = {**SETAGAYA, "code": "131122"}
    with pytest.raises(ImproperlyConfigured):
        ward()
    settings.WARD = {k: v for k, v in SETAGAYA.items() if k != "prefecture_ja"}
    with pytest.raises(ImproperlyConfigured):
        ward()


@pytest.mark.django_db
def test_issue_prints_the_second_ward(setagaya, clerk):
    person = ResidentFactory(name="髙橋　一郎", name_kana="タカハシ イチロウ")
    issuance = issue(IssueRequest(channel=Channel.COUNTER, kind="juminhyo", subject_id=person.pk,
                                  identity_document="運転免許証"), actor=clerk, now=OPEN)
    text = _text(bytes(issuance.pdf))
    assert "東京都世田谷区長" in text and "世田谷　花子" in text and "練馬区長" not in text
    assert pdf_image_from_png(generated_seal_png("世田谷区長之印")).alpha in _images(bytes(issuance.pdf))
