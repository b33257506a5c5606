"""Bills (what is owed) and payments (attempts to pay them), with every change of state kept.

Amounts are integer yen. Who owes is an opaque reference of the area that raised the bill (and, for a
resident, the resident's id as a plain integer: this app sits below the register and does not link to it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.models import FiscalYearCounter

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class BillCounter(FiscalYearCounter):
    """The last bill number of each fiscal year."""


class Bill(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("未納")
        PAID = "paid", _("納付済")
        REFUNDED = "refunded", _("還付済")
        CANCELLED = "cancelled", _("取消")

    number = models.CharField(_("請求番号"), max_length=21, unique=True)
    purpose = models.CharField(_("件名"), max_length=200)
    amount = models.PositiveIntegerField(_("金額（円）"))
    payer_ref = models.CharField(_("納付者の参照"), max_length=64)
    resident_id = models.BigIntegerField(_("住民ID"), null=True, blank=True)
    due_on = models.DateField(_("納期限"), null=True, blank=True)
    source = models.CharField(_("請求元"), max_length=64)  # the area that raised it, e.g. "certificates.online"
    source_ref = models.CharField(_("請求元の参照"), max_length=64)
    status = models.CharField(_("状態"), max_length=16, choices=Status.choices, default=Status.OPEN)
    # Pay-easy
    payeasy_customer_number = models.CharField(_("納付番号"), max_length=20, blank=True)
    payeasy_confirmation_number = models.CharField(_("確認番号"), max_length=6, blank=True)
    payeasy_kind = models.CharField(_("納付区分"), max_length=3, blank=True)
    reissue = models.PositiveSmallIntegerField(_("再発行区分"), default=0)
    accepts_elqr = models.BooleanField(_("地方税統一QRコード"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("請求")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="bill_amount_positive"),
            models.CheckConstraint(condition=Q(reissue__lte=9), name="bill_reissue_one_digit"),
            models.CheckConstraint(condition=Q(status__in=["open", "paid", "refunded", "cancelled"]),
                                   name="bill_status_valid"),
            models.UniqueConstraint(fields=["source", "source_ref"], name="one_bill_per_source_ref"),
            models.UniqueConstraint(fields=["payeasy_customer_number"], condition=~Q(payeasy_customer_number=""),
                                    name="one_bill_per_payeasy_number"),
        ]
        indexes = [models.Index(fields=["resident_id", "created_at"], name="bill_resident_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.purpose} {self.amount}円"


class Payment(models.Model):
    class State(models.TextChoices):
        CREATED = "created", _("作成")
        AUTHORISED = "authorised", _("オーソリ済")
        CAPTURED = "captured", _("収納済")
        REFUNDED = "refunded", _("返金済")
        EXPIRED = "expired", _("期限切れ")
        FAILED = "failed", _("失敗")

    class Method(models.TextChoices):
        CARD = "card", _("クレジットカード")
        CODE = "code", _("コード決済")
        KONBINI = "konbini", _("コンビニ")
        PAYEASY = "payeasy", _("ペイジー")
        COUNTER = "counter", _("窓口")

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(_("決済事業者"), max_length=32)
    checkout_id = models.CharField(_("決済ID"), max_length=64)
    method = models.CharField(_("支払方法"), max_length=16, choices=Method.choices, blank=True)
    amount = models.PositiveIntegerField(_("金額（円）"))
    state = models.CharField(_("状態"), max_length=16, choices=State.choices, default=State.CREATED)
    redirect_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    captured_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("支払")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(state__in=["created", "authorised", "captured", "refunded", "expired",
                                                          "failed"]), name="payment_state_valid"),
            models.UniqueConstraint(fields=["provider", "checkout_id"], name="one_payment_per_checkout"),
            models.UniqueConstraint(fields=["bill"], condition=Q(state="captured"),
                                    name="one_captured_payment_per_bill"),
        ]
        indexes = [models.Index(fields=["state", "expires_at"], name="payment_state_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.provider}:{self.checkout_id} {self.state}"


# Which state may follow which (anything else is refused; a repeated state is a no-op).
TRANSITIONS: dict[str, frozenset[str]] = {
    Payment.State.CREATED: frozenset({Payment.State.AUTHORISED, Payment.State.CAPTURED, Payment.State.EXPIRED,
                                      Payment.State.FAILED}),
    Payment.State.AUTHORISED: frozenset({Payment.State.CAPTURED, Payment.State.EXPIRED, Payment.State.FAILED}),
    Payment.State.CAPTURED: frozenset({Payment.State.REFUNDED}),
    Payment.State.REFUNDED: frozenset(),
    # A capture the provider reports after the checkout expired here: the money moved, so it counts.
    Payment.State.EXPIRED: frozenset({Payment.State.CAPTURED}),
    # A payment made twice is failed here and given back: the provider's refund follows.
    Payment.State.FAILED: frozenset({Payment.State.REFUNDED}),
}


class PaymentTransition(models.Model):
    """One change of a payment's state: the history, never updated."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="transitions")
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    cause = models.CharField(_("原因"), max_length=32)  # webhook, refund, expiry, reconciliation, checkout
    actor_label = models.CharField(max_length=150)
    provider_event_id = models.CharField(max_length=100, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.payment_id}: {self.from_state} → {self.to_state}"

    @property
    def from_label(self) -> StrOrPromise:
        return Payment.State(self.from_state).label if self.from_state else "—"

    @property
    def to_label(self) -> StrOrPromise:
        return Payment.State(self.to_state).label


class ProviderEvent(models.Model):
    """A provider's notification (webhook, settlement or 収納データ row) that was acted on: each at most once."""

    provider = models.CharField(max_length=32)
    event_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=40)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="events")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="provider_event_once")]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id}"


class SandboxCheckout(models.Model):
    """The sandbox provider's own record of a checkout (what a real provider keeps on its side)."""

    class Status(models.TextChoices):
        OPEN = "open", _("支払待ち")
        CHALLENGE = "challenge", _("本人認証待ち")
        PAID = "paid", _("支払済")
        DECLINED = "declined", _("拒否")
        REFUNDED = "refunded", _("返金済")
        EXPIRED = "expired", _("期限切れ")

    checkout_id = models.CharField(max_length=64, unique=True)
    amount = models.PositiveIntegerField()
    description = models.CharField(max_length=200)
    return_url = models.CharField(max_length=500)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    method = models.CharField(max_length=16, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.checkout_id


class Reconciliation(models.Model):
    """One imported file (the provider's settlement file or the convenience stores' 収納データ) and its result."""

    class Kind(models.TextChoices):
        PROVIDER = "provider", _("決済事業者の精算ファイル")
        KONBINI = "konbini", _("コンビニ収納データ")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    file_name = models.CharField(max_length=200)
    file_sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.CharField(max_length=150)
    counts = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "file_sha256"], name="reconciliation_file_once")]
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name}"


class ReconciliationLine(models.Model):
    class Outcome(models.TextChoices):
        MATCHED = "matched", _("消込済")
        PRELIMINARY = "preliminary", _("速報")
        CONFIRMED = "confirmed", _("確報")
        CANCELLED = "cancelled", _("取消")
        REFUNDED = "refunded", _("返金")
        DUPLICATE = "duplicate", _("重複")
        UNMATCHED = "unmatched", _("不一致")
        AMOUNT_MISMATCH = "amount_mismatch", _("金額相違")
        INVALID = "invalid", _("不正な行")

    reconciliation = models.ForeignKey(Reconciliation, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    record_kind = models.CharField(max_length=16)
    reference = models.CharField(max_length=64)  # the barcode or the provider's checkout id
    amount = models.BigIntegerField(null=True)
    paid_at = models.DateTimeField(null=True)
    store = models.CharField(max_length=32, blank=True)
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, null=True, related_name="reconciliation_lines")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, related_name="reconciliation_lines")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["reconciliation_id", "line_no"]

    def __str__(self) -> str:
        return f"{self.reconciliation_id}:{self.line_no} {self.outcome}"
