"""The payer's pages, the console's bill pages, the PDF bill and the API."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from kuyakusho.payments import codes, selectors, services
from kuyakusho.payments.models import Bill

pytestmark = pytest.mark.django_db


def test_payer_page_starts_a_checkout(client, bill):
    token = selectors.bill_link_token(bill)
    page = client.get(reverse("payments:bill", args=[token]))
    assert page.status_code == 200 and "300" in page.content.decode()
    r = client.post(reverse("payments:bill_pay", args=[token]))
    assert r.status_code == 302 and r["Location"].startswith("/payments/sandbox/checkout/cs_")
    assert client.get(reverse("payments:bill", args=[token + "x"])).status_code == 404
    assert client.get(reverse("payments:bill_done", args=[token])).status_code == 200


def test_pdf_bill_carries_the_numbers(client, bill):
    from pypdf import PdfReader

    r = client.get(reverse("payments:bill_pdf", args=[selectors.bill_link_token(bill)]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    barcode = codes.konbini_barcode(company_code="913120", bill_number=bill.number, amount=300, due_on=None)
    assert barcode.human_readable() in text
    assert bill.payeasy_customer_number in text and bill.payeasy_confirmation_number in text


def test_console_bill_pages(client, supervisor, clerk, bill):
    client.force_login(supervisor)
    listing = client.get(reverse("payments:console_bills"), {"number": bill.number[:6]})
    assert listing.status_code == 200 and bill.number in listing.content.decode()
    detail = client.get(reverse("payments:console_bill", args=[bill.pk]))
    assert detail.status_code == 200 and "913120" in detail.content.decode()
    assert client.get(reverse("payments:console_bill_pdf", args=[bill.pk]))["Content-Type"] == "application/pdf"
    r = client.post(reverse("payments:console_bill_new"), {"purpose": "施設使用料", "amount": "1200",
                                                           "payer_ref": "booking-9", "due_on": "令和8年1月31日"})
    assert r.status_code == 302
    created = Bill.objects.get(payer_ref="booking-9")
    assert created.amount == 1200 and str(created.due_on) == "2026-01-31"
    bad = client.post(reverse("payments:console_bill_new"), {"purpose": "x", "amount": "0", "payer_ref": "y"})
    assert bad.status_code == 400
    r = client.post(reverse("payments:console_counter_payment", args=[created.pk]))
    assert r.status_code == 302 and Bill.objects.get(pk=created.pk).status == "paid"
    payment = created.payments.get()
    r = client.post(reverse("payments:console_refund", args=[payment.pk]), {"reason": "使用取消"})
    assert r.status_code == 302 and Bill.objects.get(pk=created.pk).status == "refunded"
    client.force_login(clerk)
    assert client.get(reverse("payments:console_bills")).status_code == 403


def test_console_list_query_count(client, supervisor, django_assert_max_num_queries):
    for i in range(5):
        services.create_bill(actor=None, purpose="手数料", amount=300, payer_ref="p", source="t", source_ref=str(i))
    client.force_login(supervisor)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("payments:console_bills")).status_code == 200


def test_api_bill(client, supervisor, clerk, bill):
    client.force_login(supervisor)
    r = client.get(f"/api/payments/bills/{bill.number}")
    assert r.status_code == 200 and r.json()["amount"] == 300 and "payeasy_confirmation_number" not in r.json()
    assert client.get("/api/payments/bills/0").status_code == 404
    client.force_login(clerk)
    assert client.get(f"/api/payments/bills/{bill.number}").status_code == 403


def test_english(client, bill):
    page = client.get(reverse("payments:bill", args=[selectors.bill_link_token(bill)]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Payment" in page.content.decode()


def test_selectors_for_higher_areas(bill, django_assert_num_queries):
    services.create_bill(actor=None, purpose="別の人", amount=100, payer_ref="o", source="test", source_ref="o",
                         resident_id=7)
    services.start_checkout(actor=None, bill=bill, return_url="/")
    with django_assert_num_queries(2):
        mine = list(selectors.bills_for_resident(42))
        assert [b.pk for b in mine] == [bill.pk] and [p.state for p in mine[0].payments.all()] == ["created"]
    assert selectors.bill_for_source(source="test", source_ref="req-1") == bill
    assert selectors.bill_for_source(source="test", source_ref="nothing") is None


def test_expire_command(bill):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from kuyakusho.payments.models import Payment

    payment = services.start_checkout(actor=None, bill=bill, return_url="/")
    Payment.objects.filter(pk=payment.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    out = io.StringIO()
    call_command("payments_expire", stdout=out)
    assert out.getvalue().strip() == "1"
    assert Payment.objects.get(pk=payment.pk).state == "expired"
