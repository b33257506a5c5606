"""The two leaks of a protected person's 住民票 (the post-office API and the postal desk issued it to anyone
claiming to be her, the desk mailing it to another city, with no alert): now held for a supervisor, who
releases it to be mailed to the registered address only, or declines it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from kuyakusho.accounts.models import TerminalKind
from kuyakusho.accounts.terminals import register_terminal
from kuyakusho.audit.models import AuditEvent
from kuyakusho.certificates.models import Alert, HeldRequest, Issuance, SupportMeasure
from kuyakusho.certificates.services import holds, postal
from kuyakusho.core.errors import ApplicationError
from kuyakusho.residents.tests.factories import HouseholdFactory, ResidentFactory

from .conftest import OPEN
from .test_kiosk import clock

pytestmark = pytest.mark.django_db

POST_ISSUE = "/api/certificates/post-office/issue"
ELSEWHERE = "大阪府大阪市北区梅田1-1"


@pytest.fixture(autouse=True)
def _japanese():
    with translation.override("ja"):
        yield


@pytest.fixture
def protected(clerk, monkeypatch):
    clock(monkeypatch, OPEN)
    household = HouseholdFactory()
    ResidentFactory(household=household, name="保護　一郎")
    her = ResidentFactory(household=household, is_head=False, relationship="妻", name="保護　花子", sex="female")
    SupportMeasure.objects.create(resident=her, starts_on=OPEN.date() - timedelta(days=30), created_by=clerk)
    return her


@pytest.fixture
def post_office(clerk):
    _, token = register_terminal(actor=clerk, code="po-0001", kind=TerminalKind.POST_OFFICE, name="練馬郵便局")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def claim(her, **kw):
    return {"name": her.name, "birth_date": her.birth_date.isoformat(), "kind": "juminhyo", "photo_id": "運転免許証",
            "requester_address": ELSEWHERE, "idempotency_key": "po-0001-leak-01", **kw}


def test_post_office_request_for_a_protected_person_is_held_then_mailed_home(client, client_as, protected,
                                                                            post_office, supervisor):
    r = client.post(POST_ISSUE, claim(protected), content_type="application/json", **post_office)
    assert r.status_code == 202, r.content
    body = r.json()
    assert body["status"] == "held" and "pdf_base64" not in body and "支援" not in body["message"]
    assert not Issuance.objects.exists()
    alert = Alert.objects.get()
    assert (alert.resident, alert.channel, alert.detail["outcome"]) == (protected, "post_office", "held")
    assert alert.detail["terminal"] == "po-0001" and alert.detail["requester_name"] == protected.name
    assert alert.detail["requester_address"] == ELSEWHERE and alert.detail["document"] == "juminhyo"
    # The terminal retries: the same hold, no second alert.
    again = client.post(POST_ISSUE, claim(protected), content_type="application/json", **post_office)
    assert again.status_code == 202 and again.json()["reference"] == body["reference"]
    assert Alert.objects.count() == 1

    page = client_as(supervisor).get(reverse("certificates:alerts"))
    assert page.status_code == 200
    for shown in ("po-0001", ELSEWHERE, "住民票の写し", "保留（責任者の確認待ち）", "交付を承認"):
        assert shown in page.text
    held = HeldRequest.objects.get()
    r = client_as(supervisor).post(reverse("certificates:held_release", args=[held.pk]))
    assert r.status_code == 302
    held.refresh_from_db()
    issuance = Issuance.objects.get()
    assert held.status == "released" and held.issuance == issuance and held.decided_by == supervisor
    assert held.mail_to == protected.household.address and held.mail_to != ELSEWHERE
    assert (issuance.channel, issuance.subject, issuance.issued_by) == ("post_office", protected, supervisor)
    assert AuditEvent.objects.filter(action="certificates.hold_release", subject_id=str(protected.pk)).exists()
    # The post office never gets the certificate, however it retries.
    late = client.post(POST_ISSUE, claim(protected), content_type="application/json", **post_office)
    assert late.status_code == 202 and Issuance.objects.count() == 1
    with pytest.raises(ApplicationError):
        holds.release_held(actor=supervisor, held_id=held.pk)  # decided once


def test_postal_self_request_is_held_and_mailed_only_to_the_registered_address(client_as, clerk, supervisor,
                                                                               protected):
    req = postal.create_request(actor=clerk, data=postal.PostalInput(
        kind="juminhyo", requester="self", requester_name=protected.name, requester_address=ELSEWHERE,
        subject_id=protected.pk, id_copy="運転免許証", fee_received=600, copies=2))
    req = postal.check_request(actor=clerk, reference=req.reference, version=req.version)
    req = postal.issue_request(actor=clerk, reference=req.reference, version=req.version)
    assert req.status == "held" and not Issuance.objects.exists()
    alert = Alert.objects.get()
    assert alert.channel == "postal" and alert.detail["requester_address"] == ELSEWHERE
    assert alert.detail["staff_id"] == clerk.pk and alert.detail["outcome"] == "held"
    page = client_as(clerk).get(reverse("certificates:postal_detail", args=[req.reference]))
    assert "責任者の確認待ち" in page.text and 'value="issue"' not in page.text
    with pytest.raises(ApplicationError):  # the desk cannot go on while it is held
        postal.issue_request(actor=clerk, reference=req.reference, version=req.version)

    held = holds.release_held(actor=supervisor, held_id=HeldRequest.objects.get().pk)
    req.refresh_from_db()
    assert req.status == "checked" and req.mail_to == protected.household.address != ELSEWHERE
    req = postal.issue_request(actor=clerk, reference=req.reference, version=req.version)
    assert req.status == "issued" and req.issuances.count() == 2 and held.issuance is None
    page = client_as(clerk).get(reverse("certificates:postal_detail", args=[req.reference]))
    assert protected.household.address in page.text and "住民登録の住所へ郵送してください" in page.text


def test_a_declined_postal_request_is_returned_with_a_neutral_reason(clerk, supervisor, protected):
    req = postal.create_request(actor=clerk, data=postal.PostalInput(
        kind="juminhyo", requester="self", requester_name=protected.name, requester_address=ELSEWHERE,
        subject_id=protected.pk, id_copy="運転免許証", fee_received=300))
    req = postal.check_request(actor=clerk, reference=req.reference, version=req.version)
    req = postal.issue_request(actor=clerk, reference=req.reference, version=req.version)
    holds.decline_held(actor=supervisor, held_id=HeldRequest.objects.get().pk)
    req.refresh_from_db()
    assert req.status == "returned" and "支援" not in req.returned_reason and not Issuance.objects.exists()
    assert AuditEvent.objects.filter(action="certificates.hold_decline").count() == 1


def test_clerks_cannot_decide_a_held_request(client_as, clerk, protected, post_office, client):
    client.post(POST_ISSUE, claim(protected), content_type="application/json", **post_office)
    held = HeldRequest.objects.get()
    r = client_as(clerk).post(reverse("certificates:held_release", args=[held.pk]))
    assert r.status_code == 403
    held.refresh_from_db()
    assert held.status == "held" and not Issuance.objects.exists()
