"""Reconciliation (消込) of the convenience stores' 収納データ and the provider's settlement file."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from kuyakusho.audit.models import AuditEvent
from kuyakusho.core.errors import ApplicationError
from kuyakusho.payments import codes, reconcile, services
from kuyakusho.payments.models import Bill, Payment, ReconciliationLine

from .conftest import event, signed

pytestmark = pytest.mark.django_db


def _barcode(bill, amount=None):
    return codes.konbini_barcode(company_code="913120", bill_number=bill.number, amount=amount or bill.amount,
                                 due_on=bill.due_on).digits()


def _bills(n):
    return [services.create_bill(actor=None, purpose=f"手数料{i}", amount=300, payer_ref=f"p{i}", source="t",
                                 source_ref=str(i)) for i in range(n)]


def _outcomes(rec):
    return list(rec.lines.order_by("line_no").values_list("outcome", flat=True))


def test_konbini_every_record_kind(supervisor):
    a, b, c, d, e = _bills(5)
    # d is paid online first; a store payment of it is a double payment.
    services.record_counter_payment(actor=supervisor, bill=d)
    other = codes.konbini_barcode(company_code="913120", bill_number="999999999", amount=300, due_on=None).digits()
    first = "\n".join([
        "record_kind,paid_date,paid_time,barcode,amount,store_code",
        f"速報,20261206,1030,{_barcode(a)},300,0001",
        f"速報,20261206,1031,{_barcode(b)},300,0002",
        f"速報,20261206,1031,{_barcode(b)},300,0002",  # the same row twice in the file
        f"01,20261206,1032,{_barcode(c)},300,0003",
        f"速報,20261206,1033,{_barcode(d)},300,0004",
        f"速報,20261206,1034,{other},300,0005",  # no such bill
        f"速報,20261206,1035,{_barcode(e, 299)},299,0006",  # the barcode is not the bill's amount
        f"速報,20261206,1036,{_barcode(e)[:-1]}0,300,0006",  # a misread barcode
        "未知,20261206,1037,x,1,0007",
    ]).encode("cp932")
    rec = reconcile.import_file(actor=supervisor, kind="konbini", name="sokuho.csv", data=first)
    assert _outcomes(rec) == ["preliminary", "preliminary", "duplicate", "preliminary", "duplicate", "unmatched",
                              "amount_mismatch", "invalid", "invalid"]
    assert Payment.objects.get(bill=a).state == "authorised" and Bill.objects.get(pk=a.pk).status == "open"
    assert Payment.objects.get(bill=d, provider="konbini").state == "failed"
    second = "\n".join([
        f"確報,20261206,1030,{_barcode(a)},300,0001",
        f"速報取消,20261206,1031,{_barcode(b)},300,0002",
        f"確報,20261206,1031,{_barcode(b)},300,0002",  # confirmation of a cancelled one
        f"02,20261206,1032,{_barcode(c)},300,0003",
        f"確報,20261206,1040,{_barcode(e)},300,0009",  # a confirmation without a preliminary record
        f"速報取消,20261206,1041,{_barcode(e)},300,0010",  # nothing to cancel
    ]).encode()
    rec2 = reconcile.import_file(actor=supervisor, kind="konbini", name="kakuho.csv", data=second)
    assert _outcomes(rec2) == ["confirmed", "cancelled", "unmatched", "confirmed", "confirmed", "unmatched"]
    assert [Bill.objects.get(pk=x.pk).status for x in (a, b, c, e)] == ["paid", "open", "paid", "paid"]
    assert Payment.objects.get(bill=b).state == "failed"
    history = list(Payment.objects.get(bill=a).transitions.values_list("to_state", flat=True))
    assert history == ["created", "authorised", "captured"]
    assert rec2.counts == {"confirmed": 3, "cancelled": 1, "unmatched": 2}
    assert AuditEvent.objects.filter(action="payments.reconciliation_imported").count() == 2
    # A file is imported once; a 確報 row seen again in another file is a duplicate.
    with pytest.raises(ApplicationError) as err:
        reconcile.import_file(actor=supervisor, kind="konbini", name="again.csv", data=second)
    assert err.value.code == "duplicate"
    rec3 = reconcile.import_file(actor=supervisor, kind="konbini", name="k2.csv",
                                 data=f"確報,20261206,1030,{_barcode(a)},300,0001\n".encode())
    assert _outcomes(rec3) == ["duplicate"]


def test_provider_settlement_file(client, supervisor, deliveries, django_capture_on_commit_callbacks):
    a, b, c, _d = _bills(4)
    pa = services.start_checkout(actor=None, bill=a, return_url="/")
    pb = services.start_checkout(actor=None, bill=b, return_url="/")
    pc = services.start_checkout(actor=None, bill=c, return_url="/")
    signed(client, event(pa.checkout_id, event_id="e1"))
    signed(client, event(pc.checkout_id, event_id="e3"))
    from kuyakusho.payments.models import SandboxCheckout

    SandboxCheckout.objects.filter(checkout_id=pc.checkout_id).update(status="paid")
    with django_capture_on_commit_callbacks(execute=True):
        services.refund_payment(actor=supervisor, payment=pc, reason="取下げ")
    data = "\n".join([
        "checkout_id,type,amount,settled_at",
        f"{pa.checkout_id},capture,300,2026-12-06T10:00:00+09:00",
        f"{pa.checkout_id},capture,300,2026-12-06T10:00:00+09:00",
        f"{pb.checkout_id},capture,300,2026-12-06T10:01:00+09:00",  # its webhook never arrived
        f"{pc.checkout_id},capture,300,2026-12-06T10:02:00+09:00",
        f"{pc.checkout_id},refund,300,2026-12-06T11:00:00+09:00",
        "cs_unknown,capture,300,2026-12-06T10:03:00+09:00",
        f"{pa.checkout_id},refund,3000,2026-12-06T10:00:00+09:00",
        "x,capture,abc,nope",
    ]).encode()
    rec = reconcile.import_file(actor=supervisor, kind="provider", name="settlement.csv", data=data)
    assert _outcomes(rec) == ["matched", "duplicate", "matched", "refunded", "refunded", "unmatched",
                              "amount_mismatch", "invalid"]
    pb.refresh_from_db()
    assert pb.state == "captured"
    assert rec.lines.get(line_no=3).note
    # The report page lists what needs attention.
    client.force_login(supervisor)
    page = client.get(reverse("payments:console_reconciliation_report", args=[rec.pk]))
    assert page.status_code == 200
    assert "不一致" in page.content.decode() and "重複" in page.content.decode()


def test_command(tmp_path, supervisor):
    (a,) = _bills(1)
    path = tmp_path / "k.csv"
    path.write_text(f"確報,20261206,1030,{_barcode(a)},300,0001\n")
    call_command("payments_reconcile", str(path), "--kind", "konbini")
    assert Bill.objects.get(pk=a.pk).status == "paid"
    assert ReconciliationLine.objects.get().outcome == "confirmed"
    with pytest.raises(Exception, match="取り込まれています"):
        call_command("payments_reconcile", str(path), "--kind", "konbini")


def test_console_upload(client, supervisor, clerk):
    (a,) = _bills(1)
    client.force_login(supervisor)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("k.csv", f"確報,20261206,1030,{_barcode(a)},300,0001\n".encode())
    r = client.post(reverse("payments:console_reconciliation"), {"kind": "konbini", "file": upload})
    assert r.status_code == 302
    bad = client.post(reverse("payments:console_reconciliation"),
                      {"kind": "konbini", "file": SimpleUploadedFile("k.csv", "\xff".encode("latin-1") * 3)})
    assert bad.status_code in (302, 400)
    client.force_login(clerk)
    assert client.get(reverse("payments:console_reconciliation")).status_code == 403
