"""The same webhook delivered 10 times at once: the fee is recorded once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from kuyakusho.audit.models import AuditEvent
from kuyakusho.payments import services
from kuyakusho.payments.models import Payment, PaymentTransition, ProviderEvent

from .conftest import event, signed


def _deliver_ten(checkout_id: str, *, threads: bool) -> list[int]:
    body = event(checkout_id)
    statuses: list[int] = []
    barrier = threading.Barrier(10)

    def one():
        try:
            if threads:
                barrier.wait()
            statuses.append(signed(Client(), body).status_code)
        finally:
            if threads:
                connections.close_all()

    if threads:
        workers = [threading.Thread(target=one) for _ in range(10)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    else:
        for _ in range(10):
            one()
    return statuses


def _assert_recorded_once(payment: Payment) -> None:
    payment.refresh_from_db()
    assert payment.state == "captured"
    assert payment.bill.status == "paid"
    assert ProviderEvent.objects.filter(payment=payment).count() == 1
    assert PaymentTransition.objects.filter(payment=payment, to_state="captured").count() == 1
    assert AuditEvent.objects.filter(action="payments.payment_captured", target_id=str(payment.pk)).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_deliveries_record_the_fee_once():
    if connection.vendor != "postgresql":
        pytest.skip("threads against one database need PostgreSQL (the sequential test runs everywhere)")
    bill = services.create_bill(actor=None, purpose="手数料", amount=300, payer_ref="p", source="t", source_ref="1")
    payment = services.start_checkout(actor=None, bill=bill, return_url="/")
    statuses = _deliver_ten(payment.checkout_id, threads=True)
    assert statuses == [200] * 10
    _assert_recorded_once(payment)


@pytest.mark.django_db
def test_ten_deliveries_in_a_row_record_the_fee_once():
    bill = services.create_bill(actor=None, purpose="手数料", amount=300, payer_ref="p", source="t", source_ref="1")
    payment = services.start_checkout(actor=None, bill=bill, return_url="/")
    assert _deliver_ten(payment.checkout_id, threads=False) == [200] * 10
    _assert_recorded_once(payment)
