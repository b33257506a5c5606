"""The certificate kiosk: enrolment, card → PIN → choose → confirm → receive, and forgetting the visit."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kuyakusho.accounts.models import TerminalKind
from kuyakusho.accounts.terminals import register_terminal
from kuyakusho.audit.models import AuditEvent
from kuyakusho.certificates.documents import verify_pdf
from kuyakusho.certificates.models import Alert, AlertKind, Issuance, SupportMeasure
from kuyakusho.certificates.services.cards import issue_card
from kuyakusho.certificates.views import kiosk_session
from kuyakusho.offices.models import Office
from kuyakusho.residents.tests.factories import HouseholdFactory, ResidentFactory

from .conftest import OPEN, TOKYO, pdf_text

pytestmark = pytest.mark.django_db

START = reverse("certificates:kiosk")
PIN = reverse("certificates:kiosk_pin")
CHOOSE = reverse("certificates:kiosk_choose")
CONFIRM = reverse("certificates:kiosk_confirm")
RECEIVE = reverse("certificates:kiosk_receive")
PDF = reverse("certificates:kiosk_pdf")
FINISH = reverse("certificates:kiosk_finish")


def clock(monkeypatch, at: datetime):
    """Django's clock starts at ``at`` and runs on (the service and the pages read it)."""
    started = time.monotonic()
    monkeypatch.setattr(timezone, "now", lambda: at + timedelta(seconds=time.monotonic() - started))


@pytest.fixture
def open_hours(monkeypatch):
    clock(monkeypatch, OPEN)


@pytest.fixture
def family():
    household = HouseholdFactory()
    head = ResidentFactory(household=household, name="髙橋　一郎", name_kana="タカハシ イチロウ")
    wife = ResidentFactory(household=household, is_head=False, relationship="妻", name="髙橋　花子",
                           name_kana="タカハシ ハナコ", sex="female")
    issue_card(actor=None, kind="resident_card", number="NK00000001", resident=head, pin="1234")
    issue_card(actor=None, kind="resident_card", number="NK00000002", resident=wife, pin="5678")
    return head, wife


@pytest.fixture
def terminal(clerk):
    office = Office.objects.create(code="nerima", name_ja="練馬区民事務所", name_en="Nerima")
    terminal, token = register_terminal(actor=clerk, code="kiosk-nerima", kind=TerminalKind.KIOSK,
                                        name="練馬 自動交付機", office=office)
    terminal.token = token
    return terminal


@pytest.fixture
def kiosk(client, terminal, open_hours):
    response = client.post(reverse("certificates:kiosk_enrol"), {"token": terminal.token})
    assert response.status_code == 302
    return client


def walk_to_choose(client, card="NK00000001", pin="1234"):
    assert client.post(START, {"card_number": card}).status_code == 302
    response = client.post(PIN, {"pin": pin})
    assert response.status_code == 302 and response["Location"] == CHOOSE, response.content.decode()[:500]


def test_an_unregistered_browser_cannot_use_the_kiosk(client, terminal, open_hours):
    response = client.get(START)
    assert response.status_code == 403 and "この端末は登録されていません" in response.content.decode()
    assert client.post(START, {"card_number": "NK00000001"}).status_code == 403
    bad = client.post(reverse("certificates:kiosk_enrol"), {"token": "forged"})
    assert bad.status_code == 400 and kiosk_session.TERMINAL_COOKIE not in bad.cookies
    # A token of another kind of terminal does not enrol a kiosk either.
    _, konbini = register_terminal(actor=None, code="store-1", kind=TerminalKind.KONBINI, name="store")
    assert client.post(reverse("certificates:kiosk_enrol"), {"token": konbini}).status_code == 400


def test_enrolment_sets_a_signed_httponly_cookie_and_deactivation_stops_the_kiosk(client, terminal, open_hours):
    response = client.post(reverse("certificates:kiosk_enrol"), {"token": terminal.token})
    cookie = response.cookies[kiosk_session.TERMINAL_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and "kiosk-nerima" in cookie.value
    assert cookie.value != "kiosk-nerima"  # signed
    assert client.get(START).status_code == 200
    client.cookies[kiosk_session.TERMINAL_COOKIE] = "kiosk-nerima"  # unsigned: refused
    assert client.get(START).status_code == 403
    client.cookies[kiosk_session.TERMINAL_COOKIE] = cookie.value
    terminal.active = False
    terminal.save()
    assert client.get(START).status_code == 403


def test_the_whole_flow_issues_the_card_holders_certificate(kiosk, family, terminal):
    head, wife = family
    walk_to_choose(kiosk)
    page = kiosk.get(CHOOSE).content.decode()
    assert "髙橋　一郎" in page and "髙橋　花子" in page  # the household to choose from
    assert "個人番号" not in page  # not allowed at the kiosk by default
    response = kiosk.post(CHOOSE, {"kind": "juminhyo", "members": [wife.pk], "options": ["head"]})
    assert response.status_code == 302 and response["Location"] == CONFIRM
    confirm = kiosk.get(CONFIRM).content.decode()
    assert "300円" in confirm and "髙橋　花子" in confirm
    response = kiosk.post(CONFIRM)
    assert response.status_code == 302 and response["Location"] == RECEIVE
    issuance = Issuance.objects.get()
    assert (issuance.channel, issuance.terminal, issuance.subject, issuance.fee) == ("kiosk", "kiosk-nerima", head, 300)
    assert issuance.members == [head.pk, wife.pk] and issuance.office.code == "nerima"
    receive = kiosk.get(RECEIVE).content.decode()
    assert issuance.number in receive and "印刷する" in receive
    pdf = kiosk.get(PDF)
    assert pdf["Content-Type"] == "application/pdf" and "no-store" in pdf["Cache-Control"]
    text = pdf_text(pdf.content)
    assert "髙橋　一郎" in text and "髙橋　花子" in text and "自動交付機（練馬区民事務所）" in text
    assert verify_pdf(pdf.content).valid
    event = AuditEvent.objects.get(action="certificates.issue", channel="kiosk")
    assert event.actor is None and event.actor_label.startswith("terminal:")  # the kiosk, by its code


def test_no_personal_data_in_urls(kiosk, family):
    walk_to_choose(kiosk)
    for url in (START, PIN, CHOOSE, CONFIRM, RECEIVE, PDF, FINISH):
        assert "NK0" not in url and "1234" not in url


def test_a_double_tap_on_confirm_issues_one_certificate(kiosk, family):
    walk_to_choose(kiosk)
    kiosk.post(CHOOSE, {"kind": "juminhyo"})
    kiosk.get(CONFIRM)
    first = kiosk.post(CONFIRM)
    second = kiosk.post(CONFIRM)  # the second tap arrives after the first completed
    assert first.status_code == 302 and second.status_code == 302
    assert Issuance.objects.count() == 1
    # Another certificate in the same visit is a new confirmation: a new key.
    kiosk.post(CHOOSE, {"kind": "juminhyo", "whole_household": "on"})
    kiosk.get(CONFIRM)
    kiosk.post(CONFIRM)
    assert Issuance.objects.count() == 2


def test_the_idempotency_key_makes_a_concurrent_double_tap_return_the_same_certificate(kiosk, family):
    """The key is fixed when the confirmation is shown; a tap racing the first uses the same key."""
    walk_to_choose(kiosk)
    kiosk.post(CHOOSE, {"kind": "juminhyo"})
    kiosk.get(CONFIRM)
    key = kiosk.session[kiosk_session.STATE]["key"]
    kiosk.post(CONFIRM)
    assert Issuance.objects.get().idempotency_key == key


def test_a_wrong_pin_shows_the_tries_left_and_three_lock_the_card(kiosk, family):
    head, _ = family
    kiosk.post(START, {"card_number": "NK00000001"})
    response = kiosk.post(PIN, {"pin": "0000"})
    assert response.status_code == 400 and "あと2回" in response.content.decode()
    response = kiosk.post(PIN, {"pin": "12a4"})  # not 4 digits: refused before the card is tried
    assert response.status_code == 400 and "4桁の数字" in response.content.decode()
    assert "あと1回" in kiosk.post(PIN, {"pin": "9999"}).content.decode()
    response = kiosk.post(PIN, {"pin": "1111"})
    assert response.status_code == 423 and "窓口で解除" in response.content.decode()
    assert Alert.objects.filter(kind=AlertKind.CARD_LOCKED, resident=head, channel="kiosk").count() == 1
    # The visit is over; a new visit with the locked card is refused at the card, before any PIN.
    assert kiosk.get(CHOOSE)["Location"] == START
    response = kiosk.post(START, {"card_number": "NK00000001"})
    assert response.status_code == 400 and "窓口" in response.content.decode()
    assert kiosk.get(PIN)["Location"] == START
    assert not Issuance.objects.exists()
    assert AuditEvent.objects.filter(action="certificates.card_locked", subject_id=str(head.pk)).exists()


def test_an_unknown_withdrawn_or_locked_card_is_refused_before_the_pin_with_one_answer(kiosk, family):
    from kuyakusho.certificates.models import Card, CardLock

    Card.objects.filter(number="NK00000002").update(active=False)
    other = ResidentFactory()
    issue_card(actor=None, kind="resident_card", number="NK00000003", resident=other, pin="4321")
    CardLock.objects.create(card=Card.objects.get(number="NK00000003"), channel="kiosk", failures=3,
                            locked_at=timezone.now())
    pages = []
    for number in ("NK99999999", "NK00000002", "NK00000003"):
        response = kiosk.post(START, {"card_number": number})
        page = response.content.decode()
        assert response.status_code == 400 and "窓口でお問い合わせください" in page
        assert 'name="pin"' not in page and kiosk.get(PIN)["Location"] == START
        pages.append(page.split('<div class="notice notice--error" role="alert">')[1].split("</div>")[0])
    assert pages[0] == pages[1] == pages[2]  # nothing tells an unknown number from a locked card
    assert AuditEvent.objects.filter(action="certificates.card_unknown").count() == 2
    assert not CardLock.objects.filter(card__number="NK00000002").exists()  # nothing counted
    # A card locked for another channel still works here.
    CardLock.objects.create(card=Card.objects.get(number="NK00000001"), channel="konbini", failures=3,
                            locked_at=timezone.now())
    assert kiosk.post(START, {"card_number": "NK00000001"})["Location"] == PIN
    response = kiosk.post(START, {"card_number": "★"})
    assert response.status_code == 400 and "カードを読み取れませんでした" in response.content.decode()


def test_steps_cannot_be_skipped(kiosk, family):
    for url in (PIN, CHOOSE, CONFIRM, RECEIVE, PDF):
        assert kiosk.get(url)["Location"] == START
    kiosk.post(START, {"card_number": "NK00000001"})
    assert kiosk.get(CHOOSE)["Location"] == START  # no PIN yet: the visit is dropped


def test_only_what_the_policy_allows(kiosk, family):
    walk_to_choose(kiosk)
    response = kiosk.post(CHOOSE, {"kind": "juminhyo", "options": ["my_number"]})
    assert response.status_code == 400 and not Issuance.objects.exists()
    response = kiosk.post(CHOOSE, {"kind": "nozei"})  # not offered at kiosks
    assert response.status_code == 400
    outsider = ResidentFactory()
    response = kiosk.post(CHOOSE, {"kind": "juminhyo", "members": [outsider.pk]})
    assert response.status_code == 400  # only the holder's own household is offered


def test_a_refusal_is_shown_on_the_confirmation_and_nothing_is_issued(kiosk, family, clerk):
    _head, wife = family
    SupportMeasure.objects.create(resident=wife, starts_on=OPEN.date() - timedelta(days=10), created_by=clerk)
    walk_to_choose(kiosk)
    kiosk.post(CHOOSE, {"kind": "juminhyo", "whole_household": "on"})
    response = kiosk.post(CONFIRM)
    page = response.content.decode()
    assert response.status_code == 400 and "窓口にお問い合わせください" in page and "支援" not in page
    assert not Issuance.objects.exists()
    assert Alert.objects.filter(kind=AlertKind.SUPPORT_MEASURE, resident=wife, channel="kiosk").exists()


def test_tax_certificate_needs_a_year(kiosk, family):
    from kuyakusho.certificates.models import TaxRecord

    head, _ = family
    TaxRecord.objects.create(resident=head, fiscal_year=2024, income=3_000_000, taxable_income=1_800_000,
                             municipal_tax=108_000, prefectural_tax=72_000, paid=180_000)
    walk_to_choose(kiosk)
    assert kiosk.post(CHOOSE, {"kind": "kazei"}).status_code == 400
    kiosk.post(CHOOSE, {"kind": "kazei", "fiscal_year": "2024"})
    kiosk.post(CONFIRM)
    issuance = Issuance.objects.get()
    assert issuance.kind == "kazei" and issuance.fiscal_year == 2024
    assert "108,000" in pdf_text(bytes(issuance.pdf))


def test_finish_forgets_everything_and_the_next_person_sees_nothing(kiosk, family):
    walk_to_choose(kiosk)
    kiosk.post(CHOOSE, {"kind": "juminhyo"})
    kiosk.post(CONFIRM)
    old_session = kiosk.session.session_key
    response = kiosk.post(FINISH)
    assert response.status_code == 302 and response["Location"] == START
    assert response.cookies[kiosk_session.PIN_KEY_COOKIE].value == ""
    assert kiosk.session.session_key != old_session and kiosk_session.STATE not in kiosk.session
    for url in (RECEIVE, PDF, CONFIRM, CHOOSE):
        response = kiosk.get(url)
        assert response.status_code == 302 and response["Location"] == START
    page = kiosk.get(START).content.decode()
    assert "髙橋" not in page and "ご利用ありがとうございました" in page


def test_two_idle_minutes_end_the_visit(kiosk, family, monkeypatch):
    walk_to_choose(kiosk)
    kiosk.post(CHOOSE, {"kind": "juminhyo"})
    kiosk.post(CONFIRM)
    assert kiosk.get(RECEIVE).status_code == 200
    real = time.time
    monkeypatch.setattr(kiosk_session.time, "time", lambda: real() + kiosk_session.IDLE_SECONDS + 1)
    response = kiosk.get(PDF)
    assert response.status_code == 302 and response["Location"] == START
    page = kiosk.get(START).content.decode()
    assert "一定時間操作がなかったため" in page and "髙橋" not in page
    assert kiosk_session.STATE not in kiosk.session


def test_the_browser_timer_ends_the_visit_too(kiosk, family):
    walk_to_choose(kiosk)
    page = kiosk.get(CHOOSE).content.decode()
    assert 'data-idle-seconds="120"' in page and "certificates/kiosk.js" in page
    response = kiosk.post(FINISH, {"reason": "timeout"})
    assert response["Location"] == START and kiosk_session.STATE not in kiosk.session
    assert "一定時間操作がなかったため" in kiosk.get(START).content.decode()


def test_the_pin_is_kept_only_encrypted_and_needs_the_cookie(kiosk, family):
    walk_to_choose(kiosk)
    state = kiosk.session[kiosk_session.STATE]
    assert "1234" not in str(state)
    kiosk.post(CHOOSE, {"kind": "juminhyo"})
    del kiosk.cookies[kiosk_session.PIN_KEY_COOKIE]  # without the key the session alone is useless
    response = kiosk.post(CONFIRM)
    assert response["Location"] == START and not Issuance.objects.exists()


def test_outside_hours_the_kiosk_says_when_it_opens(client, terminal, family, monkeypatch):
    clock(monkeypatch, datetime(2025, 6, 11, 22, 0, tzinfo=TOKYO))
    client.post(reverse("certificates:kiosk_enrol"), {"token": terminal.token})
    page = client.get(START).content.decode()
    assert "ただいま取扱時間外です" in page and "6月12日 8:30" in page and 'name="card_number"' not in page
    client.post(START, {"card_number": "NK00000001"})
    assert kiosk_session.STATE not in client.session


def test_the_visit_belongs_to_one_terminal(kiosk, family, clerk):
    walk_to_choose(kiosk)
    _other, token = register_terminal(actor=clerk, code="kiosk-other", kind=TerminalKind.KIOSK, name="other")
    kiosk.post(reverse("certificates:kiosk_enrol"), {"token": token})
    assert kiosk.get(CHOOSE)["Location"] == START


def test_english_pages(kiosk, family):
    kiosk.cookies["django_language"] = "en"
    page = kiosk.get(START).content.decode()
    assert "Certificate kiosk" in page and "Place your resident card on the card reader." in page
    walk_to_choose(kiosk)
    assert "Choose the certificate to issue" in kiosk.get(CHOOSE).content.decode()


def test_the_demo_data_makes_a_working_kiosk(client, open_hours):
    from kuyakusho.certificates.demo import DEMO_PIN, create_demo_certificates
    from kuyakusho.certificates.models import Card, TaxRecord

    Office.objects.create(code="nerima", name_ja="練馬区民事務所", name_en="Nerima")
    adults = [ResidentFactory() for _ in range(3)]
    ResidentFactory(birth_date=OPEN.date() - timedelta(days=365 * 10))  # a child: no card, no tax record
    summary = create_demo_certificates(today=OPEN.date(), cards=2)
    assert [c[:2] for c in summary.cards] == [("NK00000001", "MN00000001"), ("NK00000002", "MN00000002")]
    assert Card.objects.count() == 4 and summary.fiscal_years == (2025, 2024)
    assert TaxRecord.objects.count() == 6 == summary.tax_records
    assert set(TaxRecord.objects.values_list("resident_id", flat=True)) == {a.pk for a in adults}
    kinds = {code: kind for code, kind, _token in summary.terminals}
    assert kinds == {"kiosk-nerima": "kiosk", "konbini-demo": "konbini", "post-office-demo": "post_office"}
    token = next(t for code, _k, t in summary.terminals if code == "kiosk-nerima")
    client.post(reverse("certificates:kiosk_enrol"), {"token": token})
    walk_to_choose(client, card="NK00000001", pin=DEMO_PIN)
    again = create_demo_certificates(today=OPEN.date(), cards=2)  # adds nothing, rotates the tokens
    assert Card.objects.count() == 4 and TaxRecord.objects.count() == 6 and again.tax_records == 0
    assert AuditEvent.objects.filter(action="certificates.demo_load").count() == 2


def test_a_kiosk_that_closes_during_a_visit_says_so_before_the_next_choice(kiosk, family, monkeypatch):
    clock(monkeypatch, datetime(2025, 6, 11, 20, 59, tzinfo=TOKYO))  # a minute before 21:00
    walk_to_choose(kiosk)
    clock(monkeypatch, datetime(2025, 6, 11, 21, 1, tzinfo=TOKYO))
    r = kiosk.get(CHOOSE)
    assert r.status_code == 302 and r["Location"] == START
    page = kiosk.get(START)
    assert "ただいま取扱時間外です" in page.text and not Issuance.objects.exists()
