"""Every write of the payments area: bills, checkouts, provider notifications, refunds, expiries.

Each takes ``actor`` (a member of staff, or None for the system: provider notifications, expiries),
runs in one transaction with its audit event, and tells listeners after the commit.

Hook for higher areas: ``on_payment_event(listener)`` registers ``listener(event: PaymentEvent)``, called
after the change commits whenever a payment is captured, refunded, expires or fails. ``event.source`` and
``event.source_ref`` are what the area gave :func:`create_bill`, so that online certificate requests or
facility bookings (registered in their ``AppConfig.ready()``) find their own record. A listener that
raises does not undo the payment (it has committed); it is logged, and the area can read the bill's state
again through ``selectors``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuyakusho.audit.services import record_refusal, record_write
from kuyakusho.core.actors import Actor, actor_label
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.statements import next_in_year
from kuyakusho.core.wareki import fiscal_year

from . import codes
from .models import TRANSITIONS, Bill, BillCounter, Payment, PaymentTransition, ProviderEvent
from .providers import EVENT_STATES, WebhookEvent, WebhookRefused, get_provider

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

log = logging.getLogger(__name__)
State = Payment.State


@dataclass(frozen=True)
class PaymentEvent:
    kind: str  # captured | refunded | expired | failed | authorised
    bill_id: int
    bill_number: str
    payment_id: int
    source: str
    source_ref: str
    amount: int
    method: str


PaymentListener = Callable[[PaymentEvent], None]
_listeners: list[PaymentListener] = []


def on_payment_event(listener: PaymentListener) -> None:
    """Call ``listener(event)`` after every committed change of a payment's state."""
    if listener not in _listeners:
        _listeners.append(listener)


def _notify(event: PaymentEvent) -> None:
    for listener in list(_listeners):
        try:
            listener(event)
        except Exception:  # the payment has committed; the listener's area reads the state again later
            log.exception("payment listener failed for bill %s", event.bill_id)


# --- Bills -----------------------------------------------------------------------------------------------

def create_bill(*, actor: Actor, purpose: str, amount: int, payer_ref: str, source: str, source_ref: str,
                resident_id: int | None = None, due_on: date | None = None, payeasy_kind: str | None = None,
                accepts_elqr: bool = False) -> Bill:
    """Raise a bill. The same ``(source, source_ref)`` raised again returns the first bill (so an area can
    retry safely) when the amount and payer are the same, and is refused otherwise."""
    purpose = (purpose or "").strip()
    if not purpose or len(purpose) > 200:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("件名を200文字以内で入力してください。"), field="purpose")
    if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= settings.PAYMENTS_MAX_AMOUNT:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("金額は1円以上の整数で入力してください。"), field="amount")
    if not payer_ref or len(payer_ref) > 64 or not source or len(source) > 64 or not source_ref \
            or len(source_ref) > 64:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("請求元または納付者の参照が正しくありません。"))
    if accepts_elqr and not settings.PAYMENTS_ELQR_ENABLED:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("地方税統一QRコードはこの区では設定されていません。"),
                               field="accepts_elqr")
    existing = Bill.objects.filter(source=source, source_ref=source_ref).first()
    if existing is not None:
        if existing.amount == amount and existing.payer_ref == payer_ref:
            return existing
        raise ApplicationError(ErrorCode.CONFLICT, _("この請求元の参照にはすでに別の請求があります。"))
    kind = payeasy_kind or settings.PAYMENTS_PAYEASY_DEFAULT_KIND
    today = timezone.localdate()
    year = fiscal_year(today)
    try:
        with transaction.atomic():
            serial = next_in_year(BillCounter, year)
            if serial is None:
                raise ApplicationError(ErrorCode.CONFLICT,
                                       _("請求番号を採番できませんでした。もう一度お試しください。"))
            number = f"{year:04d}{serial:08d}"
            payeasy = codes.payeasy_numbers(biller_number=settings.PAYMENTS_PAYEASY_BILLER_NUMBER,
                                            bill_number=number, kind=kind)
            if amount <= codes.MAX_BARCODE_AMOUNT:  # checks the barcode can be drawn before the bill exists
                codes.konbini_barcode(company_code=settings.PAYMENTS_KONBINI_COMPANY_CODE, bill_number=number,
                                      amount=amount, due_on=due_on)
            bill = Bill.objects.create(
                number=number, purpose=purpose, amount=amount, payer_ref=payer_ref, resident_id=resident_id,
                due_on=due_on, source=source, source_ref=source_ref, payeasy_customer_number=payeasy.customer_number,
                payeasy_confirmation_number=payeasy.confirmation_number, payeasy_kind=payeasy.kind,
                accepts_elqr=accepts_elqr)
            record_write(actor=actor, action="payments.bill_created", target=bill,
                         subject_id=resident_id or "",
                         changes={"number": number, "amount": amount, "source": source, "source_ref": source_ref,
                                  "due_on": due_on})
    except IntegrityError:  # the same source reference raised at the same moment elsewhere
        existing = Bill.objects.filter(source=source, source_ref=source_ref).first()
        if existing is not None and existing.amount == amount and existing.payer_ref == payer_ref:
            return existing
        raise ApplicationError(ErrorCode.CONFLICT, _("この請求元の参照にはすでに別の請求があります。")) from None
    return bill


def cancel_bill(*, actor: Actor, bill: Bill) -> Bill:
    """Withdraw an unpaid bill (it can no longer be paid online; a later store payment is reported)."""
    with transaction.atomic():
        bill = Bill.objects.select_for_update().get(pk=bill.pk)
        if bill.status != Bill.Status.OPEN:
            raise ApplicationError(ErrorCode.CONFLICT, _("未納の請求だけを取り消せます。"))
        open_payments = list(bill.payments.select_for_update().filter(state__in=[State.CREATED, State.AUTHORISED]))
        if any(p.state == State.AUTHORISED for p in open_payments):
            raise ApplicationError(ErrorCode.CONFLICT, _("支払の手続き中の請求は取り消せません。"))
        for payment in open_payments:
            if payment.provider in settings.PAYMENTS_PROVIDERS:
                get_provider(payment.provider).expire(checkout_id=payment.checkout_id)
            _transition(payment, State.EXPIRED, actor=actor, cause="bill_cancelled")
        bill.status = Bill.Status.CANCELLED
        bill.save(update_fields=["status"])
        record_write(actor=actor, action="payments.bill_cancelled", target=bill, subject_id=bill.resident_id or "",
                     changes={"status": ["open", "cancelled"]})
    return bill


# --- State changes -----------------------------------------------------------------------------------------

def _transition(payment: Payment, to: str, *, actor: Actor, cause: str, event_id: str = "", method: str = "") -> bool:
    """Move a locked payment to ``to`` (and its bill with it); False if it is already there. Call inside the
    transaction that locked the payment. Refuses a change the state machine does not allow."""
    if payment.state == to:
        return False
    if to not in TRANSITIONS[payment.state]:
        raise ApplicationError(ErrorCode.CONFLICT, _("この支払の状態は変更できません。"),
                               extra={"state": payment.state, "to": to})
    before = payment.state
    now = timezone.now()
    payment.state = to
    fields = ["state", "updated_at"]
    if method and not payment.method:
        payment.method = method
        fields.append("method")
    if to == State.CAPTURED:
        payment.captured_at = now
        fields.append("captured_at")
    payment.save(update_fields=fields)
    PaymentTransition.objects.create(payment=payment, from_state=before, to_state=to, cause=cause,
                                     actor_label=actor_label(actor)[:150], provider_event_id=event_id)
    bill = payment.bill
    bill_changes = {}
    if to == State.CAPTURED:
        bill_changes = {"status": [bill.status, Bill.Status.PAID]}
        bill.status, bill.paid_at = Bill.Status.PAID, now
        bill.save(update_fields=["status", "paid_at"])
    elif to == State.REFUNDED and before == State.CAPTURED:
        bill_changes = {"status": [bill.status, Bill.Status.REFUNDED]}
        bill.status = Bill.Status.REFUNDED
        bill.save(update_fields=["status"])
    record_write(actor=actor, action=f"payments.payment_{to}", target=payment, subject_id=bill.resident_id or "",
                 changes={"state": [before, to], **({"bill": bill_changes} if bill_changes else {})},
                 detail={"bill": bill.number, "cause": cause, "provider": payment.provider,
                         "event_id": event_id, "amount": payment.amount})
    event = PaymentEvent(kind=str(to), bill_id=bill.pk, bill_number=bill.number, payment_id=payment.pk,
                         source=bill.source, source_ref=bill.source_ref, amount=payment.amount,
                         method=payment.method)
    transaction.on_commit(lambda: _notify(event))
    return True


# --- Online checkout ---------------------------------------------------------------------------------------

def start_checkout(*, actor: Actor, bill: Bill, return_url: str, provider_name: str | None = None) -> Payment:
    """A checkout at the provider for the bill's whole amount; the payer is sent to ``payment.redirect_url``.
    An unexpired checkout already open for the bill is reused."""
    provider = get_provider(provider_name)
    bill.refresh_from_db()
    if bill.status != Bill.Status.OPEN:
        raise ApplicationError(ErrorCode.CONFLICT, _("この請求はすでに納付済か、取り消されています。"))
    now = timezone.now()
    reusable = bill.payments.filter(provider=provider.name, state=State.CREATED, expires_at__gt=now).first()
    if reusable is not None:
        return reusable
    checkout_id = f"cs_{secrets.token_urlsafe(18)}"
    expires_at = now + timedelta(minutes=settings.PAYMENTS_CHECKOUT_MINUTES)
    checkout = provider.create_checkout(checkout_id=checkout_id, amount=bill.amount, description=bill.purpose,
                                        return_url=return_url, expires_at=expires_at)
    with transaction.atomic():
        bill = Bill.objects.select_for_update().get(pk=bill.pk)
        if bill.status != Bill.Status.OPEN:
            raise ApplicationError(ErrorCode.CONFLICT, _("この請求はすでに納付済か、取り消されています。"))
        payment = Payment.objects.create(bill=bill, provider=provider.name, checkout_id=checkout.checkout_id,
                                         amount=bill.amount, redirect_url=checkout.redirect_url,
                                         expires_at=checkout.expires_at)
        PaymentTransition.objects.create(payment=payment, from_state="", to_state=State.CREATED, cause="checkout",
                                         actor_label=actor_label(actor)[:150])
        record_write(actor=actor, action="payments.checkout_created", target=payment,
                     subject_id=bill.resident_id or "",
                     changes={"bill": bill.number, "amount": bill.amount, "provider": provider.name})
    return payment


class _Refuse(Exception):
    def __init__(self, reason: str, message: StrOrPromise, code: ErrorCode = ErrorCode.REFUSED) -> None:
        super().__init__(reason)
        self.reason, self.message, self.code = reason, message, code


def receive_webhook(*, provider_name: str, body: bytes, headers: Mapping[str, str]) -> str:
    """Verify and apply a provider's notification. Returns ``"applied"``, ``"duplicate"`` (that event was
    applied before) or ``"unchanged"`` (the payment was already in that state). A notification that cannot
    be believed or applied is refused: nothing of it is written, the refusal is audited, and
    :class:`ApplicationError` (``refused``, 400) is raised."""
    try:
        provider = get_provider(provider_name)
    except LookupError:
        _refused(provider_name, "unknown_provider", "")
        raise ApplicationError(ErrorCode.NOT_FOUND, _("決済事業者が見つかりません。")) from None
    try:
        event = provider.parse_webhook(body=body, headers=headers)
    except WebhookRefused as e:
        _refused(provider_name, e.reason, "")
        raise ApplicationError(ErrorCode.REFUSED, _("通知の署名を確認できませんでした。"),
                               extra={"reason": e.reason}) from None
    return apply_event(provider_name=provider.name, event=event, cause="webhook")


def _refused(provider_name: str, reason: str, event_id: str, checkout_id: str = "") -> None:
    with transaction.atomic():
        record_refusal(actor=None, action="payments.webhook_refused",
                       detail={"provider": provider_name[:32], "reason": reason, "event_id": event_id[:100],
                               "checkout_id": checkout_id[:64]})


def apply_event(*, provider_name: str, event: WebhookEvent, cause: str) -> str:
    """Apply one verified event of a provider, at most once (``ProviderEvent``'s unique constraint)."""
    to = EVENT_STATES.get(event.type)
    try:
        with transaction.atomic():
            payment = (Payment.objects.select_for_update().select_related("bill")
                       .filter(provider=provider_name, checkout_id=event.checkout_id).first())
            if payment is None:
                raise _Refuse("unknown_checkout", _("該当する支払がありません。"))
            if ProviderEvent.objects.filter(provider=provider_name, event_id=event.event_id).exists():
                return "duplicate"
            if to is None:
                raise _Refuse("unknown_event", _("この種類の通知は扱えません。"))
            if event.amount != payment.amount or event.amount != payment.bill.amount:
                raise _Refuse("amount_mismatch", _("通知の金額が請求の金額と一致しません。"))
            ProviderEvent.objects.create(provider=provider_name, event_id=event.event_id, kind=event.type,
                                         payment=payment)
            if to == State.CAPTURED and payment.state != State.CAPTURED and Payment.objects.filter(
                    bill_id=payment.bill_id, state=State.CAPTURED).exists():
                # Paid twice (two checkouts of one bill both completed): the second is given back at once.
                _transition(payment, State.FAILED, actor=None, cause="paid_twice", event_id=event.event_id,
                            method=event.method)
                checkout_id = payment.checkout_id
                transaction.on_commit(lambda: _refund_at_provider(provider_name, checkout_id, event.amount))
                return "applied"
            if to not in TRANSITIONS[payment.state] and payment.state != to:
                return "unchanged"  # e.g. a late "authorised" after "captured": the event is kept, nothing moves
            changed = _transition(payment, to, actor=None, cause=cause, event_id=event.event_id,
                                  method=event.method)
            return "applied" if changed else "unchanged"
    except _Refuse as r:
        _refused(provider_name, r.reason, event.event_id, event.checkout_id)
        raise ApplicationError(r.code, r.message, extra={"reason": r.reason}) from None
    except IntegrityError:
        # Another delivery of the same event committed first (the payment lock makes this rare: a
        # provider event id reused for another checkout).
        if ProviderEvent.objects.filter(provider=provider_name, event_id=event.event_id).exists():
            return "duplicate"
        raise


def _refund_at_provider(provider_name: str, checkout_id: str, amount: int) -> None:
    try:
        get_provider(provider_name).refund(checkout_id=checkout_id, amount=amount)
    except Exception:
        log.exception("refund of a payment made twice failed (checkout kept for reconciliation)")


def refund_payment(*, actor: Actor, payment: Payment, reason: str) -> Payment:
    """Give a captured payment back in full (the provider is asked while the payment is locked, so two
    refunds cannot both reach it)."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("返金の理由を200文字以内で入力してください。"),
                               field="reason")
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("bill").get(pk=payment.pk)
        if payment.state != State.CAPTURED:
            raise ApplicationError(ErrorCode.CONFLICT, _("収納済の支払だけを返金できます。"))
        if payment.provider in settings.PAYMENTS_PROVIDERS:
            try:
                refund_id = get_provider(payment.provider).refund(checkout_id=payment.checkout_id,
                                                                  amount=payment.amount)
            except Exception:
                log.exception("refund refused by the provider")
                message = _("決済事業者が返金を受け付けませんでした。時間をおいてお試しください。")
                raise ApplicationError(ErrorCode.REFUSED, message) from None
        else:  # paid at a store or a counter: the money is returned by the treasury, recorded here
            refund_id = ""
        _transition(payment, State.REFUNDED, actor=actor, cause="refund", event_id=refund_id)
        record_write(actor=actor, action="payments.refund_reason", target=payment,
                     subject_id=payment.bill.resident_id or "", detail={"reason": reason, "refund_id": refund_id})
    return payment


def record_counter_payment(*, actor: Actor, bill: Bill) -> Payment:
    """The bill was paid in cash at a counter: a captured payment of the whole amount."""
    with transaction.atomic():
        bill = Bill.objects.select_for_update().get(pk=bill.pk)
        if bill.status != Bill.Status.OPEN:
            raise ApplicationError(ErrorCode.CONFLICT, _("この請求はすでに納付済か、取り消されています。"))
        payment = Payment.objects.create(bill=bill, provider="counter", checkout_id=f"ct_{secrets.token_hex(12)}",
                                         amount=bill.amount, method=Payment.Method.COUNTER)
        PaymentTransition.objects.create(payment=payment, from_state="", to_state=State.CREATED, cause="counter",
                                         actor_label=actor_label(actor)[:150])
        _transition(payment, State.CAPTURED, actor=actor, cause="counter")
    return payment


def expire_due_payments(*, now: datetime | None = None) -> int:
    """Expire the online checkouts nobody completed in time (the provider's checkout is closed first)."""
    now = now or timezone.now()
    expired = 0
    due = list(Payment.objects.filter(state=State.CREATED, expires_at__lte=now)
               .exclude(provider__in=["konbini", "counter"]).values_list("pk", flat=True)[:1000])
    for pk in due:
        with transaction.atomic():
            payment = Payment.objects.select_for_update().select_related("bill").get(pk=pk)
            if payment.state != State.CREATED:
                continue
            get_provider(payment.provider).expire(checkout_id=payment.checkout_id)
            if _transition(payment, State.EXPIRED, actor=None, cause="expiry"):
                expired += 1
    return expired
