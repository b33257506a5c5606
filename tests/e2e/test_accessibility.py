"""axe-core on every public and kiosk page, in Japanese and English, on a phone (390 px) and a desktop (1280 px).

axe-core is vendored from npm (tests/e2e/vendor/, re-vendored by scripts/vendor-test-assets.sh); nothing is
downloaded while the tests run. It runs the WCAG 2.0 and 2.1 level A and AA rules; the test fails with every
violation listed (page, language, width, rule, impact, element), and on any page wider than the window (WCAG
1.4.10, which axe does not check). The pages are the ones the accessibility statement names
(``kuyakusho.guide.selectors.ACCESSIBILITY_PAGES``), plus the pages that need a ticket or an enrolled terminal,
reached as a visitor reaches them; once with the offices open and once closed. Screenshots of each page at 390 px
in each language are saved under tests/e2e/screenshots/axe/ for review.
"""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from .conftest import SCREENSHOTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LANGUAGES = ("ja", "en")
WIDTHS = (390, 1280)
CARD, PIN = "NK00000001", "1234"

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return {engine: result.testEngine.name, version: result.testEngine.version,
          violations: result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                                   targets: v.nodes.map(n => n.target.join(' '))}))};
}"""


class Scanner:
    """One browser context per language and width; scans pages into one list of findings."""

    def __init__(self, browser, base_url: str, language: str, width: int, prefix: str):
        self.context = browser.new_context(locale="ja-JP", viewport={"width": width, "height": 900},
                                           base_url=base_url)
        self.context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
        # axe is added to every document before the page's own scripts run (a DevTools script, not an inline
        # <script> element: the site's Content Security Policy, same-origin scripts with a nonce, stays in force).
        self.context.add_init_script(script=AXE)
        self.page = self.context.new_page()
        self.elsewhere: list[str] = []
        self.page.on("request", lambda r: None if r.url.startswith(base_url) or r.url.startswith("data:")
                     else self.elsewhere.append(r.url))
        self.language, self.width, self.prefix = language, width, prefix
        self.findings: list[str] = []
        self.scanned: list[str] = []

    def goto(self, url: str, *, status: int = 200) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status == status, f"{url}: HTTP {response and response.status}"

    def scan(self, name: str) -> None:
        page = self.page
        where = f"{urlsplit(page.url).path} [{self.language}, {self.width}px]"
        lang = page.locator("html").get_attribute("lang")
        if lang != self.language:
            self.findings.append(f"{where} the page says lang={lang!r}")
        # WCAG 1.4.10 Reflow (axe does not check it): nothing makes the page scroll sideways.
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            self.findings.append(f"{where} reflow: the page is {overflow}px wider than the window")
        result = page.evaluate(RUN_AXE, TAGS)
        assert result["engine"] == "axe-core"
        self.scanned.append(where)
        for v in result["violations"]:
            more = f" and {len(v['targets']) - 3} more" if len(v["targets"]) > 3 else ""
            self.findings.append(f"{where} {v['id']} ({v['impact']}): {v['help']}: "
                                 f"{' | '.join(v['targets'][:3])}{more}")
        if self.width == 390:
            folder = SCREENSHOTS / "axe"
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / f"{self.prefix}{name}-{self.language}.png"), full_page=True)

    def visit(self, url: str, name: str, *, status: int = 200) -> None:
        self.goto(url, status=status)
        self.scan(name)

    def close(self) -> None:
        self.context.close()
        assert not self.elsewhere, f"pages fetched from other hosts: {self.elsewhere}"


@pytest.fixture(scope="module", autouse=True)
def _fresh_screenshots():
    """Screenshots of this run only: none left from pages no longer scanned."""
    for old in (SCREENSHOTS / "axe").glob("*.png"):
        old.unlink()


def slug(url_name: str, args: tuple) -> str:
    return re.sub(r"[^a-z0-9]+", "-", f"{url_name} {' '.join(args)}".lower()).strip("-")


def scan_everywhere(browser, live_server, prefix: str, visit_pages) -> tuple[list[str], list[str]]:
    findings, scanned = [], []
    for language in LANGUAGES:
        for width in WIDTHS:
            scanner = Scanner(browser, live_server.url, language, width, prefix)
            try:
                visit_pages(scanner)
            finally:
                scanner.close()
            findings += scanner.findings
            scanned += scanner.scanned
    assert scanned, "no page was scanned"
    return findings, scanned


def _schedule(opening: bool):
    from kuyakusho.offices.models import OpeningRule, Schedule, SpecialDay

    schedule = Schedule.objects.get(code="offices")
    SpecialDay.objects.filter(schedule=schedule).delete()
    OpeningRule.objects.filter(schedule=schedule).delete()
    if opening:  # open whatever the hour the test runs at
        OpeningRule.objects.create(schedule=schedule, days="mon,tue,wed,thu,fri,sat,sun,hol", opens=time(0),
                                   closes=time(23, 59, 59))
    else:  # open on holidays for a minute: closed today, with a next opening to announce
        OpeningRule.objects.create(schedule=schedule, days="hol", opens=time(9), closes=time(9, 1))


@pytest.fixture
def ward(clerk):
    """The demo ward's offices, a kiosk terminal (with its enrolment token) and a card holder."""
    from kuyakusho.accounts.models import TerminalKind
    from kuyakusho.accounts.terminals import register_terminal
    from kuyakusho.certificates.models import Channel, ChannelPolicy
    from kuyakusho.certificates.services.cards import issue_card
    from kuyakusho.demo.offices import create_offices
    from kuyakusho.offices.models import Office
    from kuyakusho.residents.tests.factories import family

    create_offices()
    office = Office.objects.get(code="nerima")
    _, token = register_terminal(actor=clerk, code="kiosk-axe", kind=TerminalKind.KIOSK,
                                 name=f"{office.name_ja} 自動交付機", office=office)
    people = family(3)
    issue_card(actor=None, kind="resident_card", number=CARD, resident=people[0], pin=PIN)
    ChannelPolicy.objects.filter(channel=Channel.KIOSK).update(schedule=None)  # the kiosk serves at any hour
    return {"office": office, "token": token}


def offices_shown(page) -> int:
    n = page.locator("section[data-office]").count()
    assert n > 0, "the congestion page shows no office"
    return n


def certificate_kiosk(s: Scanner, token: str, *, serving: bool = True) -> None:
    """Not enrolled → enrolment → card → PIN → choice, as a visitor meets them (closed: enrolment → card)."""
    if serving:
        s.visit("/kiosk/certificates/", "kiosk-certificates-not-enrolled", status=403)
        s.visit(f"/kiosk/certificates/enrol/?token={token}", "kiosk-certificates-enrol")
    else:
        s.goto(f"/kiosk/certificates/enrol/?token={token}")
    s.page.locator("form.ck-form button[type=submit]").click()
    s.page.wait_for_url(re.compile(r"/kiosk/certificates/$"))
    expect(s.page.locator("#kiosk-closed")).to_have_count(0 if serving else 1)
    s.scan("kiosk-certificates-card")
    if not serving:
        return
    s.page.locator("input[name=card_number]").fill(CARD)
    s.page.locator("button.ck-next").click()
    s.page.wait_for_url(re.compile(r"/pin/$"))
    s.scan("kiosk-certificates-pin")
    for d in PIN:
        s.page.locator(f'.ck-key[data-digit="{d}"]').click()
    s.page.locator("button.ck-next").click()
    s.page.wait_for_url(re.compile(r"/choose/$"))
    s.scan("kiosk-certificates-choose")


def test_no_violations_with_offices_open(browser, live_server, ward):
    from kuyakusho.guide.selectors import ACCESSIBILITY_PAGES
    from kuyakusho.queues import services
    from kuyakusho.queues.models import Ticket

    _schedule(opening=True)
    office = ward["office"]
    ticket = services.issue_ticket(actor=None, office=office, service=office.services.first())
    assert Ticket.objects.count() == 1

    reached_below = {"certificates:kiosk", "api:openapi-view"}

    def pages(s: Scanner) -> None:
        for _title, name, args in ACCESSIBILITY_PAGES:
            if name not in reached_below:
                s.visit(reverse(name, args=args), slug(name, args))
            if name == "queues:congestion":  # the offices are open: their tables show, not "closed"
                expect(s.page.locator(".congestion-table:visible")).to_have_count(offices_shown(s.page))
        s.goto(reverse("api:openapi-view"))
        s.page.locator("#swagger-ui .opblock").first.wait_for()  # Swagger UI has drawn the operations
        s.scan("api-docs")
        s.visit(reverse("queues:ticket_issued", args=[ticket.token]), "kiosk-ticket-issued")
        s.visit(reverse("queues:ticket_status", args=[ticket.token]), "ticket-status")
        certificate_kiosk(s, ward["token"])

    findings, scanned = scan_everywhere(browser, live_server, "", pages)
    # Every page the accessibility statement names was scanned, in each language at each width.
    for _title, name, args in ACCESSIBILITY_PAGES:
        for language in LANGUAGES:
            for width in WIDTHS:
                assert f"{reverse(name, args=args)} [{language}, {width}px]" in scanned, (name, language, width)
    assert not findings, f"{len(findings)} accessibility violations:\n" + "\n".join(findings)


def test_no_violations_with_offices_closed(browser, live_server, ward):
    from kuyakusho.certificates.models import Channel, ChannelPolicy
    from kuyakusho.offices.models import Schedule

    _schedule(opening=False)
    ChannelPolicy.objects.filter(channel=Channel.KIOSK).update(schedule=Schedule.objects.get(code="offices"))
    office = ward["office"]

    def pages(s: Scanner) -> None:
        s.visit(reverse("portal:home"), "home")
        s.goto(reverse("queues:congestion"))
        expect(s.page.locator('[data-field="closed"]:visible')).to_have_count(offices_shown(s.page))
        s.scan("congestion")
        s.visit(reverse("guide:office", args=[office.code]), "office")
        s.visit(reverse("queues:ticket_machine", args=[office.code]), "kiosk-ticket-machine")
        s.visit(reverse("queues:display", args=[office.code]), "display")
        certificate_kiosk(s, ward["token"], serving=False)

    findings, _scanned = scan_everywhere(browser, live_server, "closed-", pages)
    assert not findings, f"{len(findings)} accessibility violations:\n" + "\n".join(findings)
