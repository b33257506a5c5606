"""My page's own records: residents' questions about an access to their record, and the notices inbox."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InquiryStatus(models.TextChoices):
    OPEN = "open", _("確認中")
    ANSWERED = "answered", _("回答済み")


class AccessInquiry(models.Model):
    """「この閲覧について問い合わせる」: a resident asks the auditors why her record was accessed."""

    account = models.ForeignKey("identity.PortalAccount", on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="+")
    event = models.ForeignKey("audit.AuditEvent", on_delete=models.PROTECT, related_name="+")
    question = models.TextField(_("お問い合わせの内容"), max_length=1000, blank=True)
    status = models.CharField(max_length=8, choices=InquiryStatus.choices, default=InquiryStatus.OPEN)
    answer = models.TextField(_("回答"), max_length=2000, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("閲覧についての問い合わせ")
        verbose_name_plural = _("閲覧についての問い合わせ")
        constraints = [models.UniqueConstraint(fields=["account", "event"], name="portal_inquiry_once_per_event")]
        indexes = [models.Index(fields=["status", "created_at"], name="portal_inquiry_status")]

    def __str__(self) -> str:
        return f"inquiry #{self.pk}"


class PortalNotice(models.Model):
    """お知らせ for one resident (or card-less account) in her My page inbox; mailed when she gave an address."""

    account = models.ForeignKey("identity.PortalAccount", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("件名"), max_length=120)
    body = models.TextField(_("本文"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "created_at"], name="portal_notice_account")]

    def __str__(self) -> str:
        return f"notice #{self.pk}"
