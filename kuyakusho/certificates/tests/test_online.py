"""Online certificate requests (channel ``online``): the policy, the resident's request, her signature, the fee
through ``payments``, the desk's issuance through the one issuance service, and every refusal refunded and
audited with nothing half-written."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from kuyakusho.audit.models import AuditEvent
from kuyakusho.certificates.models import (
    Alert,
    CardLock,
    Channel,
    Issuance,
    OnlineRequest,
    OnlineStatus,
    SupportMeasure,
)
from kuyakusho.certificates.services import online
from kuyakusho.certificates.services.offer import offer
from kuyakusho.certificates.services.protections import NEUTRAL_REFUSAL
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.identity.models import AccountKind, PortalAccount
from kuyakusho.identity.sandbox_views import PIN_CHANNEL
from kuyakusho.payments import services as payments
from kuyakusho.payments.models import Bill, Payment, SandboxCheckout
from kuyakusho.payments.providers import WebhookEvent
from kuyakusho.payments.tests.conftest import deliveries, event, signed  # noqa: F401 (fixture)
from kuyakusho.residents.models import Household
from kuyakusho.residents.portal_selectors import basic_four_of
from kuyakusho.residents.tests.factories import HouseholdFactory, ResidentFactory, family

pytestmark = pytest.mark.django_db
S = OnlineStatus
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def household(db):
    return family(3)


@pytest.fixture
def wife(household):
    return household[1]


@pytest.fixture
def account(db):
    return PortalAccount.objects.create(kind=AccountKind.CARD, issuer="https://idp.example", subject="card-wife")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what the code defers to after the commit (payment listeners, notices), as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _request(account, requester, subject=None, **kw) -> OnlineRequest:
    data = online.OnlineInput(kind=kw.pop("kind", "juminhyo"), subject_id=(subject or requester).pk, **kw)
    return online.create_request(actor=account, account_ref=account.actor_label, requester_id=requester.pk, data=data)


def _sign(account, req, resident, *, document=None) -> OnlineRequest:
    return online.record_signature(actor=account, account_ref=account.actor_label,
                                   document=document or online.signing_document(req),
                                   signer=online.Signer(issuer="https://idp.example", subject="card-wife",
                                                        four=basic_four_of(resident)))


def _pay(req: OnlineRequest, committed, *, amount=None) -> Payment:
    """The resident pays at the sandbox; its webhook (as the provider delivers it) captures the payment."""
    assert req.bill_id is not None
    bill = Bill.objects.get(pk=req.bill_id)
    payment = payments.start_checkout(actor=None, bill=bill, return_url="http://testserver/back")
    SandboxCheckout.objects.filter(checkout_id=payment.checkout_id).update(status="paid", method="card")
    with committed():
        payments.apply_event(provider_name="sandbox", cause="webhook", event=WebhookEvent(
            event_id=f"evt_{payment.pk}", type="payment.captured", checkout_id=payment.checkout_id,
            amount=amount or bill.amount, method="card"))
    payment.refresh_from_db()
    return payment


@pytest.fixture
def received(account, wife, committed, deliveries):  # noqa: F811
    req = _request(account, wife, options=frozenset({"head"}))
    req = _sign(account, req, wife)
    _pay(req, committed)
    req.refresh_from_db()
    assert req.status == S.RECEIVED
    return req


# --- the policy -------------------------------------------------------------------------------------------------

def test_the_online_channel_is_open_all_day_with_its_own_schedule_fees_and_requesters():
    for at in (dt.datetime(2025, 6, 15, 3, 0, tzinfo=TOKYO), dt.datetime(2025, 6, 11, 23, 59, tzinfo=TOKYO),
               dt.datetime(2026, 1, 1, 0, 30, tzinfo=TOKYO)):  # a Sunday night, a weekday, New Year's day
        available = offer(Channel.ONLINE, now=at)
        assert available.open, at
    assert available.policy.schedule.code == "online"
    assert available.requesters == ["self", "household"]
    assert "inkan" not in available.kinds and {"juminhyo", "juminhyo_kisai", "kazei"} <= set(available.kinds)
    assert available.fee_for("juminhyo") == 300 and "my_number" not in available.options


def test_the_sandbox_counts_wrong_pins_under_the_online_channel_of_the_policy():
    assert PIN_CHANNEL == Channel.ONLINE
    assert CardLock._meta.get_field("channel").choices == Channel.choices


def test_an_administrator_cannot_open_the_online_channel_to_proxies_or_seal_certificates(clerk):
    from kuyakusho.certificates.models import ChannelPolicy
    from kuyakusho.certificates.services.admin import PolicyInput, _clean_policy

    policy = ChannelPolicy.objects.get(channel=Channel.ONLINE)
    base = PolicyInput(enabled=True, schedule_id=policy.schedule_id, identity="card_signature",
                       kinds=("juminhyo",), options=(), requesters=("self",), fees={"juminhyo": 300})
    _clean_policy(Channel.ONLINE, base)
    for bad in (replace(base, requesters=("self", "proxy")), replace(base, kinds=("juminhyo", "inkan")),
                replace(base, identity="my_number_card")):
        with pytest.raises(ApplicationError):
            _clean_policy(Channel.ONLINE, bad)


# --- the resident's request and signature ----------------------------------------------------------------------

def test_request_for_herself_and_for_a_household_member(account, wife, household):
    req = _request(account, wife, options=frozenset({"head"}), copies=2)
    assert (req.status, req.requester_kind, req.fee, req.mail_to) == (S.SIGNING, "self", 600, wife.household.address)
    assert req.reference.startswith("W") and online.signing_document(req).endswith(req.fingerprint)
    child = _request(account, wife, household[2])
    assert child.requester_kind == "household" and child.subject == household[2]
    event = AuditEvent.objects.filter(action="certificates.online_create", target_id=str(req.pk)).get()
    assert event.actor_label == account.actor_label and event.subject_id == str(wife.pk)


def test_request_for_another_households_member_is_refused_and_audited(account, wife):
    stranger = ResidentFactory(household=HouseholdFactory())
    with pytest.raises(ApplicationError) as refused:
        _request(account, wife, stranger)
    assert refused.value.field == "subject" and not OnlineRequest.objects.exists()
    assert AuditEvent.objects.filter(action="certificates.online_other_household", kind="refusal",
                                     subject_id=str(stranger.pk)).exists()


@pytest.mark.parametrize(("change", "field"), [
    ({"kind": "inkan"}, "kind"), ({"kind": "johyo"}, "kind"), ({"options": frozenset({"my_number"})}, "options"),
    ({"copies": 4}, "copies"), ({"kind": "kazei", "whole_household": True}, "whole_household"),
    ({"kind": "kazei", "fiscal_year": 1999}, "fiscal_year"),
])
def test_what_the_channel_does_not_take_is_refused_before_anything_is_written(account, wife, change, field):
    with pytest.raises(ApplicationError) as refused:
        _request(account, wife, **change)
    assert refused.value.field == field and not OnlineRequest.objects.exists()


def test_a_closed_channel_takes_no_request(account, wife):
    from kuyakusho.certificates.models import ChannelPolicy

    ChannelPolicy.objects.filter(channel=Channel.ONLINE).update(enabled=False)
    with pytest.raises(ApplicationError):
        _request(account, wife)


def test_her_signature_raises_the_bill(account, wife):
    req = _sign(account, _request(account, wife), wife)
    assert req.status == S.PAYMENT and req.signed_at is not None
    assert req.signature["matched"] == ["name", "birthdate", "gender", "address"]
    bill = Bill.objects.get(pk=req.bill_id)
    assert (bill.amount, bill.source, bill.source_ref, bill.resident_id) == (300, online.SOURCE, req.reference,
                                                                             wife.pk)
    assert AuditEvent.objects.filter(action="certificates.online_sign", target_id=str(req.pk)).exists()


def test_a_signature_of_someone_else_is_refused_and_audited(account, wife, household):
    req = _request(account, wife)
    with pytest.raises(ApplicationError) as refused:
        _sign(account, req, household[0])  # the husband's card signs her request
    assert refused.value.field == "signature"
    req.refresh_from_db()
    assert req.status == S.SIGNING and req.bill_id is None and not Bill.objects.exists()
    assert AuditEvent.objects.filter(action="certificates.online_signature_signer", kind="refusal").exists()


def test_a_signature_of_another_document_or_by_another_account_is_refused(account, wife):
    req = _request(account, wife)
    with pytest.raises(ApplicationError):
        _sign(account, req, wife, document=f"{online.SOURCE}:{req.reference}:{'0' * 64}")
    other = PortalAccount.objects.create(kind=AccountKind.CARD, issuer="https://idp.example", subject="other")
    with pytest.raises(ApplicationError) as not_hers:
        online.record_signature(actor=other, account_ref=other.actor_label, document=online.signing_document(req),
                                signer=online.Signer(issuer="i", subject="other", four=basic_four_of(wife)))
    assert not_hers.value.code == ErrorCode.NOT_FOUND
    req.refresh_from_db()
    assert req.status == S.SIGNING and not Bill.objects.exists()


# --- payment --------------------------------------------------------------------------------------------------

def test_the_captured_fee_receives_the_request(received):
    assert received.paid_at is not None
    assert AuditEvent.objects.filter(action="certificates.online_paid", target_id=str(received.pk)).exists()
    assert list(online.desk_list()) == [received]


def test_a_webhook_amount_differing_from_the_bill_is_refused_and_the_request_stays_unpaid(
        account, wife, committed, client, deliveries):  # noqa: F811
    req = _sign(account, _request(account, wife), wife)
    payment = payments.start_checkout(actor=None, bill=Bill.objects.get(pk=req.bill_id), return_url="http://x/")
    with committed():
        r = signed(client, event(payment.checkout_id, amount=1, event_id="evt_cheap"))
    assert r.status_code == 400
    req.refresh_from_db()
    payment.refresh_from_db()
    assert req.status == S.PAYMENT and payment.state == "created"
    assert AuditEvent.objects.filter(action="payments.webhook_refused").exists()


def test_a_failed_payment_cancels_the_request_and_a_late_capture_is_refunded(account, wife, committed,
                                                                             deliveries):  # noqa: F811
    req = _sign(account, _request(account, wife), wife)
    bill = Bill.objects.get(pk=req.bill_id)
    payment = payments.start_checkout(actor=None, bill=bill, return_url="http://x/")
    with committed():
        payments.apply_event(provider_name="sandbox", cause="webhook", event=WebhookEvent(
            event_id="evt_expired", type="payment.expired", checkout_id=payment.checkout_id, amount=300))
    req.refresh_from_db()
    bill.refresh_from_db()
    assert req.status == S.CANCELLED and bill.status == "cancelled"
    assert AuditEvent.objects.filter(action="certificates.online_unpaid").exists()
    # The provider reports a capture after all (the money moved): it is given back, the request stays cancelled.
    SandboxCheckout.objects.filter(checkout_id=payment.checkout_id).update(status="paid")
    with committed():
        payments.apply_event(provider_name="sandbox", cause="webhook", event=WebhookEvent(
            event_id="evt_late", type="payment.captured", checkout_id=payment.checkout_id, amount=300))
    payment.refresh_from_db()
    req.refresh_from_db()
    assert payment.state == "refunded" and req.status == S.CANCELLED


def test_she_can_withdraw_an_unpaid_request(account, wife):
    req = _sign(account, _request(account, wife), wife)
    online.cancel_request(actor=account, account_ref=account.actor_label, reference=req.reference)
    req.refresh_from_db()
    assert req.status == S.CANCELLED and Bill.objects.get(pk=req.bill_id).status == "cancelled"


# --- the desk -------------------------------------------------------------------------------------------------

def test_the_desk_issues_through_the_one_issuance_service_and_mails(received, clerk, wife, committed):
    heard = []
    online.on_online_event(heard.append)
    with committed():
        req = online.issue_online(actor=clerk, reference=received.reference, version=received.version)
    assert req.status == S.ISSUED
    issuance = Issuance.objects.get()
    assert (issuance.channel, issuance.subject, issuance.requester, issuance.fee) == ("online", wife, "self", 300)
    assert issuance.identity["document"] == online.IDENTITY_DOCUMENT and issuance.options == ["head"]
    assert list(req.issuances.all()) == [issuance]
    assert AuditEvent.objects.filter(action="certificates.issue", target_id=str(issuance.pk)).exists()
    with committed():
        req = online.mark_mailed(actor=clerk, reference=req.reference, version=req.version)
    assert req.status == S.MAILED
    assert [e.kind for e in heard if e.reference == req.reference] == ["issued", "mailed"]
    with pytest.raises(ApplicationError):  # a stale screen
        online.mark_mailed(actor=clerk, reference=req.reference, version=req.version - 1)


def _assert_refused_and_refunded(req, reason):
    req.refresh_from_db()
    assert (req.status, req.refusal) == (S.REFUSED, reason)
    assert not Issuance.objects.exists()
    payment = Payment.objects.get(bill_id=req.bill_id)
    assert payment.state == "refunded" and Bill.objects.get(pk=req.bill_id).status == "refunded"
    event = AuditEvent.objects.filter(action="certificates.online_refuse", target_id=str(req.pk)).get()
    assert event.detail["reason"] == reason and event.detail["refunded"] == 300


def test_a_changed_address_between_request_and_issue_is_refused_and_refunded(received, clerk, wife, committed):
    Household.objects.filter(pk=wife.household_id).update(banchi="99")  # a 転居 after she signed
    with committed(), pytest.raises(online.OnlineRefused):
        online.issue_online(actor=clerk, reference=received.reference, version=received.version)
    _assert_refused_and_refunded(received, "address_changed")


def test_a_subject_no_longer_in_her_household_is_refused_by_the_issuance_service_and_refunded(
        account, wife, household, clerk, committed, deliveries):  # noqa: F811
    child = household[2]
    req = _sign(account, _request(account, wife, child), wife)
    _pay(req, committed)
    req.refresh_from_db()
    type(child).objects.filter(pk=child.pk).update(household=HouseholdFactory())  # a 世帯変更 before the issue
    with committed(), pytest.raises(online.OnlineRefused):
        online.issue_online(actor=clerk, reference=req.reference, version=req.version)
    _assert_refused_and_refunded(req, "household")


def test_a_support_measure_is_refused_neutrally_with_an_alert_and_refunded(received, clerk, wife, committed):
    heard = []
    online.on_online_event(heard.append)
    SupportMeasure.objects.create(resident=wife, starts_on=dt.date(2020, 1, 1), created_by=clerk)
    with committed(), pytest.raises(online.OnlineRefused) as refused:
        online.issue_online(actor=clerk, reference=received.reference, version=received.version)
    assert "支援" not in str(refused.value.message)
    _assert_refused_and_refunded(received, "not_issued")
    alert = Alert.objects.get()
    assert alert.channel == "online" and alert.detail["card_holder_id"] == wife.pk
    assert [e.kind for e in heard] == ["refused"]
    assert str(NEUTRAL_REFUSAL)  # the issuance service's own neutral refusal is what was recognised


def test_a_refund_the_provider_refuses_leaves_the_request_received(received, clerk, monkeypatch):
    from kuyakusho.payments.providers.sandbox import SandboxProvider

    def refuse(self, **kwargs):
        raise RuntimeError("provider down")

    monkeypatch.setattr(SandboxProvider, "refund", refuse)
    Household.objects.filter(pk=received.subject.household_id).update(banchi="99")
    with pytest.raises(ApplicationError) as failed:
        online.issue_online(actor=clerk, reference=received.reference, version=received.version)
    assert not isinstance(failed.value, online.OnlineRefused)
    received.refresh_from_db()
    assert received.status == S.RECEIVED and Payment.objects.get(bill_id=received.bill_id).state == "captured"
    assert not AuditEvent.objects.filter(action="certificates.online_refuse").exists()


def test_opening_a_request_at_the_desk_is_an_audited_read(received, clerk, wife):
    online.open_request(user=clerk, reference=received.reference.lower())
    assert AuditEvent.objects.filter(action="certificates.online_open", subject_id=str(wife.pk),
                                     purpose="certificate").exists()


def test_the_desk_list_does_not_query_per_row(client, clerk, wife):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(clerk)
    counts = []
    for n in (2, 12):
        while OnlineRequest.objects.count() < n:
            OnlineRequest.objects.create(
                reference=f"W2025-{OnlineRequest.objects.count() + 1:06d}", account_ref="portal:1", requester=wife,
                requester_kind="self", subject=wife, kind="juminhyo", fee=300, fingerprint="-",
                mail_to=wife.household.address, signed_at=dt.datetime(2025, 6, 11, tzinfo=TOKYO), status="received")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/console/certificates/postal/").status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def _at_once(n: int, work) -> list:
    """Run ``work()`` on ``n`` threads released together; each outcome (or error code) in a list."""
    import threading

    from django.db import connections
    from django.utils import translation

    barrier, outcomes = threading.Barrier(n), []

    def run():
        try:
            barrier.wait()
            with translation.override("ja"):
                outcomes.append(work())
        except ApplicationError as e:
            outcomes.append(str(e.code))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_desks_issuing_at_once_print_each_copy_once(clerk, deliveries):  # noqa: F811
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions are tested on PostgreSQL")
    wife = family(2)[1]
    account = PortalAccount.objects.create(kind=AccountKind.CARD, issuer="https://idp.example", subject="card-wife")
    req = _sign(account, _request(account, wife, copies=2), wife)
    payment = payments.start_checkout(actor=None, bill=Bill.objects.get(pk=req.bill_id), return_url="http://x/")
    payments.apply_event(provider_name="sandbox", cause="webhook", event=WebhookEvent(
        event_id="evt_once", type="payment.captured", checkout_id=payment.checkout_id, amount=600))
    req.refresh_from_db()
    assert req.status == S.RECEIVED  # the listener ran after the commit
    outcomes = _at_once(2, lambda: online.issue_online(actor=clerk, reference=req.reference,
                                                       version=req.version).status)
    assert sorted(outcomes) == ["conflict", "issued"]
    assert Issuance.objects.count() == 2
    req.refresh_from_db()
    assert req.status == S.ISSUED and req.issuances.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_capture_delivered_ten_times_at_once_receives_the_request_once(transactional_db, deliveries):  # noqa: F811
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions are tested on PostgreSQL")
    wife = family(2)[1]
    account = PortalAccount.objects.create(kind=AccountKind.CARD, issuer="https://idp.example", subject="card-wife")
    req = _sign(account, _request(account, wife), wife)
    payment = payments.start_checkout(actor=None, bill=Bill.objects.get(pk=req.bill_id), return_url="http://x/")
    body = event(payment.checkout_id, event_id="evt_ten")
    from django.test import Client

    outcomes = _at_once(10, lambda: signed(Client(), body).status_code)
    assert outcomes == [200] * 10
    req.refresh_from_db()
    assert req.status == S.RECEIVED
    assert AuditEvent.objects.filter(action="certificates.online_paid", target_id=str(req.pk)).count() == 1
