from datetime import date, datetime
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.accounts.capabilities import Capability
from kuyakusho.core.access import api_staff

from .models import Bill

router = Router(tags=["payments"])


class PaymentOut(Schema):
    id: int
    provider: str
    method: str
    amount: int
    state: str
    captured_at: datetime | None


class BillOut(Schema):
    number: str
    purpose: str
    amount: int
    status: str
    due_on: date | None
    source: str
    source_ref: str
    payeasy_customer_number: str
    payeasy_kind: str
    paid_at: datetime | None
    payments: list[PaymentOut]


@router.get("/bills/{number}", response=BillOut)
@api_staff(Capability.VIEW_PAYMENTS)
def bill(request: StaffRequest, number: str) -> dict[str, Any]:
    """A bill by its number, with its payments (the 確認番号 is not shown)."""
    b = get_object_or_404(Bill.objects.prefetch_related("payments"), number=number)
    return {**{f: getattr(b, f) for f in BillOut.model_fields if f != "payments"},
            "payments": list(b.payments.order_by("id"))}
