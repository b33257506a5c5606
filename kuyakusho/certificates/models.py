"""Certificates: what may be issued where (policy), to whom (protections), and what was issued.

One issuance service serves every channel (``services.issue``). What differs by channel is data in
``ChannelPolicy`` — enabled, certificate types and options allowed, identity method, schedule
(``offices.Schedule``: hours and closed days), fees, whether proxies and third parties may ask —
which an administrator edits in the console.

Issued certificates keep everything but the personal data they printed: type, subject, channel,
office, terminal, requester, identity check, fee, issue number and verification code, the SHA-256 of the
signed PDF (so a presented PDF can be matched), and the PDF itself for a short retention window so that
a terminal retrying the same request (same idempotency key) gets the very same document.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kuyakusho.core.models import FiscalYearCounter

from .documents.model import CertificateKind


class Channel(models.TextChoices):
    COUNTER = "counter", _("窓口")
    KIOSK = "kiosk", _("自動交付機")
    KONBINI = "konbini", _("コンビニ交付")
    POST_OFFICE = "post_office", _("郵便局")
    POSTAL = "postal", _("郵送請求")
    ONLINE = "online", _("オンライン申請")


SELF_SERVICE = frozenset({Channel.KIOSK, Channel.KONBINI})


class ProtectionHandling(models.TextChoices):
    """What a channel does with a request whose document would show a person under a support measure (支援措置)."""

    IN_PERSON = "in_person", _("職員が対面で支援措置の記録と照合して本人確認し、ご本人の請求に限り交付")
    HOLD = "hold", _("ご本人の請求は責任者の確認まで保留し、住民登録の住所へ郵送")
    REFUSE = "refuse", _("交付しない")


#: 支援措置 on every channel. A request whose document would show a protected person (the subject or a
#: household member printed on it) is refused with a neutral message and an alert, except a request by the
#: protected person herself: issued where ward staff verify her identity in person against the protection
#: file (the counter, after its confirmation step), held for a supervisor on remote channels where someone
#: checks an ID (post office, post). Every channel has a row: a channel missing here is refused, and
#: ``tests/test_support_measures`` fails on a ``Channel`` without one. Not editable in the console.
SUPPORT_MEASURE_HANDLING: dict[str, ProtectionHandling] = {
    Channel.COUNTER: ProtectionHandling.IN_PERSON,
    Channel.KIOSK: ProtectionHandling.REFUSE,
    Channel.KONBINI: ProtectionHandling.REFUSE,
    Channel.POST_OFFICE: ProtectionHandling.HOLD,
    Channel.POSTAL: ProtectionHandling.HOLD,
    # Online requests: signed with the card, nobody sees the person — a self-service channel.
    Channel.ONLINE: ProtectionHandling.REFUSE,
}


class Identity(models.TextChoices):
    PHOTO_ID = "photo_id", _("窓口で本人確認書類を確認")
    RESIDENT_CARD = "resident_card", _("区民カード＋暗証番号")
    MY_NUMBER_CARD = "my_number_card", _("マイナンバーカード＋暗証番号")
    ID_COPY = "id_copy", _("本人確認書類の写し（郵送）")
    CARD_SIGNATURE = "card_signature", _("マイナンバーカードの署名用電子証明書による電子署名")


class Option(models.TextChoices):
    """Items printed on a 住民票の写し only when asked for and allowed."""

    HEAD = "head", _("世帯主・続柄")
    HONSEKI = "honseki", _("本籍・筆頭者")
    RESIDENT_CODE = "resident_code", _("住民票コード")
    MY_NUMBER = "my_number", _("個人番号")
    HISTORY = "history", _("履歴")


class Requester(models.TextChoices):
    SELF = "self", _("本人")
    HOUSEHOLD = "household", _("同一世帯の方")
    PROXY = "proxy", _("代理人（委任状）")
    THIRD_PARTY = "third_party", _("第三者（正当な理由）")
    OFFICIAL = "official", _("公用請求")


class ChannelPolicy(models.Model):
    channel = models.CharField(_("交付方法"), max_length=16, choices=Channel.choices, unique=True)
    enabled = models.BooleanField(_("取扱い中"), default=True)
    schedule = models.ForeignKey("offices.Schedule", on_delete=models.PROTECT, null=True, blank=True,
                                 verbose_name=_("取扱時間"), help_text=_("空欄なら時間の制限なし（郵送など）"))
    identity = models.CharField(_("本人確認の方法"), max_length=16, choices=Identity.choices)
    kinds = models.JSONField(_("交付できる証明書"), default=list)
    options = models.JSONField(_("記載できる事項"), default=list)
    requesters = models.JSONField(_("請求できる人"), default=list)
    fees = models.JSONField(_("手数料（円）"), default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("交付方法ごとの取扱い")
        verbose_name_plural = _("交付方法ごとの取扱い")

    def __str__(self) -> str:
        return self.get_channel_display()

    def fee_for(self, kind: str) -> int:
        return int(self.fees.get(kind, 0))


class SupportMeasure(models.Model):
    """支援措置: the person's certificates go to nobody else and through no self-service channel."""

    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="support_measures")
    starts_on = models.DateField(_("開始日"))
    ends_on = models.DateField(_("終了日"), null=True, blank=True)
    note = models.CharField(_("備考"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("支援措置")
        verbose_name_plural = _("支援措置")

    def __str__(self) -> str:
        return f"support measure #{self.pk}"


class NoticeRegistration(models.Model):
    """本人通知制度: tell the person whenever a certificate about them goes to a proxy or third party."""

    resident = models.OneToOneField("residents.Resident", on_delete=models.PROTECT,
                                    related_name="notice_registration")
    registered_on = models.DateField(_("登録日"))
    mailing_address = models.CharField(_("通知の送付先"), max_length=200)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("本人通知の登録")
        verbose_name_plural = _("本人通知の登録")

    def __str__(self) -> str:
        return f"notice registration #{self.pk}"


class CardKind(models.TextChoices):
    RESIDENT_CARD = "resident_card", _("区民カード")
    MY_NUMBER_CARD = "my_number_card", _("マイナンバーカード")


class Card(models.Model):
    """A card a resident presents at a self-service terminal, with its 4-digit PIN.

    A 4-digit PIN has 10,000 values: no hash makes it hard to guess offline, so it is kept as an
    HMAC keyed with the server's secret (useless without it) and guarded online by the lock after
    three wrong PINs per channel (``CardLock``).
    """

    kind = models.CharField(max_length=16, choices=CardKind.choices)
    number = models.CharField(_("カード番号"), max_length=32)
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="cards")
    pin_mac = models.CharField(max_length=64)
    active = models.BooleanField(default=True)
    issued_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "number"], name="card_kind_number_unique")]

    def __str__(self) -> str:
        return f"{self.kind} …{self.number[-4:]}"


class CardLock(models.Model):
    """Wrong PINs per card and channel; three lock the card for that channel until a clerk unlocks it."""

    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="locks")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    failures = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["card", "channel"], name="card_lock_unique")]

    def __str__(self) -> str:
        return f"lock {self.card_id}/{self.channel}"


class TaxRecord(models.Model):
    """A minimal tax ledger: one row per resident and fiscal year (課税・納税証明書)."""

    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="tax_records")
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    income = models.PositiveBigIntegerField(_("総所得金額"), default=0)
    taxable_income = models.PositiveBigIntegerField(_("課税標準額"), default=0)
    municipal_tax = models.PositiveBigIntegerField(_("特別区民税"), default=0)
    prefectural_tax = models.PositiveBigIntegerField(_("都民税"), default=0)
    paid = models.PositiveBigIntegerField(_("納付済額"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resident", "fiscal_year"], name="tax_record_unique")]

    def __str__(self) -> str:
        return f"tax {self.resident_id}/{self.fiscal_year}"

    @property
    def assessed(self) -> int:
        return self.municipal_tax + self.prefectural_tax


class Status(models.TextChoices):
    ISSUED = "issued", _("交付済")
    REVOKED = "revoked", _("失効")


class Issuance(models.Model):
    kind = models.CharField(_("証明書"), max_length=16, choices=[(k.value, k.value) for k in CertificateKind])
    channel = models.CharField(_("交付方法"), max_length=16, choices=Channel.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ISSUED)
    subject = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="issuances")
    members = models.JSONField(_("記載した人"), default=list)  # resident ids printed
    options = models.JSONField(_("記載事項"), default=list)
    fiscal_year = models.PositiveSmallIntegerField(null=True, blank=True)  # tax certificates
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    terminal = models.CharField(_("端末"), max_length=64, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    requester = models.CharField(_("請求者"), max_length=16, choices=Requester.choices)
    requester_name = models.CharField(_("請求者の氏名"), max_length=100, blank=True)
    purpose = models.CharField(_("使用目的"), max_length=200, blank=True)
    identity = models.JSONField(_("本人確認"), default=dict)
    fee = models.PositiveIntegerField(_("手数料"))
    fee_exemption = models.CharField(_("手数料免除の理由"), max_length=100, blank=True)
    issued_at = models.DateTimeField(_("交付日時"), db_index=True)
    number = models.CharField(_("交付番号"), max_length=24, unique=True)
    verification_code = models.CharField(_("照合番号"), max_length=20, unique=True)
    idempotency_key = models.CharField(max_length=80, null=True, blank=True)  # noqa: DJ001 (NULL = none; unique)
    request_fingerprint = models.CharField(max_length=64)
    pdf_sha256 = models.CharField(max_length=64)
    pdf = models.BinaryField(null=True, blank=True)  # kept for the retention window only
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "terminal", "idempotency_key"],
                                    condition=Q(idempotency_key__isnull=False), name="issuance_idempotency"),
        ]
        indexes = [models.Index(fields=["subject", "issued_at"]), models.Index(fields=["channel", "issued_at"])]
        verbose_name = _("交付記録")
        verbose_name_plural = _("交付記録")

    def __str__(self) -> str:
        return self.number


class IssueCounter(FiscalYearCounter):
    """The last 交付番号 of a fiscal year (numbers are ``<year>-<serial>``, taken before the document is drawn)."""

    class Meta:
        verbose_name = _("交付番号の採番")
        verbose_name_plural = _("交付番号の採番")


class AlertKind(models.TextChoices):
    SUPPORT_MEASURE = "support_measure", _("支援措置対象者に関する請求")
    CARD_LOCKED = "card_locked", _("暗証番号の誤りによるカードのロック")


class Alert(models.Model):
    """Shown to counter supervisors until acknowledged."""

    kind = models.CharField(max_length=24, choices=AlertKind.choices)
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    detail = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                        blank=True, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"alert #{self.pk} {self.kind}"


class Notice(models.Model):
    """本人通知: the letter telling a registered resident that a certificate about them was issued."""

    registration = models.ForeignKey(NoticeRegistration, on_delete=models.PROTECT, related_name="notices")
    issuance = models.OneToOneField(Issuance, on_delete=models.PROTECT, related_name="notice")
    letter = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"notice #{self.pk}"


class PostalStatus(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("postal status", "受付")
    CHECKED = "checked", _("審査済")
    HELD = "held", _("保留（責任者の確認待ち）")
    ISSUED = "issued", _("交付済")
    MAILED = "mailed", _("発送済")
    RETURNED = "returned", _("返送（不備）")


class PostalSource(models.TextChoices):
    LETTER = "letter", _("郵便（請求書）")
    ONLINE = "online", _("オンライン申請")


class PostalRequest(models.Model):
    """郵送請求: a letter (or online form) with a copy of ID and the fee, handled by the central desk."""

    reference = models.CharField(_("受付番号"), max_length=20, unique=True)
    source = models.CharField(_("請求の方法"), max_length=8, choices=PostalSource.choices,
                              default=PostalSource.LETTER)
    status = models.CharField(_("状態"), max_length=12, choices=PostalStatus.choices, default=PostalStatus.RECEIVED)
    received_on = models.DateField(_("受付日"))
    kind = models.CharField(_("証明書"), max_length=16, choices=[(k.value, k.value) for k in CertificateKind])
    options = models.JSONField(_("記載事項"), default=list)
    copies = models.PositiveSmallIntegerField(_("通数"), default=1)
    whole_household = models.BooleanField(_("世帯全員"), default=False)
    fiscal_year = models.PositiveSmallIntegerField(_("年度（税の証明書）"), null=True, blank=True)
    subject = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="postal_requests")
    requester = models.CharField(_("請求者"), max_length=16, choices=Requester.choices)
    requester_name = models.CharField(_("請求者の氏名"), max_length=100)
    requester_address = models.CharField(_("返送先"), max_length=200)
    purpose = models.CharField(_("使用目的"), max_length=200, blank=True)
    id_copy = models.CharField(_("本人確認書類の写し"), max_length=64, blank=True)
    letter_of_authority = models.BooleanField(_("委任状を確認した"), default=False)
    fee_received = models.PositiveIntegerField(_("同封された手数料（円）"), default=0)
    issuances = models.ManyToManyField(Issuance, blank=True, related_name="postal_requests")
    returned_reason = models.CharField(_("返送の理由"), max_length=200, blank=True)
    mail_to = models.CharField(_("送付先（住民登録の住所）"), max_length=200, blank=True,
                               help_text=_("責任者が保留を解除した請求は、返送先ではなくこの住所へ郵送します。"))
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return self.reference


class HoldStatus(models.TextChoices):
    HELD = "held", _("保留中")
    RELEASED = "released", _("交付を承認（住民登録の住所へ郵送）")
    DECLINED = "declined", _("交付しない")


class HeldRequest(models.Model):
    """A remote request by a protected person herself (支援措置), kept for a supervisor instead of issued.

    The supervisor releases it (the certificate is then issued and mailed to the registered address only)
    or declines it. ``request`` is the frozen request without any PIN; a retry of the same request
    (same channel, terminal and idempotency key) finds this row instead of raising a second alert.
    """

    alert = models.OneToOneField(Alert, on_delete=models.PROTECT, related_name="held_request")
    channel = models.CharField(_("交付方法"), max_length=16, choices=Channel.choices)
    terminal = models.CharField(_("端末"), max_length=64, blank=True)
    idempotency_key = models.CharField(max_length=80, null=True, blank=True)  # noqa: DJ001 (NULL = none; unique)
    subject = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="+")
    request = models.JSONField(default=dict)
    request_fingerprint = models.CharField(max_length=64)
    status = models.CharField(_("状態"), max_length=12, choices=HoldStatus.choices, default=HoldStatus.HELD)
    mail_to = models.CharField(_("送付先（住民登録の住所）"), max_length=200, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    issuance = models.OneToOneField(Issuance, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="held_request")
    postal_request = models.ForeignKey(PostalRequest, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="holds")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "terminal", "idempotency_key"],
                                    condition=Q(idempotency_key__isnull=False), name="held_request_idempotency"),
        ]
        verbose_name = _("保留中の請求")
        verbose_name_plural = _("保留中の請求")

    def __str__(self) -> str:
        return f"held request #{self.pk}"


# Online certificate requests (オンライン申請)
#
# Online certificate requests (オンライン申請): a resident signed in with her card asks for a certificate for
# herself or a member of her household, signs the request with the card's signing certificate, pays the fee
# online, and the ward mails the certificate to the registered address.
#
#     signing ──sign──▶ payment ──paid──▶ received ──issue──▶ issued ──mail──▶ mailed
#        │                 │                  │
#        └──────┬──────────┘ (not paid)       └──▶ refused (refunded)
#               ▼
#           cancelled
#
# The account is the portal's (``account_ref`` ``portal:<id>``: this app sits below the portal's and does
# not link to it); the requester is the resident her account is linked to; the signature's 基本4情報 are
# kept as verified. The fee is a ``payments.Bill``; the certificates are ``Issuance`` rows of channel
# ``online`` issued by the one issuance service.


class OnlineStatus(models.TextChoices):
    SIGNING = "signing", _("署名待ち")
    PAYMENT = "payment", _("支払待ち")
    RECEIVED = "received", pgettext_lazy("postal status", "受付")
    ISSUED = "issued", _("交付済")
    MAILED = "mailed", _("発送済")
    REFUSED = "refused", _("交付できません（返金）")
    CANCELLED = "cancelled", _("取消")


class OnlineRequest(models.Model):
    reference = models.CharField(_("受付番号"), max_length=20, unique=True)
    account_ref = models.CharField(max_length=32)
    requester = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("請求者"))
    requester_kind = models.CharField(_("請求者"), max_length=16, choices=Requester.choices)
    subject = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="online_requests",
                                verbose_name=_("対象の方"))
    kind = models.CharField(_("証明書"), max_length=16, choices=[(k.value, k.value) for k in CertificateKind])
    options = models.JSONField(_("記載事項"), default=list)
    whole_household = models.BooleanField(_("世帯全員"), default=False)
    fiscal_year = models.PositiveSmallIntegerField(_("年度（税の証明書）"), null=True, blank=True)
    copies = models.PositiveSmallIntegerField(_("通数"), default=1)
    fee = models.PositiveIntegerField(_("手数料（円）"))
    fingerprint = models.CharField(max_length=64)  # the content that is signed
    status = models.CharField(_("状態"), max_length=12, choices=OnlineStatus.choices, default=OnlineStatus.SIGNING)
    #: The registered address when the request was signed: the certificate goes there only, and only if the
    #: register still says so when it is issued.
    mail_to = models.CharField(_("送付先（住民登録の住所）"), max_length=200)
    signed_at = models.DateTimeField(_("署名日時"), null=True, blank=True)
    signature = models.JSONField(_("署名の検証結果"), default=dict, blank=True)
    bill = models.OneToOneField("payments.Bill", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    paid_at = models.DateTimeField(null=True, blank=True)
    issuances = models.ManyToManyField(Issuance, blank=True, related_name="online_requests")
    refusal = models.CharField(_("交付できない理由"), max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("オンライン申請")
        verbose_name_plural = _("オンライン申請")
        constraints = [
            models.CheckConstraint(condition=Q(copies__gte=1) & Q(copies__lte=3), name="online_request_copies"),
            models.CheckConstraint(condition=Q(requester_kind__in=["self", "household"]),
                                   name="online_request_self_or_household"),
            models.CheckConstraint(condition=Q(status__in=["signing", "payment", "received", "issued", "mailed",
                                                           "refused", "cancelled"]),
                                   name="online_request_status_valid"),
            models.CheckConstraint(condition=Q(status__in=["signing", "cancelled"]) | Q(signed_at__isnull=False),
                                   name="online_request_signed_before_payment"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="online_request_status"),
                   models.Index(fields=["account_ref", "created_at"], name="online_request_account")]

    def __str__(self) -> str:
        return self.reference
