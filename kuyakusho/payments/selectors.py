"""Reads of the payments area for pages, the API and higher areas (My page shows a resident's bills)."""

from __future__ import annotations

from django.core import signing
from django.db.models import Prefetch, QuerySet

from .models import Bill, Payment, PaymentTransition, Reconciliation, ReconciliationLine

BILL_LINK_SALT = "kuyakusho.payments.bill"


def bills(*, status: str = "", number: str = "") -> QuerySet[Bill]:
    qs = Bill.objects.order_by("-created_at", "-id")
    if status:
        qs = qs.filter(status=status)
    if number:
        qs = qs.filter(number__startswith=number.strip())
    return qs


def bills_for_resident(resident_id: int) -> QuerySet[Bill]:
    """A resident's bills, newest first, with their payments (for My page)."""
    return (Bill.objects.filter(resident_id=resident_id).order_by("-created_at", "-id")
            .prefetch_related(Prefetch("payments", queryset=Payment.objects.order_by("id"))))


def bill_for_source(*, source: str, source_ref: str) -> Bill | None:
    return Bill.objects.filter(source=source, source_ref=source_ref).first()


def bill_detail(pk: int) -> Bill:
    return (Bill.objects.prefetch_related(
        Prefetch("payments", queryset=Payment.objects.order_by("id").prefetch_related(
            Prefetch("transitions", queryset=PaymentTransition.objects.order_by("id")))))
        .get(pk=pk))


def bill_link_token(bill: Bill) -> str:
    """The token of the payer's link to a bill (signed; it carries the bill's id, nothing personal)."""
    return signing.dumps(bill.pk, salt=BILL_LINK_SALT, compress=True)


def bill_from_token(token: str) -> Bill | None:
    try:
        pk = signing.loads(token, salt=BILL_LINK_SALT)
    except signing.BadSignature:
        return None
    return Bill.objects.filter(pk=pk).first()


def reconciliations() -> QuerySet[Reconciliation]:
    return Reconciliation.objects.order_by("-imported_at", "-id")


def reconciliation_report(rec: Reconciliation) -> dict:
    """The lines of an import grouped by outcome, the ones that need someone's attention first."""
    lines = list(rec.lines.select_related("bill", "payment").order_by("line_no"))
    attention = {ReconciliationLine.Outcome.UNMATCHED, ReconciliationLine.Outcome.DUPLICATE,
                 ReconciliationLine.Outcome.AMOUNT_MISMATCH, ReconciliationLine.Outcome.INVALID,
                 ReconciliationLine.Outcome.CANCELLED, ReconciliationLine.Outcome.REFUNDED}
    return {
        "reconciliation": rec,
        "attention": [line for line in lines if line.outcome in attention],
        "lines": lines,
        "counts": [(ReconciliationLine.Outcome(k).label, v) for k, v in sorted(rec.counts.items())],
    }
