"""Checkouts through the sandbox's hosted page, and the platform's webhook: verified, idempotent, refusals
audited with nothing of them written."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from kuyakusho.audit.models import AuditEvent
from kuyakusho.payments import services
from kuyakusho.payments.models import Bill, Payment, PaymentTransition, ProviderEvent, SandboxCheckout
from kuyakusho.payments.providers import sandbox

from .conftest import event, signed

pytestmark = pytest.mark.django_db


def _checkout(bill):
    return services.start_checkout(actor=None, bill=bill, return_url="http://testserver/done")


def _payment_rows():
    return (Payment.objects.count(), PaymentTransition.objects.count(), ProviderEvent.objects.count(),
            list(Payment.objects.values_list("state", flat=True)), list(Bill.objects.values_list("status", flat=True)))


def test_bill_is_raised_with_its_numbers_and_audited(bill):
    assert bill.number.isdigit() and len(bill.number) == 12
    assert bill.payeasy_customer_number == bill.number.zfill(16) and len(bill.payeasy_confirmation_number) == 6
    assert AuditEvent.objects.filter(action="payments.bill_created", target_id=str(bill.pk), subject_id="42").exists()
    again = services.create_bill(actor=None, purpose="住民票の写し（オンライン請求）", amount=300, payer_ref="req-1",
                                 source="test", source_ref="req-1")
    assert again.pk == bill.pk
    with pytest.raises(services.ApplicationError) as e:
        services.create_bill(actor=None, purpose="x", amount=301, payer_ref="req-1", source="test", source_ref="req-1")
    assert e.value.code == "conflict"
    for amount in (0, -5, 1.5, True):
        with pytest.raises(services.ApplicationError):
            services.create_bill(actor=None, purpose="x", amount=amount, payer_ref="p", source="t",
                                 source_ref=str(amount))


def test_card_payment_on_the_hosted_page_captures_once(client, bill, deliveries, django_capture_on_commit_callbacks):
    heard = []
    services.on_payment_event(heard.append)
    payment = _checkout(bill)
    page = client.get(payment.redirect_url)
    assert page.status_code == 200 and "300" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(payment.redirect_url, {"card_number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123"})
    assert r.status_code == 302 and r["Location"] == "http://testserver/done"
    # Delivered twice (at least once); applied once.
    assert [s for _, s in deliveries] == [200, 200]
    payment.refresh_from_db()
    bill.refresh_from_db()
    assert payment.state == "captured" and payment.method == "card" and bill.status == "paid"
    assert ProviderEvent.objects.count() == 1
    assert list(payment.transitions.values_list("to_state", flat=True)) == ["created", "captured"]
    assert AuditEvent.objects.filter(action="payments.payment_captured", target_id=str(payment.pk)).count() == 1
    assert [(e.kind, e.source_ref) for e in heard] == [("captured", "req-1")]
    services._listeners.remove(heard.append)


def test_declined_card_and_3ds(client, bill, deliveries, django_capture_on_commit_callbacks):
    payment = _checkout(bill)
    r = client.post(payment.redirect_url, {"card_number": sandbox.CARD_DECLINED, "expiry": "12/30", "cvc": "1"})
    assert r.status_code == 400 and "承認されませんでした" in r.content.decode()
    assert not deliveries
    r = client.post(payment.redirect_url, {"card_number": sandbox.CARD_CHALLENGE, "expiry": "12/30", "cvc": "1"})
    assert r.status_code == 302 and r["Location"].endswith("/confirm")
    assert client.get(r["Location"]).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(r["Location"], {"decision": "approve"})
    payment.refresh_from_db()
    assert payment.state == "captured"


def test_refused_3ds_fails_the_payment(client, bill, deliveries, django_capture_on_commit_callbacks):
    payment = _checkout(bill)
    client.post(payment.redirect_url, {"card_number": sandbox.CARD_CHALLENGE, "expiry": "12/30", "cvc": "1"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("payments:sandbox_challenge", args=[payment.checkout_id]), {"decision": "refuse"})
    payment.refresh_from_db()
    bill.refresh_from_db()
    assert payment.state == "failed" and bill.status == "open"


def test_code_payment(client, bill, deliveries, django_capture_on_commit_callbacks):
    payment = _checkout(bill)
    qr = client.get(reverse("payments:sandbox_qr", args=[payment.checkout_id]))
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("payments:sandbox_code", args=[payment.checkout_id]))
    payment.refresh_from_db()
    assert payment.state == "captured" and payment.method == "code"


def _refusal(client, body, reason, **kw):
    before = _payment_rows()
    refusals = AuditEvent.objects.filter(kind="refusal", action="payments.webhook_refused").count()
    r = signed(client, body, **kw)
    assert r.status_code == 400, r.content
    assert r.json()["reason"] == reason
    assert _payment_rows() == before  # nothing of it written
    last = AuditEvent.objects.filter(kind="refusal", action="payments.webhook_refused").order_by("-seq")
    assert last.count() == refusals + 1 and last.first().detail["reason"] == reason


def test_bad_signature_is_refused_audited_and_writes_nothing(client, bill):
    payment = _checkout(bill)
    _refusal(client, event(payment.checkout_id), "bad_signature", secret="not-the-secret")
    r = client.post(reverse("payments:webhook", args=["sandbox"]), event(payment.checkout_id),
                    content_type="application/json")
    assert r.status_code == 400 and r.json()["reason"] == "missing_signature"
    # The body changed after signing.
    body = event(payment.checkout_id)
    r = client.post(reverse("payments:webhook", args=["sandbox"]), body.replace(b"300", b"30"),
                    content_type="application/json", headers={sandbox.SIGNATURE_HEADER: sandbox.sign(body)})
    assert r.status_code == 400 and r.json()["reason"] == "bad_signature"


def test_replay_outside_the_window_is_refused(client, bill):
    payment = _checkout(bill)
    _refusal(client, event(payment.checkout_id), "outside_window", timestamp=int(time.time()) - 301)
    _refusal(client, event(payment.checkout_id), "outside_window", timestamp=int(time.time()) + 301)


def test_amount_different_from_the_bill_is_refused(client, bill):
    payment = _checkout(bill)
    _refusal(client, event(payment.checkout_id, amount=30), "amount_mismatch")
    payment.refresh_from_db()
    assert payment.state == "created"


def test_unknown_checkout_and_malformed_body_are_refused(client, bill):
    _checkout(bill)
    _refusal(client, event("cs_nobody"), "unknown_checkout")
    _refusal(client, b'{"id": 1}', "malformed_body")
    _refusal(client, event(_checkout(bill).checkout_id, type="payment.teleported"), "unknown_event")


def test_same_event_many_times_is_recorded_once(client, bill):
    payment = _checkout(bill)
    body = event(payment.checkout_id)
    results = [signed(client, body).json()["result"] for _ in range(10)]
    assert results == ["applied"] + ["duplicate"] * 9
    assert Payment.objects.get().state == "captured"
    assert PaymentTransition.objects.filter(to_state="captured").count() == 1
    assert AuditEvent.objects.filter(action="payments.payment_captured").count() == 1
    # Another event id for the same capture moves nothing.
    assert signed(client, event(payment.checkout_id, event_id="evt_2")).json()["result"] == "unchanged"


def test_a_second_checkout_paid_too_is_given_back(client, bill, deliveries, django_capture_on_commit_callbacks):
    first = _checkout(bill)
    second = services.start_checkout(actor=None, bill=bill, return_url="http://testserver/done")
    assert second.pk == first.pk  # an open checkout is reused
    second = Payment.objects.create(bill=bill, provider="sandbox", checkout_id="cs_second", amount=300)
    SandboxCheckout.objects.create(checkout_id="cs_second", amount=300, description="x", return_url="/",
                                   status="paid", expires_at=first.expires_at)
    signed(client, event(first.checkout_id))
    with django_capture_on_commit_callbacks(execute=True):
        assert signed(client, event("cs_second", event_id="evt_2")).json()["result"] == "applied"
    second.refresh_from_db()
    assert second.state == "refunded"  # failed here, then the provider's refund arrived
    assert Payment.objects.filter(bill=bill, state="captured").count() == 1
    assert SandboxCheckout.objects.get(checkout_id="cs_second").status == "refunded"


def test_refund(client, bill, deliveries, supervisor, django_capture_on_commit_callbacks):
    heard = []
    services.on_payment_event(heard.append)
    payment = _checkout(bill)
    SandboxCheckout.objects.filter(checkout_id=payment.checkout_id).update(status="paid", method="card")
    with django_capture_on_commit_callbacks(execute=True):
        signed(client, event(payment.checkout_id))
    with django_capture_on_commit_callbacks(execute=True):
        services.refund_payment(actor=supervisor, payment=payment, reason="証明書を交付できなかったため")
    payment.refresh_from_db()
    bill.refresh_from_db()
    assert payment.state == "refunded" and bill.status == "refunded"
    assert [s for _, s in deliveries] == [200, 200]  # the provider's refund notice: already applied here
    assert PaymentTransition.objects.filter(payment=payment, to_state="refunded").count() == 1
    assert AuditEvent.objects.filter(action="payments.payment_refunded", actor=supervisor).exists()
    assert [e.kind for e in heard] == ["captured", "refunded"]
    with pytest.raises(services.ApplicationError):
        services.refund_payment(actor=supervisor, payment=payment, reason="again")
    with pytest.raises(services.ApplicationError):
        services.refund_payment(actor=supervisor, payment=payment, reason="")
    services._listeners.remove(heard.append)


def test_expiry(client, bill, deliveries):
    from datetime import timedelta

    from django.utils import timezone

    payment = _checkout(bill)
    assert services.expire_due_payments() == 0
    assert services.expire_due_payments(now=timezone.now() + timedelta(minutes=31)) == 1
    payment.refresh_from_db()
    assert payment.state == "expired" and bill.status == "open"
    assert SandboxCheckout.objects.get(checkout_id=payment.checkout_id).status == "expired"
    page = client.get(payment.redirect_url)
    assert "終了しています" in page.content.decode()
    # A new checkout for the still open bill.
    assert _checkout(bill).pk != payment.pk


def test_listener_failure_does_not_undo_the_payment(client, bill):
    def broken(event):
        raise RuntimeError("boom")

    services.on_payment_event(broken)
    try:
        payment = _checkout(bill)
        assert signed(client, event(payment.checkout_id)).status_code == 200
    finally:
        services._listeners.remove(broken)
    assert Payment.objects.get().state == "captured"


def test_counter_payment_and_cancel(supervisor):
    a = services.create_bill(actor=supervisor, purpose="手数料", amount=200, payer_ref="p", source="t", source_ref="a")
    payment = services.record_counter_payment(actor=supervisor, bill=a)
    assert payment.state == "captured" and Bill.objects.get(pk=a.pk).status == "paid"
    with pytest.raises(services.ApplicationError):
        services.record_counter_payment(actor=supervisor, bill=a)
    b = services.create_bill(actor=supervisor, purpose="手数料", amount=200, payer_ref="p", source="t", source_ref="b")
    services.start_checkout(actor=None, bill=b, return_url="/")
    services.cancel_bill(actor=supervisor, bill=b)
    assert Bill.objects.get(pk=b.pk).status == "cancelled"
    assert b.payments.get().state == "expired"
    with pytest.raises(services.ApplicationError):
        services.start_checkout(actor=None, bill=b, return_url="/")


@pytest.mark.django_db(transaction=True)
def test_webhooks_are_delivered_later_by_the_task_worker(client, settings, deliveries):
    """With the database task backend (as in the demo), paying on the hosted page only queues the deliveries;
    the worker delivers them afterwards."""
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    bill = services.create_bill(actor=None, purpose="手数料", amount=300, payer_ref="p", source="t", source_ref="w")
    payment = _checkout(bill)
    client.post(payment.redirect_url, {"card_number": sandbox.CARD_SUCCESS, "expiry": "12/30", "cvc": "1"})
    payment.refresh_from_db()
    assert payment.state == "created" and not deliveries
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    payment.refresh_from_db()
    assert payment.state == "captured"
    assert [s for _, s in deliveries] == [200, 200]
