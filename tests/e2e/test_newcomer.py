"""A newcomer's first evening, in a real browser, from the links `make run` prints (``manage.py demo_logins``):
the resident site's home → an office page → the procedure guide for 転入 → the kiosk enrolment link → a
certificate from the kiosk in English with a printed demo card and PIN → the PDF's verification code typed at
/verify/. The demo ward is small (200 residents) and opened for today as an administrator would for the demo.
Screenshots of each step are saved in tests/e2e/screenshots/newcomer-*.png for review."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from .conftest import SCREENSHOTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


@pytest.fixture
def demo_ward(settings, tmp_path, live_server, administrator):
    """The demo ward as `make run` loads it (offices, notices, staff, a small population, cards and terminals),
    opened for today with the demo switch, and the links `demo_logins` prints."""
    from kuyakusho.audit.context import audit_context
    from kuyakusho.certificates.demo import DEMO_PIN, create_demo_certificates
    from kuyakusho.certificates.documents import wardkey
    from kuyakusho.demo.offices import create_offices
    from kuyakusho.demo.population.writer import generate
    from kuyakusho.demo.staff import create_demo_staff, save_demo_devices
    from kuyakusho.guide.demo import create_demo_notices
    from kuyakusho.guide.standard import ensure_standard_procedures
    from kuyakusho.offices.services import open_today_for_demo

    settings.VAR_DIR = tmp_path
    settings.DEMO_MODE = True
    settings.PUBLIC_BASE_URL = live_server.url
    wardkey.reset_cache()
    today = date.today()
    with audit_context(channel="system", via="demo_ward"):
        create_offices()
        ensure_standard_procedures()
        create_demo_notices(today)
        create_demo_staff()
        generate(residents=200, seed=1, today=today)
        summary = create_demo_certificates(today=today, cards=5)
        save_demo_devices(terminals=summary.terminals, cards=summary.cards[:5], pin=DEMO_PIN)
    open_today_for_demo(actor=administrator)  # a newcomer at night: everything open for the demo
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    yield out.getvalue()
    wardkey.reset_cache()


def printed(text: str, pattern: str) -> re.Match:
    found = re.search(pattern, text)
    assert found, f"demo_logins printed no {pattern!r}:\n{text}"
    return found


def local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_a_newcomers_first_evening(page, shot, demo_ward):
    logins = demo_ward
    enrol_url = printed(logins, r"Kiosk \(open once[^:]*: (\S+)").group(1)
    card, pin = printed(logins, r"demo card (NK\d+) / My Number card MN\d+\s+PIN (\d{4})").groups()

    # The resident site: home → the offices → one office's page.
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    shot(page, "newcomer-1-home")
    page.get_by_role("link", name="区民事務所の案内").first.click()
    page.get_by_role("link", name="練馬区民事務所").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("練馬区民事務所")
    expect(page.get_by_role("heading", name="今週の開庁時間")).to_be_visible()
    shot(page, "newcomer-2-office")

    # The procedure guide for 転入: deadline, what to bring, where and when.
    page.goto("/")
    page.get_by_role("link", name="手続き案内").first.click()
    page.get_by_role("link", name=re.compile("^転入届")).click()
    expect(page.get_by_text("住み始めた日から14日以内")).to_be_visible()
    expect(page.get_by_role("heading", name="受付場所と時間")).to_be_visible()
    shot(page, "newcomer-3-procedure-tennyu")

    # The kiosk: the printed enrolment link, then English.
    page.goto(local(enrol_url))
    page.get_by_role("button", name="この端末を登録する").click()
    expect(page.get_by_role("heading", name="証明書の自動交付")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Certificate kiosk")).to_be_visible()
    card_field = page.get_by_role("textbox").first
    expect(card_field).to_be_focused()  # the card page starts at the card field
    card_field.fill("NK99999999")  # not a card of this ward: refused at once, before any PIN
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    expect(page.get_by_role("alert")).to_contain_text("ward service center")
    expect(page.locator("input[name=pin]")).to_have_count(0)
    shot(page, "newcomer-4-kiosk-unknown-card")
    page.get_by_role("link", name="Back to the start").click()
    card_field = page.get_by_role("textbox").first
    card_field.fill(card)
    shot(page, "newcomer-4-kiosk-card")
    page.get_by_role("button", name="Next").click()

    # The PIN, on the on-screen keypad.
    pin_field = page.locator("input[name=pin]")
    expect(pin_field).to_be_focused()
    for digit in pin:
        page.locator(".ck-keypad").get_by_role("button", name=digit, exact=True).click()
    shot(page, "newcomer-5-kiosk-pin")
    page.locator("form.ck-form button[type=submit]").click()

    # Choose: in English; the holder's name as registered with its reading; focus on the heading.
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_be_focused()
    expect(page.locator("main")).not_to_contain_text("円")
    page.locator("input[name=kind][value=juminhyo]").check()
    shot(page, "newcomer-6-kiosk-choose")
    page.locator("form.ck-choose button[type=submit]").click()

    expect(page.get_by_role("heading", level=1)).to_be_focused()
    expect(page.locator(".ck-fee")).to_have_text("¥300")
    shot(page, "newcomer-7-kiosk-confirm")
    page.locator("#ck-confirm [data-once]").click()

    expect(page.get_by_role("heading", level=1)).to_be_focused()
    code = page.locator(".ck-summary dd").nth(2).inner_text().strip()
    shot(page, "newcomer-8-kiosk-receive")
    response = page.context.request.get("/kiosk/certificates/receive/certificate.pdf")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf_path = SCREENSHOTS / "newcomer-certificate.pdf"
    pdf_path.write_bytes(response.body())
    pdftotext, pdftoppm = shutil.which("pdftotext"), shutil.which("pdftoppm")
    assert pdftotext and pdftoppm, "poppler-utils is missing"
    text = subprocess.run([pdftotext, "-layout", str(pdf_path), "-"], check=True, capture_output=True,
                          text=True, timeout=60).stdout
    assert code in text, f"the kiosk showed {code}, the PDF says:\n{text}"
    subprocess.run([pdftoppm, "-r", "70", "-png", "-singlefile", str(pdf_path),
                    str(SCREENSHOTS / "newcomer-9-certificate")], check=True, timeout=60)

    # The code typed at /verify/, as printed on the paper.
    page.goto("/verify/")
    page.get_by_role("textbox").first.fill(code.lower().replace("-", " "))
    page.locator("main form button[type=submit]").click()
    record = page.locator(".cv-record")
    expect(record).to_contain_text("Copy of the residence record (住民票の写し)")  # as printed, with its English
    expect(record).to_contain_text("Nerima Service Center")
    expect(record).to_contain_text("Valid")
    shot(page, "newcomer-10-verify")


def test_the_lobby_display_alternates_without_reloading(page, shot, demo_ward):
    from kuyakusho.offices.models import Office

    Office.objects.filter(code="nerima").update(display_alternate_seconds=5)
    page.goto("/display/nerima")
    expect(page.locator(".lang-switch")).to_have_count(0)
    title = page.locator("#called-title [data-alternate]")
    expect(title).to_have_text("お呼び出し中の番号")
    page.evaluate("window.__notReloaded = true")
    expect(title).to_have_text("Now calling", timeout=8000)
    shot(page, "newcomer-display-en")
    expect(page.get_by_role("heading", level=1)).to_have_accessible_name("お呼び出し中の番号")
    assert page.evaluate("window.__notReloaded") is True
