"""印鑑登録: seal registrations, their cards (印鑑登録証), confirmation letters (照会書) and history.

A registration is never deleted or overwritten: an abolished (廃止) or expired registration stays as it
was, and a new seal is a new row. At most one registration per resident is *open* (pending, registered
or card lost) — a partial unique constraint in the database. Every change appends a ``SealEvent`` and an
audit event (``kuyakusho.audit``, subject = the resident).

The impression is stored as PNG bytes re-encoded by :mod:`kuyakusho.seals.imaging` (cropped to the ink
with a small margin, no metadata) together with its scale, so that a certificate can print it at its
real size (``width_mm`` × ``height_mm``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SealStatus(models.TextChoices):
    PENDING = "pending", _("照会中")
    REGISTERED = "registered", _("登録中")
    CARD_LOST = "card_lost", _("登録証亡失")
    ABOLISHED = "abolished", _("廃止済み")
    EXPIRED = "expired", _("照会期限切れ")


OPEN_STATUSES = (SealStatus.PENDING, SealStatus.REGISTERED, SealStatus.CARD_LOST)


class Method(models.TextChoices):
    IN_PERSON = "in_person", _("本人が来庁（写真付き本人確認書類）")
    LETTER = "letter", _("照会書による確認")


class IdDocument(models.TextChoices):
    """Photo ID accepted for an immediate registration (官公署が発行した写真付きの証明書)."""

    MY_NUMBER_CARD = "my_number_card", _("マイナンバーカード")
    DRIVERS_LICENSE = "drivers_license", _("運転免許証")
    PASSPORT = "passport", _("旅券（パスポート）")
    RESIDENCE_CARD = "residence_card", _("在留カード")
    SPECIAL_PERMANENT = "special_permanent", _("特別永住者証明書")
    DISABILITY = "disability", _("身体障害者手帳等（写真付き）")
    OTHER_PHOTO_ID = "other_photo_id", _("その他の官公署発行の写真付き証明書")


class EndReason(models.TextChoices):
    REQUEST = "request", _("本人の申請による廃止")
    REREGISTRATION = "reregistration", _("登録印鑑の変更（改印）")
    MOVE_OUT = "move_out", _("転出")
    DEATH = "death", _("死亡")
    REMOVAL = "removal", _("住民票の消除")
    EXPIRED = "expired", _("回答書が期限内に提出されなかった")


class SealRegistration(models.Model):
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="seal_registrations",
                                 verbose_name=_("住民"))
    status = models.CharField(_("状態"), max_length=12, choices=SealStatus.choices)
    method = models.CharField(_("確認の方法"), max_length=12, choices=Method.choices)
    id_document = models.CharField(_("本人確認書類"), max_length=20, choices=IdDocument.choices, blank=True)
    proxy_name = models.CharField(_("代理人の氏名"), max_length=100, blank=True)
    applied_on = models.DateField(_("申請日"))
    registered_on = models.DateField(_("登録日"), null=True, blank=True)
    ended_on = models.DateField(_("廃止日"), null=True, blank=True)
    end_reason = models.CharField(_("廃止の事由"), max_length=16, choices=EndReason.choices, blank=True)
    image_png = models.BinaryField(_("印影"))
    image_sha256 = models.CharField(max_length=64)
    image_width_px = models.PositiveIntegerField()
    image_height_px = models.PositiveIntegerField()
    image_px_per_mm = models.DecimalField(_("保存画像の解像度（画素/mm）"), max_digits=6, decimal_places=2)
    stated_px_per_mm = models.DecimalField(_("申告された解像度（画素/mm）"), max_digits=6, decimal_places=2)
    width_mm = models.DecimalField(_("印影の幅（mm）"), max_digits=5, decimal_places=1)
    height_mm = models.DecimalField(_("印影の高さ（mm）"), max_digits=5, decimal_places=1)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="replaced_by", verbose_name=_("変更前の登録"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("受付職員"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("印鑑登録")
        verbose_name_plural = _("印鑑登録")
        indexes = [models.Index(fields=["resident", "status"], name="seal_registration_resident")]
        constraints = [
            models.UniqueConstraint(fields=["resident"], condition=Q(status__in=OPEN_STATUSES),
                                    name="seal_one_open_registration_per_resident"),
            models.CheckConstraint(
                condition=Q(method="letter") | ~Q(id_document=""), name="seal_in_person_needs_id_document"),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(status__in=["abolished", "expired"]) | Q(registered_on__isnull=False),
                name="seal_registered_has_date"),
            models.CheckConstraint(
                condition=(Q(status__in=["abolished", "expired"], ended_on__isnull=False) & ~Q(end_reason=""))
                | Q(~Q(status__in=["abolished", "expired"]), ended_on__isnull=True, end_reason=""),
                name="seal_ended_consistent"),
            models.CheckConstraint(condition=Q(width_mm__gt=0, height_mm__gt=0), name="seal_size_positive"),
        ]

    def __str__(self) -> str:
        return f"印鑑登録 #{self.pk}（{self.get_status_display()}）"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def active_card(self) -> SealCard | None:
        return next((c for c in self.cards.all() if c.status == CardStatus.ACTIVE), None)


class CardStatus(models.TextChoices):
    ACTIVE = "active", _("有効")
    LOST = "lost", _("亡失")
    VOID = "void", _("無効（返納・廃止）")


class SealCard(models.Model):
    """印鑑登録証: the card presented to obtain a 印鑑登録証明書. A lost card's number is never reused."""

    registration = models.ForeignKey(SealRegistration, on_delete=models.PROTECT, related_name="cards",
                                     verbose_name=_("印鑑登録"))
    number = models.CharField(_("印鑑登録証の番号"), max_length=10)
    status = models.CharField(_("状態"), max_length=8, choices=CardStatus.choices, default=CardStatus.ACTIVE)
    issued_on = models.DateField(_("交付日"))
    ended_on = models.DateField(_("失効日"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("印鑑登録証")
        verbose_name_plural = _("印鑑登録証")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="seal_card_number_unique"),
            models.UniqueConstraint(fields=["registration"], condition=Q(status="active"),
                                    name="seal_one_active_card_per_registration"),
            models.CheckConstraint(condition=Q(status="active", ended_on__isnull=True)
                                   | Q(~Q(status="active"), ended_on__isnull=False), name="seal_card_ended_consistent"),
        ]

    def __str__(self) -> str:
        return f"印鑑登録証 {self.number}"


class SealInquiry(models.Model):
    """照会書: the letter sent to the resident's address; the registration completes on its answer (回答書)."""

    registration = models.OneToOneField(SealRegistration, on_delete=models.PROTECT, related_name="inquiry",
                                        verbose_name=_("印鑑登録"))
    issued_on = models.DateField(_("照会書の発送日"))
    deadline = models.DateField(_("回答期限"))
    addressee = models.CharField(_("宛先の氏名"), max_length=100)
    address = models.CharField(_("宛先の住所"), max_length=300)
    letter_text = models.TextField(_("照会書の文面"))
    answer_received_on = models.DateField(_("回答書の受理日"), null=True, blank=True)
    answer_entered_at = models.DateTimeField(_("回答書の入力日時"), null=True, blank=True)
    answer_entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+", verbose_name=_("回答書を受理した職員"))

    class Meta:
        verbose_name = _("照会書")
        verbose_name_plural = _("照会書")
        indexes = [models.Index(fields=["deadline"], name="seal_inquiry_deadline")]
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gt=models.F("issued_on")), name="seal_inquiry_deadline_after"),
            models.CheckConstraint(
                condition=Q(answer_received_on__isnull=True)
                | Q(answer_received_on__gte=models.F("issued_on"), answer_received_on__lte=models.F("deadline")),
                name="seal_inquiry_answer_in_time"),
        ]

    def __str__(self) -> str:
        return f"照会書 #{self.registration_id}"

    @property
    def reference(self) -> str:
        """The reference printed on the letter and asked for on the answer."""
        return f"{self.issued_on:%Y}-{self.registration_id:06d}"


class EventKind(models.TextChoices):
    APPLIED = "applied", _("登録申請の受付")
    INQUIRY_ISSUED = "inquiry_issued", _("照会書の発送")
    ANSWER_RECEIVED = "answer_received", _("回答書受理")
    REGISTERED = "registered", _("登録完了")
    CARD_ISSUED = "card_issued", _("印鑑登録証の交付")
    CARD_LOST = "card_lost", _("登録証の亡失")
    CARD_REISSUED = "card_reissued", _("登録証の再交付済み")
    ABOLISHED = "abolished", _("登録の廃止")
    EXPIRED = "expired", _("照会期限切れ")


class SealEvent(models.Model):
    """One step in a registration's life (the audit trail holds the same, chained)."""

    registration = models.ForeignKey(SealRegistration, on_delete=models.PROTECT, related_name="events",
                                     verbose_name=_("印鑑登録"))
    kind = models.CharField(_("事由"), max_length=16, choices=EventKind.choices)
    occurred_on = models.DateField(_("日付"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("職員"))
    detail = models.JSONField(_("詳細"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("印鑑登録の履歴")
        verbose_name_plural = _("印鑑登録の履歴")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"
