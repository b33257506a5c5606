"""The staff JSON API: counter issuance, postal requests, alerts, statistics (success paths and refusals;
the denied paths of every operation are walked by core/tests/test_routes.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from kuyakusho.audit.models import AuditEvent
from kuyakusho.certificates.models import Alert, Channel, ChannelPolicy, Issuance, SupportMeasure
from kuyakusho.offices.models import Office
from kuyakusho.residents.tests.factories import family

from .conftest import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _japanese():
    """Messages are asserted in Japanese, whatever language an earlier test left active in this thread."""
    with translation.override("ja"):
        yield
API = "/api/certificates"


@pytest.fixture
def office(db):
    ChannelPolicy.objects.filter(channel=Channel.COUNTER).update(schedule=None)  # any hour
    return Office.objects.create(code="nerima", name_ja="練馬区民事務所", name_en="Nerima")


@pytest.fixture
def household():
    return family(2)


def test_counter_issuance_returns_number_code_fee_and_pdf_url(client_as, clerk, household, office):
    head, wife = household
    c = client_as(clerk)
    body = {"subject_id": head.pk, "kind": "juminhyo", "office_id": office.pk, "identity_document": "運転免許証",
            "members": [wife.pk], "options": ["head"], "idempotency_key": "desk-1-0001"}
    r = c.post(f"{API}/counter/issuances", body, content_type="application/json")
    assert r.status_code == 200, r.content
    data = r.json()
    issuance = Issuance.objects.get()
    assert data["number"] == issuance.number and data["verification_code"] == issuance.verification_code
    assert data["fee"] == 300 and data["channel"] == "counter"
    pdf = c.get(data["pdf_url"])
    assert pdf.status_code == 200 and wife.name in pdf_text(pdf.content)
    again = c.post(f"{API}/counter/issuances", body, content_type="application/json")
    assert again.json()["number"] == data["number"] and Issuance.objects.count() == 1


def test_counter_issuance_refusals(client_as, make_staff, clerk, household, office):
    head, _ = household
    elsewhere = Office.objects.create(code="oizumi", name_ja="大泉区民事務所", name_en="Oizumi")
    limited = make_staff("clerk", offices=[elsewhere])
    body = {"subject_id": head.pk, "kind": "juminhyo", "office_id": office.pk, "identity_document": "旅券"}
    r = client_as(limited).post(f"{API}/counter/issuances", body, content_type="application/json")
    assert r.status_code == 403 and r.json()["field"] == "office"
    c = client_as(clerk)
    r = c.post(f"{API}/counter/issuances", {**body, "requester": "proxy"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "letter_of_authority"
    r = c.post(f"{API}/counter/issuances", {**body, "requester_name": "a\u0000b"}, content_type="application/json")
    assert r.status_code == 422
    assert not Issuance.objects.exists()


def test_postal_requests_through_the_api(client_as, clerk, household):
    head, _ = household
    c = client_as(clerk)
    r = c.post(f"{API}/postal", {"kind": "juminhyo", "requester": "self", "requester_name": "練馬 太郎",
                                 "requester_address": "東京都練馬区豊玉北6丁目12番1号", "subject_id": head.pk,
                                 "id_copy": "運転免許証", "fee_received": 300, "received_on": "R7.6.2"},
               content_type="application/json")
    assert r.status_code == 200, r.content
    ref = r.json()["reference"]
    assert r.json()["status"] == "received" and r.json()["fee_due"] == 300
    step = f"{API}/postal/{ref}/transition"
    r = c.post(step, {"action": "mail", "version": 1}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "refused"
    r = c.post(step, {"action": "check", "version": 1}, content_type="application/json")
    assert r.json()["status"] == "checked"
    r = c.post(step, {"action": "check", "version": 1}, content_type="application/json")
    assert r.status_code == 409
    r = c.post(step, {"action": "issue", "version": 2}, content_type="application/json")
    assert r.json()["status"] == "issued" and len(r.json()["issuances"]) == 1
    r = c.post(step, {"action": "mail", "version": 3}, content_type="application/json")
    assert r.json()["status"] == "mailed"
    assert c.get(f"{API}/postal/{ref.lower()}").json()["version"] == 4
    assert [p["reference"] for p in c.get(f"{API}/postal", {"status": "mailed"}).json()] == [ref]
    assert c.get(f"{API}/postal/P1999-000001").status_code == 404
    r = c.post(step, {"action": "fly", "version": 4}, content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "action"


def test_alerts_list_and_acknowledge(client_as, clerk, supervisor, household, office):
    _head, wife = household
    SupportMeasure.objects.create(resident=wife, starts_on=timezone.localdate() - timedelta(days=1),
                                  created_by=supervisor)
    r = client_as(clerk).post(f"{API}/counter/issuances", {
        "subject_id": wife.pk, "kind": "juminhyo", "office_id": office.pk, "identity_document": "旅券",
        "requester": "third_party", "requester_name": "第三 者", "purpose": "債権回収"},
        content_type="application/json")
    assert r.status_code == 400 and "窓口にお問い合わせください" in r.json()["message"]
    c = client_as(supervisor)
    alerts = c.get(f"{API}/alerts").json()
    assert [(a["kind"], a["resident_id"]) for a in alerts] == [("support_measure", wife.pk)]
    assert AuditEvent.objects.filter(action="certificates.alerts_list", subject_id=str(wife.pk)).exists()
    r = c.post(f"{API}/alerts/{alerts[0]['id']}/acknowledge")
    assert r.status_code == 200 and r.json()["acknowledged_by"] == supervisor.username
    assert c.get(f"{API}/alerts").json() == []
    assert len(c.get(f"{API}/alerts", {"include_acknowledged": True}).json()) == 1
    assert c.post(f"{API}/alerts/{alerts[0]['id']}/acknowledge").status_code == 409
    assert Alert.objects.get().acknowledged_by == supervisor


def test_statistics(client_as, clerk, supervisor, administrator, household, office):
    client_as(clerk).post(f"{API}/counter/issuances", {
        "subject_id": household[0].pk, "kind": "juminhyo", "office_id": office.pk, "identity_document": "旅券"},
        content_type="application/json")
    today = timezone.localdate()
    params = {"date_from": (today - timedelta(days=31)).isoformat(), "date_to": today.isoformat()}
    for who in (supervisor, administrator):
        data = client_as(who).get(f"{API}/stats", params).json()
        assert data["total_count"] == 1 and data["total_fees"] == 300
        assert data["rows"][0]["office_code"] == "nerima" and data["rows"][0]["month"] == f"{today:%Y-%m}"
    r = client_as(clerk).get(f"{API}/stats", params)
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    r = client_as(supervisor).get(f"{API}/stats", {"date_from": "昨日", "date_to": today.isoformat()})
    assert r.status_code == 422
