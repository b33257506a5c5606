"""ねりまちレポーター: residents report problems in the street (and good deeds) with photos and a place; the ward
triages, fixes and publishes them.

Categories are data (``Category``, loaded by a migration). A ``Report`` keeps its current state; every change of
status is a ``StatusChange`` row with the note the public sees, so the timeline is the history itself. Notes for
staff only are ``InternalNote`` rows, never shown on a public page or in Open311. Photos are stored re-encoded
(``photos.process``: no EXIF, XMP or ICC metadata survives), with a separate public version when staff blur one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kuyakusho.core.actors import ActorKind


class Kind(models.TextChoices):
    PROBLEM = "problem", _("まちの困りごと")
    GOOD_DEED = "good", _("まちを良くする行動")


class Status(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("report status", "受付")  # not the counter (受付) of other areas
    CHECKING = "checking", _("確認中")
    PLANNED = "planned", _("対応予定")
    IN_PROGRESS = "in_progress", _("対応中")
    FIXED = "fixed", _("対応済")
    NOT_FIXABLE = "not_fixable", _("対応不可")
    REFERRED = "referred", _("区の管轄外")
    DUPLICATE = "duplicate", _("重複")


#: Statuses in which the ward is done with a report (Open311 ``closed``).
CLOSED = frozenset({Status.FIXED, Status.NOT_FIXABLE, Status.REFERRED, Status.DUPLICATE})
OPEN = frozenset(set(Status) - CLOSED)


class Category(models.Model):
    code = models.SlugField(_("コード"), max_length=40, unique=True)  # Open311 service_code
    name_ja = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("名称（英語）"), max_length=80)
    description_ja = models.CharField(_("説明"), max_length=200, blank=True)
    description_en = models.CharField(_("説明（英語）"), max_length=200, blank=True)
    group_ja = models.CharField(_("分類"), max_length=40, blank=True)  # Open311 group
    kind = models.CharField(_("種類"), max_length=8, choices=Kind.choices, default=Kind.PROBLEM)
    section = models.CharField(_("担当課"), max_length=60)
    sla_days = models.PositiveSmallIntegerField(_("対応の目安（日）"), default=14)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("受付中"), default=True)
    # Open311 attributes asked with this category: [{"code", "datatype", "required", "description_ja",
    # "description_en", "order", "values": [{"key", "name_ja", "name_en"}]}] (datatypes of GeoReport v2)
    attributes = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("レポートの種類")
        ordering = ["order", "code"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=["problem", "good"]), name="reports_category_kind")]

    def __str__(self) -> str:
        return self.code

    def name(self, language: str | None = None) -> str:
        return self.name_en if (language or translation.get_language() or "").startswith("en") else self.name_ja

    def description(self) -> str:
        return self.description_en if (translation.get_language() or "").startswith("en") else self.description_ja


class Report(models.Model):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="reports")
    status = models.CharField(_("状況"), max_length=12, choices=Status.choices, default=Status.RECEIVED)
    lat = models.FloatField(_("緯度"))
    lon = models.FloatField(_("経度"))
    # A fixed grid cell (``geo.cell``): the public map counts reports per cell from an index alone.
    cell = models.BigIntegerField(default=0)
    town = models.CharField(_("町丁目"), max_length=40, blank=True)  # the nearest 町丁目 (statistics, filters)
    address = models.CharField(_("場所の説明"), max_length=200, blank=True)
    description = models.TextField(_("内容"), max_length=4000)
    attributes = models.JSONField(default=dict, blank=True)  # answers to the category's attributes
    public_text = models.TextField(_("公開する内容"), max_length=4000)  # staff may edit it for publication
    # Who reported: a resident's account (card or e-mail); contact kept by the ward, never published.
    reporter = models.ForeignKey("identity.PortalAccount", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    contact_name = models.CharField(_("お名前"), max_length=60, blank=True)
    contact_email = models.EmailField(_("連絡先メールアドレス"), blank=True)
    contact_phone = models.CharField(_("連絡先電話番号"), max_length=20, blank=True)
    nickname = models.CharField(_("公開する名前（ニックネーム）"), max_length=30, blank=True)
    anonymous = models.BooleanField(_("匿名で公開"), default=True)
    source = models.CharField(max_length=8, default="web")  # web / open311
    api_client = models.ForeignKey("reports.ApiClient", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    token = models.CharField(max_length=32, blank=True)  # Open311 token of a POST

    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    # the public note of the last change (the timeline's newest entry; Open311's status_notes)
    status_note = models.TextField(_("公開するコメント"), max_length=2000, blank=True)
    reason = models.CharField(_("対応不可の理由"), max_length=200, blank=True)
    referred_to = models.CharField(_("引継ぎ先"), max_length=100, blank=True)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    published = models.BooleanField(_("公開"), default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    me_too = models.PositiveIntegerField(_("「わたしも」の数"), default=0)
    reopened = models.PositiveSmallIntegerField(default=0)

    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()
    due_at = models.DateTimeField()  # created_at + the category's SLA
    fixed_at = models.DateTimeField(null=True, blank=True)  # the last 対応済 (the reopening window starts there)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("レポート")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=[s.value for s in Status]), name="reports_status_valid"),
            models.CheckConstraint(condition=Q(lat__gte=-90, lat__lte=90, lon__gte=-180, lon__lte=180),
                                   name="reports_position_valid"),
            models.CheckConstraint(condition=~Q(status="duplicate") | Q(duplicate_of__isnull=False),
                                   name="reports_duplicate_names_original"),
            models.UniqueConstraint(fields=["token"], condition=~Q(token=""), name="reports_token_unique"),
        ]
        indexes = [
            # the 50 m duplicate check: same category, a band of latitude
            models.Index(fields=["category", "lat"], name="reports_category_lat"),
            models.Index(fields=["published", "cell", "status"], name="reports_published_cell"),
            models.Index(fields=["published", "lat", "lon"], name="reports_published_place"),
            # newest first: the public list and Open311's GET requests
            models.Index(fields=["published", "created_at", "id"], name="reports_published_created"),
            # newest first in one category (Open311's service_code, the list's category filter)
            models.Index(fields=["published", "category", "created_at"], name="reports_published_category"),
            models.Index(fields=["status", "due_at"], name="reports_status_due"),
            models.Index(fields=["reporter", "created_at"], name="reports_reporter"),
        ]

    def __str__(self) -> str:
        return f"report #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


class Photo(models.Model):
    class Kind(models.TextChoices):
        REPORT = "report", _("報告時の写真")
        FIX = "fix", _("対応後の写真")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.REPORT)
    data = models.BinaryField()  # JPEG, re-encoded without metadata (staff see this one)
    public_data = models.BinaryField(blank=True, default=b"")  # blurred copy when staff blurred it, else empty
    thumb = models.BinaryField()  # small JPEG of what the public sees
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    hidden = models.BooleanField(_("非公開"), default=False)
    blurred = models.BooleanField(_("ぼかし"), default=False)
    uploaded_by_staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=["report", "fix"]), name="reports_photo_kind")]

    def __str__(self) -> str:
        return f"photo #{self.pk}"


class StatusChange(models.Model):
    """One step of a report's public timeline: the status it entered and the note the public reads."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices)
    note = models.TextField(_("公開するコメント"), max_length=2000, blank=True)
    by_staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    by_reporter = models.BooleanField(default=False)  # a reopening by the reporter
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["report", "created_at"], name="reports_change_report")]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.from_status}→{self.to_status}"


class InternalNote(models.Model):
    """A note between staff: never on a public page, in Open311 or in an export."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="internal_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("内部メモ"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"note #{self.pk}"


class Follower(models.Model):
    """An account told of every change of a report (the reporter, those who said 「わたしも」, those who follow)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="followers")
    account = models.ForeignKey("identity.PortalAccount", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "account"], name="reports_follow_once")]

    def __str__(self) -> str:
        return f"{self.account_id} follows {self.report_id}"


class MeToo(models.Model):
    """「わたしも」: another resident has the same problem; counted once per account."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="me_toos")
    account = models.ForeignKey("identity.PortalAccount", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "account"], name="reports_me_too_once")]

    def __str__(self) -> str:
        return f"{self.account_id} too on {self.report_id}"


class ApiClient(models.Model):
    """An Open311 client allowed to POST requests: its ``api_key`` is stored as a SHA-256 only."""

    name = models.CharField(_("名称"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    actor_kind = ActorKind.CLIENT  # kuyakusho.core.actors: what this actor is

    @property
    def actor_label(self) -> str:
        """The audit trail's label for this client."""
        return f"open311:{self.pk}"
