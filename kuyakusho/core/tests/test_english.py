"""English pages carry no Japanese outside the names of people and places.

Every word the software writes is translated; names of people and places stay as registered, and templates mark
them ``lang="ja"`` (which screen readers need too). This walks the kiosk, the resident site's pages (the same list
the accessibility statement names) and a sample of console pages in English, drops ``lang="ja"`` elements, and
fails on any kana or kanji left in the visible text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f々〆〇]+")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Visible(HTMLParser):
    """Visible text (and the labels a screen reader reads) outside ``lang="ja"`` elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden: skipped with everything inside)
        self.found: list[tuple[str, str]] = []  # (enclosing tag path, text)

    def _hidden(self) -> bool:
        return any(hidden for _tag, hidden in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        hidden = (tag in ("script", "style", "template", "title") or a.get("lang", "").startswith("ja")
                  or (tag == "html" and False))
        if not hidden and not self._hidden():
            for name in ("aria-label", "placeholder", "alt", "title"):
                if a.get(name) and JAPANESE.search(a[name]):
                    self.found.append((f"{tag}[{name}]", a[name]))
        if tag not in _VOID:
            self.stack.append((tag, hidden))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if not self._hidden() and JAPANESE.search(data):
            self.found.append(("/".join(t for t, _h in self.stack[-3:]), data.strip()))


def japanese_outside_names(html: str) -> list[tuple[str, str]]:
    parser = _Visible()
    parser.feed(html)
    return parser.found


def test_the_checker_finds_japanese_and_skips_marked_names():
    html = ('<html lang="en"><head><title>x</title><script>var a = "日本";</script></head><body>'
            '<p>Dear <span lang="ja">佐藤 明日香</span> (<span lang="ja">サトウ アスカ</span>)</p>'
            '<p>Fee: 300円</p><input placeholder="例：令和7年5月1日"><img alt="地図"></body></html>')
    assert japanese_outside_names(html) == [("html/body/p", "Fee: 300円"), ("input[placeholder]", "例：令和7年5月1日"),
                                            ("img[alt]", "地図")]


def english(client, url: str, *, method: str = "get", data=None, status=(200,)):
    client.cookies["django_language"] = "en"
    response = getattr(client, method)(url, data or {}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code in status, (url, response.status_code)
    return response


class English:
    """Reads pages in English and gathers every Japanese text outside names; ``done()`` fails listing them all."""

    def __init__(self):
        self.problems: list[str] = []
        self.pages = 0

    def __call__(self, client, url: str, **kw):
        response = english(client, url, **kw)
        page = response.content.decode()
        assert '<html lang="en"' in page, url
        self.pages += 1
        self.problems += [f"{url} {where}: {text}" for where, text in japanese_outside_names(page)]
        return response

    def done(self, pages: int):
        assert self.pages >= pages
        assert not self.problems, "Japanese outside names:\n" + "\n".join(self.problems)


@pytest.fixture
def assert_english():
    return English()


@pytest.fixture
def ward(db, clerk):
    """Offices, the demo notices and certificates (cards, terminals, policies) as the demo ward has them."""
    from datetime import date

    from kuyakusho.certificates.services.cards import issue_card
    from kuyakusho.demo.offices import create_offices
    from kuyakusho.guide.demo import create_demo_notices
    from kuyakusho.residents.tests.factories import HouseholdFactory, ResidentFactory

    create_offices()
    create_demo_notices(date(2025, 6, 11))
    household = HouseholdFactory()
    head = ResidentFactory(household=household, name="佐藤　明", name_kana="サトウ アキラ")
    wife = ResidentFactory(household=household, is_head=False, relationship="妻", name="佐藤　明日香",
                           name_kana="サトウ アスカ", sex="female")
    child = ResidentFactory(household=household, is_head=False, relationship="子", name="佐藤　陽",
                            name_kana="サトウ ヒナタ")
    issue_card(actor=None, kind="resident_card", number="NK00000002", resident=wife, pin="5678")
    return head, wife, child


@pytest.fixture
def kiosk(client, ward, clerk, monkeypatch):
    from kuyakusho.accounts.models import TerminalKind
    from kuyakusho.accounts.terminals import register_terminal
    from kuyakusho.certificates.tests.conftest import OPEN
    from kuyakusho.certificates.tests.test_kiosk import clock
    from kuyakusho.offices.models import Office

    clock(monkeypatch, OPEN)
    _terminal, token = register_terminal(actor=clerk, code="kiosk-nerima", kind=TerminalKind.KIOSK,
                                         name="練馬区民事務所 自動交付機", office=Office.objects.get(code="nerima"))
    english(client, reverse("certificates:kiosk_enrol"), method="post", data={"token": token}, status=(302,))
    return client


def test_the_kiosk_in_english(kiosk, ward, assert_english):
    start, pin, choose = (reverse(f"certificates:{n}") for n in ("kiosk", "kiosk_pin", "kiosk_choose"))
    assert_english(kiosk, reverse("kiosk:home"))
    assert_english(kiosk, start)
    assert_english(kiosk, start, method="post", data={"card_number": "NK99999999"}, status=(400,))
    english(kiosk, start, method="post", data={"card_number": "NK00000002"}, status=(302,))
    assert_english(kiosk, pin)
    assert_english(kiosk, pin, method="post", data={"pin": "0000"}, status=(400,))
    english(kiosk, pin, method="post", data={"pin": "5678"}, status=(302,))
    page = assert_english(kiosk, choose).content.decode()
    assert "Certified copy of residence record" in page or "residence record" in page.lower()
    assert '<span lang="ja">佐藤　陽</span>' in page and "Child" in page and "Wife" in page
    english(kiosk, choose, method="post", status=(302,),
            data={"kind": "juminhyo", "members": [ward[2].pk]})
    assert_english(kiosk, reverse("certificates:kiosk_confirm"))
    english(kiosk, reverse("certificates:kiosk_confirm"), method="post", status=(302,))
    assert_english(kiosk, reverse("certificates:kiosk_receive"))
    # The certificate itself is a Japanese document, whatever the language of the kiosk's screens.
    from kuyakusho.certificates.models import Issuance
    from kuyakusho.certificates.tests.conftest import pdf_text

    printed = pdf_text(bytes(Issuance.objects.get().pdf))
    assert "自動交付機" in printed and "Kiosk" not in printed
    assert_english.done(8)


def test_the_resident_site_in_english(client, ward, assert_english):
    from kuyakusho.guide.selectors import ACCESSIBILITY_PAGES

    for _title, name, args in ACCESSIBILITY_PAGES:
        # the certificate kiosk in a browser not enrolled as a terminal says so (403), in English too
        refused = (403,) if name == "certificates:kiosk" else ()
        assert_english(client, reverse(name, args=args), status=(200, *refused))
    for code in ("nerima", "hikarigaoka"):
        assert_english(client, reverse("guide:office", args=(code,)))
    assert_english(client, reverse("queues:display", args=("nerima",)))
    assert_english.done(len(ACCESSIBILITY_PAGES) + 3)


def test_console_pages_in_english(client_as, ward, administrator, clerk, assert_english):
    client = client_as(administrator)
    for url in (reverse("console:dashboard"), reverse("offices:manage"), reverse("certificates:policies")):
        assert_english(client, url)
    client = client_as(clerk)
    for url in (reverse("console:dashboard"), reverse("residents:search"), reverse("certificates:counter")):
        assert_english(client, url)
    head = ward[0]
    assert_english(client, reverse("residents:record", args=(head.pk,)))
    assert_english(client, reverse("residents:household", args=(head.household_id,)))
    # Past the purpose question: the record and the household themselves (relationships in English).
    for name, arg in (("residents:record", head.pk), ("residents:household", head.household_id)):
        answered = english(client, reverse(name, args=(arg,)), method="post",
                           data={"_ask_purpose": "1", "purpose": "consultation"}, status=(302,))
        page = assert_english(client, answered["Location"])
        assert "Spouse" in page.content.decode() or "Wife" in page.content.decode()
    assert_english.done(10)
