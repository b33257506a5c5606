"""The convenience-store (コンビニ交付) and post-office device API, through the one issuance service."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta

import pytest

from kuyakusho.accounts.models import TerminalKind
from kuyakusho.accounts.terminals import register_terminal
from kuyakusho.audit.models import AuditEvent
from kuyakusho.certificates.documents import verify_pdf
from kuyakusho.certificates.models import Alert, AlertKind, Issuance, SupportMeasure
from kuyakusho.certificates.services.cards import issue_card
from kuyakusho.residents.tests.factories import HouseholdFactory, ResidentFactory

from .conftest import OPEN, TOKYO, pdf_text
from .test_kiosk import clock

pytestmark = pytest.mark.django_db

ISSUE = "/api/certificates/konbini/issue"
KINDS = "/api/certificates/konbini/kinds"
POST_ISSUE = "/api/certificates/post-office/issue"


@pytest.fixture
def open_hours(monkeypatch):
    clock(monkeypatch, OPEN)


@pytest.fixture
def store(clerk):
    _, token = register_terminal(actor=clerk, code="store-0001", kind=TerminalKind.KONBINI, name="テスト店")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def post_office(clerk):
    _, token = register_terminal(actor=clerk, code="po-0001", kind=TerminalKind.POST_OFFICE, name="練馬郵便局")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def family():
    household = HouseholdFactory()
    head = ResidentFactory(household=household, name="渡邉　健", name_kana="ワタナベ ケン")
    wife = ResidentFactory(household=household, is_head=False, relationship="妻", name="渡邉　葵",
                           name_kana="ワタナベ アオイ", sex="female")
    issue_card(actor=None, kind="my_number_card", number="MN00000001", resident=head, pin="4321")
    issue_card(actor=None, kind="my_number_card", number="MN00000002", resident=wife, pin="8765")
    return head, wife


def body(**kw):
    return {"card_number": "MN00000001", "pin": "4321", "kind": "juminhyo", **kw}


def test_the_store_gets_the_holders_signed_certificate(client, store, family, open_hours):
    head, _wife = family
    response = client.post(ISSUE, body(options=["head"]), content_type="application/json",
                           HTTP_IDEMPOTENCY_KEY="store-0001-000001", **store)
    assert response.status_code == 200, response.content
    data = response.json()
    pdf = base64.b64decode(data["pdf_base64"])
    assert data["fee"] == 200 and data["kind"] == "juminhyo" and data["title"] == "住民票の写し"
    assert hashlib.sha256(pdf).hexdigest() == data["pdf_sha256"]
    assert data["verify_url"].endswith(f"/verify/{data['verification_code']}")
    text = pdf_text(pdf)
    assert "渡邉　健" in text and "渡邉　葵" not in text
    assert verify_pdf(pdf).verification_code == data["verification_code"]
    issuance = Issuance.objects.get(number=data["number"])
    assert (issuance.channel, issuance.terminal, issuance.subject) == ("konbini", "store-0001", head)
    event = AuditEvent.objects.get(action="certificates.issue")
    assert event.channel == "api" and event.detail["terminal"] == "store-0001"
    assert event.actor is None and event.actor_label == "terminal:store-0001"  # the terminal, by its code


def test_whole_household(client, store, family, open_hours):
    response = client.post(ISSUE, body(whole_household=True, idempotency_key="k-household-1"),
                           content_type="application/json", **store)
    assert "渡邉　葵" in pdf_text(base64.b64decode(response.json()["pdf_base64"]))


def test_the_list_of_types_and_fees(client, store, open_hours):
    data = client.get(KINDS, **store).json()
    assert data["open"] and data["identity"] == "my_number_card"
    assert {"kind": "juminhyo", "title": "住民票の写し", "fee": 200} in data["kinds"]
    assert "my_number" not in [o["option"] for o in data["options"]]


def test_a_retry_with_the_same_key_returns_the_same_certificate_charged_once(client, store, family, open_hours):
    calls = [client.post(ISSUE, body(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="retry-key-0001",
                         **store) for _ in range(3)]
    assert {c.status_code for c in calls} == {200}
    assert len({c.json()["pdf_base64"] for c in calls}) == 1 and len({c.json()["number"] for c in calls}) == 1
    assert Issuance.objects.count() == 1
    assert AuditEvent.objects.filter(action="certificates.issue").count() == 1
    # The same key for a different request is a conflict, not a second certificate.
    other = client.post(ISSUE, body(kind="kazei", fiscal_year=2024), content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="retry-key-0001", **store)
    assert other.status_code == 409 and other.json()["code"] == "conflict"


def test_the_idempotency_key_is_required(client, store, family, open_hours):
    response = client.post(ISSUE, body(), content_type="application/json", **store)
    assert response.status_code == 400 and response.json()["field"] == "idempotency_key"
    assert not Issuance.objects.exists()


def test_wrong_pins_say_how_many_tries_are_left_then_423(client, store, family, open_hours):
    head, _ = family
    for n, left in ((1, 2), (2, 1)):
        r = client.post(ISSUE, body(pin="0000"), content_type="application/json", HTTP_IDEMPOTENCY_KEY=f"pin-{n}-xxxx",
                        **store)
        assert r.status_code == 400 and r.json()["field"] == "pin" and r.json()["remaining_tries"] == left
        assert f"あと{left}回" in r.json()["message"]
    r = client.post(ISSUE, body(pin="0000"), content_type="application/json", HTTP_IDEMPOTENCY_KEY="pin-3-xxxx",
                    **store)
    assert r.status_code == 423 and r.json()["code"] == "locked" and r.json()["remaining_tries"] == 0
    r = client.post(ISSUE, body(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="pin-4-xxxx", **store)
    assert r.status_code == 423
    assert Alert.objects.filter(kind=AlertKind.CARD_LOCKED, resident=head, channel="konbini").exists()
    assert not Issuance.objects.exists()


def test_a_malformed_pin_is_rejected_without_counting(client, store, family, open_hours):
    r = client.post(ISSUE, body(pin="12"), content_type="application/json", HTTP_IDEMPOTENCY_KEY="fmt-key-01",
                    **store)
    assert r.status_code == 422
    ok = client.post(ISSUE, body(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="fmt-key-02", **store)
    assert ok.status_code == 200


def test_closed_says_when_it_opens(client, store, family, monkeypatch):
    clock(monkeypatch, datetime(2025, 12, 30, 12, 0, tzinfo=TOKYO))
    r = client.post(ISSUE, body(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="closed-key-1", **store)
    assert r.status_code == 400 and r.json()["code"] == "closed"
    assert r.json()["next_opens_at"].startswith("2026-01-04T06:30")
    assert not client.get(KINDS, **store).json()["open"]


def test_a_protected_person_gets_a_neutral_refusal(client, store, family, clerk, open_hours):
    head, _ = family
    SupportMeasure.objects.create(resident=head, starts_on=OPEN.date() - timedelta(days=1), created_by=clerk)
    r = client.post(ISSUE, body(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="sm-key-0001", **store)
    assert r.status_code == 400 and "窓口にお問い合わせください" in r.json()["message"]
    assert "支援" not in r.json()["message"] and not Issuance.objects.exists()
    assert Alert.objects.filter(kind=AlertKind.SUPPORT_MEASURE, resident=head, channel="konbini").exists()


def test_types_outside_the_policy_and_my_number_are_refused(client, store, family, open_hours):
    r = client.post(ISSUE, body(kind="nozei"), content_type="application/json", HTTP_IDEMPOTENCY_KEY="pol-key-01",
                    **store)
    assert r.status_code == 400 and r.json()["field"] == "kind"
    r = client.post(ISSUE, body(options=["my_number"]), content_type="application/json",
                    HTTP_IDEMPOTENCY_KEY="pol-key-02", **store)
    assert r.status_code == 400 and r.json()["field"] == "options"


def test_other_terminals_and_anonymous_callers_are_refused(client, post_office, family, open_hours):
    assert client.post(ISSUE, body(), content_type="application/json").status_code == 401
    assert client.post(ISSUE, body(), content_type="application/json", **post_office).status_code == 403


# Post office: a delegated counter.

def po_body(head, **kw):
    return {"name": head.name, "birth_date": head.birth_date.isoformat(), "kind": "juminhyo",
            "photo_id": "運転免許証", "idempotency_key": "po-0001-000001", **kw}


def test_the_post_office_issues_after_the_photo_id_check(client, post_office, family, open_hours):
    head, _ = family
    r = client.post(POST_ISSUE, po_body(head), content_type="application/json", **post_office)
    assert r.status_code == 200, r.content
    issuance = Issuance.objects.get()
    assert issuance.channel == "post_office" and issuance.identity["document"] == "運転免許証"
    assert issuance.fee == 300 and issuance.subject == head
    assert "渡邉　健" in pdf_text(base64.b64decode(r.json()["pdf_base64"]))


def test_the_post_office_list_is_restricted_by_policy(client, post_office, family, open_hours):
    head, _ = family
    kinds = {k["kind"] for k in client.get("/api/certificates/post-office/kinds", **post_office).json()["kinds"]}
    assert "juminhyo" in kinds and "juminhyo_kisai" not in kinds and "johyo" not in kinds
    r = client.post(POST_ISSUE, po_body(head, kind="juminhyo_kisai"), content_type="application/json", **post_office)
    assert r.status_code == 400 and r.json()["field"] == "kind"
    r = client.post(POST_ISSUE, po_body(head, photo_id=""), content_type="application/json", **post_office)
    assert r.status_code == 400 and r.json()["field"] == "identity_document"
    r = client.post(POST_ISSUE, po_body(head, requester="third_party"), content_type="application/json",
                    **post_office)
    assert r.status_code == 400 and r.json()["field"] == "requester"
    assert not Issuance.objects.exists()


def test_the_post_office_must_identify_one_person(client, post_office, family, open_hours):
    head, _ = family
    r = client.post(POST_ISSUE, po_body(head, birth_date="1900-01-01"), content_type="application/json",
                    **post_office)
    assert r.status_code == 404 and r.json()["field"] == "name"
    ResidentFactory(name=head.name, birth_date=head.birth_date)  # a namesake born the same day
    r = client.post(POST_ISSUE, po_body(head), content_type="application/json", **post_office)
    assert r.status_code == 404 and not Issuance.objects.exists()

