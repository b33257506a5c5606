"""The kiosk flow in a real browser: enrol the terminal, card → PIN (once wrong, then right on the on-screen
keypad) → choose → confirm → receive (the signed PDF, rendered to PNG for review) → finish; then the public
verification page for the issued code, with the genuine PDF and a tampered one."""

from __future__ import annotations

import importlib
import shutil
import subprocess

import pytest
from django.apps import apps
from playwright.sync_api import expect

from kuyakusho.accounts.models import TerminalKind
from kuyakusho.accounts.terminals import register_terminal
from kuyakusho.certificates.models import Channel, ChannelPolicy, Issuance
from kuyakusho.certificates.services.cards import issue_card
from kuyakusho.offices.models import Office
from kuyakusho.offices.standard import ensure_standard_schedules
from kuyakusho.residents.tests.factories import family

from .conftest import SCREENSHOTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


@pytest.fixture(autouse=True)
def _ward_key(settings, tmp_path_factory):
    from kuyakusho.certificates.documents import wardkey

    settings.VAR_DIR = tmp_path_factory.getbasetemp() / "var"
    settings.VAR_DIR.mkdir(exist_ok=True)
    wardkey.reset_cache()
    yield
    wardkey.reset_cache()


@pytest.fixture
def kiosk_ready(clerk):
    """The migrations' policies (transactional tests empty the tables), a kiosk terminal and a card holder."""
    ensure_standard_schedules()
    importlib.import_module("kuyakusho.certificates.migrations.0002_default_policies").create(apps, None)
    ChannelPolicy.objects.filter(channel=Channel.KIOSK).update(schedule=None)  # the test runs at any hour
    office = Office.objects.create(code="nerima", name_ja="練馬区民事務所", name_en="Nerima Ward Office")
    _, token = register_terminal(actor=clerk, code="kiosk-nerima", kind=TerminalKind.KIOSK,
                                 name="練馬区民事務所 自動交付機", office=office)
    people = family(3)
    issue_card(actor=None, kind="resident_card", number="NK00000001", resident=people[0], pin="1234")
    return token, people


def keypad(page, digits: str) -> None:
    for d in digits:
        page.locator(".ck-keypad").get_by_role("button", name=d, exact=True).click()


def tampered(pdf: bytes) -> bytes:
    data = bytearray(pdf)
    data[len(data) // 3] ^= 0x01
    return bytes(data)


def test_kiosk_flow_and_verification(page, kiosk_ready, shot):
    token, (head, wife, child) = kiosk_ready

    # Not enrolled: the kiosk refuses; enrol it with the terminal token.
    page.goto("/kiosk/certificates/")
    expect(page.get_by_role("heading", name="この端末は登録されていません")).to_be_visible()
    page.goto(f"/kiosk/certificates/enrol/?token={token}")
    shot(page, "certificates-kiosk-0-enrol")
    page.get_by_role("button", name="この端末を登録する").click()

    # 1. card
    expect(page.get_by_role("heading", name="証明書の自動交付")).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text("この端末を「練馬区民事務所」の自動交付機として登録しました")
    page.get_by_label("カード番号（カード読み取り部）").fill("NK00000001")
    shot(page, "certificates-kiosk-1-card")
    page.get_by_role("button", name="次へ").click()

    # 2. PIN: once wrong (tries left shown), then right, on the on-screen keypad
    expect(page.get_by_role("heading", name="暗証番号（4桁）を入力してください")).to_be_visible()
    pin = page.get_by_label("暗証番号（4桁）")
    expect(pin).to_have_attribute("type", "password")
    keypad(page, "9999")
    expect(pin).to_have_value("9999")
    page.get_by_role("button", name="確定").click()
    expect(page.get_by_role("alert")).to_contain_text("あと2回")
    shot(page, "certificates-kiosk-2-wrong-pin")
    keypad(page, "1234")
    page.get_by_role("button", name="確定").click()

    # 3. choose: the household, options the policy allows (no 個人番号)
    expect(page.get_by_role("heading", name="発行する証明書を選んでください")).to_be_visible()
    expect(page.get_by_text("個人番号")).to_have_count(0)
    page.get_by_label("住民票の写し（300円）").check()
    page.get_by_label(f"{wife.name}（妻）").check()
    page.get_by_label("世帯主・続柄").check()
    shot(page, "certificates-kiosk-3-choose")
    page.get_by_role("button", name="次へ（確認）").click()

    # 4. confirm: who is printed, the fee
    expect(page.get_by_role("heading", name="内容を確認してください")).to_be_visible()
    summary = page.locator(".ck-summary")
    expect(summary).to_contain_text(head.name)
    expect(summary).to_contain_text(wife.name)
    expect(summary).not_to_contain_text(child.name)
    expect(page.locator(".ck-fee")).to_have_text("300円")
    shot(page, "certificates-kiosk-4-confirm")
    page.get_by_role("button", name="発行する").click()

    # 5. receive: the number; the PDF the kiosk prints
    expect(page.get_by_role("heading", name="証明書を発行しました")).to_be_visible()
    issuance = Issuance.objects.get()
    expect(page.locator(".ck-number")).to_have_text(issuance.number)
    shot(page, "certificates-kiosk-5-receive")
    response = page.context.request.get("/kiosk/certificates/receive/certificate.pdf")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert pdf == bytes(issuance.pdf) and issuance.channel == "kiosk" and issuance.subject == head
    pdf_path = SCREENSHOTS / "certificates-kiosk.pdf"
    pdf_path.write_bytes(pdf)
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm is missing (Debian package poppler-utils)"
    subprocess.run([pdftoppm, "-r", "80", "-png", "-singlefile", str(pdf_path),
                    str(SCREENSHOTS / "certificates-kiosk-pdf")], check=True, timeout=60)
    assert (SCREENSHOTS / "certificates-kiosk-pdf.png").stat().st_size > 10_000

    # Finish: back to the start; nothing of this visit is left to see.
    page.get_by_role("button", name="終了する（カードを取る）").click()
    expect(page.get_by_text("ご利用ありがとうございました")).to_be_visible()
    shot(page, "certificates-kiosk-6-finished")
    page.goto("/kiosk/certificates/receive/")
    expect(page.get_by_role("heading", name="証明書の自動交付")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(head.name)
    assert page.context.request.get("/kiosk/certificates/receive/certificate.pdf",
                                    max_redirects=0).status == 302

    # The public verification page (the QR code's URL): type, date, channel, office; no name.
    page.goto(f"/verify/{issuance.verification_code}")
    expect(page.get_by_role("heading", name="証明書の確認")).to_be_visible()
    record = page.locator(".cv-record")
    expect(record).to_contain_text("住民票の写し")
    expect(record).to_contain_text("自動交付機")
    expect(record).to_contain_text("練馬区民事務所")
    expect(record).to_contain_text("有効（失効していません）")
    expect(page.locator("main")).not_to_contain_text(head.name)
    page.get_by_label("証明書のPDFファイル").set_input_files(
        files=[{"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": pdf}])
    page.get_by_role("button", name="確認する").click()
    expect(page.locator("#verdict")).to_contain_text("本物です")
    shot(page, "certificates-verify-1-genuine")
    page.get_by_label("証明書のPDFファイル").set_input_files(
        files=[{"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": tampered(pdf)}])
    page.get_by_role("button", name="確認する").click()
    expect(page.locator("#verdict")).to_contain_text("改ざんされています")
    shot(page, "certificates-verify-2-tampered")
