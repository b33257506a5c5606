"""The counter flow in a real browser: a clerk finds a resident, chooses a 住民票の写し with a household member
and 世帯主・続柄, records the photo ID, confirms the fee, issues, and downloads the signed PDF, which is then
rendered to PNG (pdftoppm) for review."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from kuyakusho.certificates.models import Channel, ChannelPolicy, Issuance
from kuyakusho.offices.models import Office
from kuyakusho.residents.tests.factories import family

from .conftest import SCREENSHOTS, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


@pytest.fixture(autouse=True)
def _ward_key(settings, tmp_path_factory):
    from kuyakusho.certificates.documents import wardkey

    settings.VAR_DIR = tmp_path_factory.getbasetemp() / "var"
    settings.VAR_DIR.mkdir(exist_ok=True)
    wardkey.reset_cache()
    yield
    wardkey.reset_cache()


def test_counter_issue_and_download(page, clerk, shot):
    Office.objects.create(code="nerima", name_ja="練馬区民事務所", name_en="Nerima Ward Office")
    ChannelPolicy.objects.filter(channel=Channel.COUNTER).update(schedule=None)  # the test runs at any hour
    head, _wife, child = family(3)

    page.goto("/console/certificates/counter/")
    log_in(page, "clerk")
    expect(page.get_by_role("heading", name="窓口での証明書の交付")).to_be_visible()

    # 1. find the person
    page.get_by_label("フリガナ（前方一致）").fill("ネリマ")
    page.get_by_role("button", name="検索").click()
    expect(page.get_by_role("link", name=head.name)).to_be_visible()
    shot(page, "certificates-counter-1-search")
    page.get_by_role("link", name=head.name).click()

    # 2. choose the certificate and what it prints
    expect(page.get_by_role("heading", name="証明書の選択")).to_be_visible()
    page.get_by_label("住民票の写し", exact=True).check()
    page.get_by_label("練馬 花子（妻）").check()
    page.get_by_label("世帯主・続柄").check()
    shot(page, "certificates-counter-2-choose")
    page.get_by_role("button", name="次へ（請求者と本人確認）").click()

    # 3. requester and the photo ID checked
    expect(page.get_by_role("heading", name="請求者と本人確認")).to_be_visible()
    expect(page.get_by_label("本人", exact=True)).to_be_checked()
    page.get_by_label("確認した本人確認書類").select_option("運転免許証")
    shot(page, "certificates-counter-3-identity")
    page.get_by_role("button", name="確認画面へ").click()

    # 4. confirm: what will be printed, the fee
    expect(page.get_by_role("heading", name="確認：交付する証明書")).to_be_visible()
    confirm = page.locator(".cert-confirm")
    expect(confirm).to_contain_text("練馬 花子（妻）")
    expect(confirm).to_contain_text("世帯主・続柄")
    expect(confirm).not_to_contain_text(child.name)
    expect(page.locator(".cert-fee")).to_have_text("300円")
    shot(page, "certificates-counter-4-confirm")
    page.get_by_role("button", name="この内容で交付する").click()

    # 5. issued: number, code; download the signed PDF
    expect(page.get_by_role("heading", name="交付した証明書")).to_be_visible()
    issuance = Issuance.objects.get()
    expect(page.locator(".cert-number")).to_have_text(issuance.number)
    expect(page.locator(".cert-code")).to_have_text(issuance.verification_code)
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"証明書を交付しました"))
    shot(page, "certificates-counter-5-issued")
    with page.expect_download() as info:
        page.get_by_role("link", name="PDFをダウンロード").click()
    pdf_path = SCREENSHOTS / "certificates-counter.pdf"
    info.value.save_as(pdf_path)
    assert pdf_path.read_bytes() == bytes(issuance.pdf)

    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm is missing (Debian package poppler-utils)"
    subprocess.run([pdftoppm, "-r", "80", "-png", "-singlefile", str(pdf_path),
                    str(SCREENSHOTS / "certificates-counter-pdf")], check=True, timeout=60)
    assert (SCREENSHOTS / "certificates-counter-pdf.png").stat().st_size > 10_000
