"""Online certificate requests (オンライン申請): a resident signed in with her card asks for a certificate for
herself or a member of her household, signs the request with the card's signing certificate, pays the fee
online, and the ward mails the certificate to the registered address.

    signing ──sign──▶ payment ──paid──▶ received ──issue──▶ issued ──mail──▶ mailed
       │                 │                  │
       └──────┬──────────┘ (not paid)       └──▶ refused (refunded)
              ▼
          cancelled

The account is the portal's (``account_ref`` ``portal:<id>``: this app sits below the portal's and does
not link to it); the requester is the resident her account is linked to; the signature's 基本4情報 are
kept as verified. The fee is a ``payments.Bill``; the certificates are ``Issuance`` rows of channel
``online`` issued by the one issuance service.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .documents.model import CertificateKind
from .models import Issuance, Requester


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
