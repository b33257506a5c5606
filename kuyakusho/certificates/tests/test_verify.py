"""Public verification: the page behind the QR code, the PDF check, the JSON twin, the command."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from kuyakusho.certificates.documents import render_certificate, sign_pdf
from kuyakusho.certificates.documents.samples import sample_juminhyo
from kuyakusho.certificates.models import Channel, Status
from kuyakusho.certificates.services.issuance import IssueRequest, issue
from kuyakusho.certificates.services.verification import RATE_LIMIT, normalise_code
from kuyakusho.offices.models import Office
from kuyakusho.residents.tests.factories import ResidentFactory

from .conftest import OPEN

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def issued(clerk):
    office = Office.objects.create(code="shakujii", name_ja="石神井区民事務所", name_en="Shakujii")
    person = ResidentFactory(name="山﨑　𠮷子", name_kana="ヤマザキ ヨシコ")
    return issue(IssueRequest(channel=Channel.COUNTER, kind="juminhyo", subject_id=person.pk,
                              identity_document="運転免許証", office_id=office.pk), actor=clerk, now=OPEN)


def tampered(pdf: bytes) -> bytes:
    """One byte changed inside the signed range (in the middle of the page content)."""
    data = bytearray(pdf)
    at = len(data) // 3
    data[at] = (data[at] + 1) % 256
    return bytes(data)


def upload(client, code: str, pdf: bytes):
    return client.post(reverse("certificates:verify", args=[code]),
                       {"pdf": SimpleUploadedFile("certificate.pdf", pdf, content_type="application/pdf")})


def test_the_page_shows_type_date_channel_and_office_but_nothing_personal(client, issued):
    response = client.get(reverse("certificates:verify", args=[issued.verification_code]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "住民票の写し" in page and "令和7年6月11日" in page and "窓口" in page and "石神井区民事務所" in page
    assert issued.number in page and "有効（失効していません）" in page
    person = issued.subject
    for personal in (person.name, "山﨑", person.household.address, person.resident_code, person.my_number,
                     person.birth_date.isoformat()):
        assert personal not in page


def test_the_qr_code_url_leads_to_the_page(client, issued):
    from django.conf import settings

    url = f"{settings.PUBLIC_BASE_URL}/verify/{issued.verification_code}"
    path = url.removeprefix(settings.PUBLIC_BASE_URL)
    assert client.get(path).status_code == 200


def test_codes_are_read_loosely_and_unknown_ones_say_so(client, issued):
    loose = issued.verification_code.lower().replace("-", " ")
    assert normalise_code(loose) == issued.verification_code
    assert client.get(reverse("certificates:verify", args=[issued.verification_code.replace("-", "")])
                      ).status_code == 200
    response = client.get(reverse("certificates:verify", args=["AAAA-BBBB-CCCC"]))
    assert response.status_code == 404 and "見つかりません" in response.content.decode()
    assert client.get(reverse("certificates:verify", args=["<script>"])).status_code == 404


def test_the_genuine_pdf_is_genuine(client, issued):
    response = upload(client, issued.verification_code, bytes(issued.pdf))
    assert response.status_code == 200 and "本物です" in response.content.decode()


def test_a_tampered_pdf_fails_on_the_page(client, issued):
    response = upload(client, issued.verification_code, tampered(bytes(issued.pdf)))
    page = response.content.decode()
    assert "改ざんされています" in page and "本物です" not in page


def test_a_validly_signed_forgery_with_the_same_code_is_caught_by_the_recorded_digest(client, issued):
    doc = dataclasses.replace(sample_juminhyo(), verification_code=issued.verification_code,
                              issue_number=issued.number)
    forged = sign_pdf(render_certificate(doc))  # the ward's key, were it stolen: the digest still differs
    response = upload(client, issued.verification_code, forged)
    assert "改ざんされています" in response.content.decode()


def test_revoked_and_other_certificates(client, issued, clerk):
    other = issue(IssueRequest(channel=Channel.COUNTER, kind="juminhyo", subject_id=ResidentFactory().pk,
                               identity_document="旅券"), actor=clerk, now=OPEN)
    response = upload(client, issued.verification_code, bytes(other.pdf))
    assert "この検証コードの証明書ではありません" in response.content.decode()
    type(issued).objects.filter(pk=issued.pk).update(status=Status.REVOKED, revoked_at=timezone.now(),
                                                    revoke_reason="誤交付")
    page = client.get(reverse("certificates:verify", args=[issued.verification_code])).content.decode()
    assert "失効" in page and "有効（失効していません）" not in page
    assert "失効しています" in upload(client, issued.verification_code, bytes(issued.pdf)).content.decode()


def test_not_a_pdf_and_unsigned_pdfs(client, issued):
    assert "PDFとして読み取れません" in upload(client, issued.verification_code, b"hello").content.decode()
    unsigned = render_certificate(sample_juminhyo())
    assert "区が発行した証明書ではありません" in upload(client, issued.verification_code, unsigned).content.decode()
    response = client.post(reverse("certificates:verify", args=[issued.verification_code]), {})
    assert response.status_code == 400 and "PDFファイルを選んでください" in response.content.decode()


def test_json_status_and_check(client, issued):
    code = issued.verification_code
    data = client.get(reverse("certificates:verify_status", args=[code])).json()
    assert data["found"] and data["kind"] == "juminhyo" and data["issued_on"] == "2025-06-11"
    assert data["channel"] == "counter" and not data["revoked"]
    assert issued.subject.name not in json.dumps(data, ensure_ascii=False)
    assert client.get(reverse("certificates:verify_status", args=["AAAA-BBBB-CCCC"])).status_code == 404
    check = reverse("certificates:verify_check", args=[code])
    ok = client.post(check, data=bytes(issued.pdf), content_type="application/pdf").json()
    assert ok["verdict"] == "genuine" and ok["genuine"] and ok["certificate"]["number"] == issued.number
    bad = client.post(check, data=tampered(bytes(issued.pdf)), content_type="application/pdf").json()
    assert bad["verdict"] == "tampered" and not bad["genuine"]
    multipart = client.post(check, {"pdf": io.BytesIO(bytes(issued.pdf))}).json()
    assert multipart["verdict"] == "genuine"
    assert client.post(check, {}).status_code == 400


def test_requests_per_address_are_limited(client, issued):
    url = reverse("certificates:verify_status", args=[issued.verification_code])
    for _ in range(RATE_LIMIT):
        assert client.get(url).status_code == 200
    response = client.get(url)
    assert response.status_code == 429 and response.json()["code"] == "rate_limited"
    assert client.get(reverse("certificates:verify", args=[issued.verification_code])).status_code == 429
    other = client.get(url, REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200


def test_the_command_fails_for_a_tampered_issued_certificate(issued, tmp_path, capsys):
    good = tmp_path / "good.pdf"
    good.write_bytes(bytes(issued.pdf))
    call_command("verify_certificate", str(good))
    assert issued.verification_code in capsys.readouterr().out
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(tampered(bytes(issued.pdf)))
    with pytest.raises(CommandError) as e:
        call_command("verify_certificate", str(bad))
    assert e.value.returncode == 1
    assert "改変されています" in capsys.readouterr().err
