"""Offices, the services they offer, their counters, and opening hours as data.

Hours are rules attached to a *schedule* (``offices``, ``kiosk``, ``konbini`` …) so that the
certificate channels use the same tables and the same function (:mod:`kuyakusho.offices.hours`):

* :class:`OpeningRule` — weekly hours on some day codes (mon … sun and ``hol`` for national
  holidays), optionally only at one office and only for some services;
* :class:`SpecialDay` — a closed period (the year-end 12/29–1/3, repeating every year; a day an
  administrator closes) or an extra opening (the March–April Saturdays).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

DAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "hol")
DAY_LABELS = {
    "mon": _("月"), "tue": _("火"), "wed": _("水"), "thu": _("木"), "fri": _("金"),
    "sat": _("土"), "sun": _("日"), "hol": _("祝日"),
}
days_validator = RegexValidator(
    r"^(mon|tue|wed|thu|fri|sat|sun|hol)(,(mon|tue|wed|thu|fri|sat|sun|hol))*$",
    _("曜日は mon,tue,wed,thu,fri,sat,sun,hol をカンマで区切って指定してください。"),
)


class Bilingual:
    """``name`` in the language of the request (Japanese first)."""

    name_ja: str
    name_en: str

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" and self.name_en else self.name_ja


def new_rules_token() -> str:
    return secrets.token_hex(8)


class Schedule(Bilingual, models.Model):
    """A set of opening rules: the offices' counters, the kiosks, the convenience stores …"""

    code = models.SlugField(_("コード"), max_length=32, unique=True)
    name_ja = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英語名称"), max_length=64)
    #: Changes whenever one of its rules or special days does (``offices.signals``): the key under which
    #: ``hours.Calendar.load`` keeps the loaded calendar, so a change reaches every process at once.
    rules_token = models.CharField(max_length=16, default=new_rules_token, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("開庁時間の区分")
        verbose_name_plural = _("開庁時間の区分")

    def __str__(self) -> str:
        return self.name_ja


class Service(Bilingual, models.Model):
    """A kind of business at the counter (届出, 証明, 印鑑 …); its letter prefixes ticket numbers."""

    code = models.SlugField(_("コード"), max_length=32, unique=True)
    name_ja = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英語名称"), max_length=64)
    description_ja = models.CharField(_("説明"), max_length=200, blank=True)
    description_en = models.CharField(_("英語の説明"), max_length=200, blank=True)
    letter = models.CharField(_("番号札の記号"), max_length=1, unique=True,
                              validators=[RegexValidator(r"^[A-Z]$")])
    typical_minutes = models.PositiveSmallIntegerField(
        _("標準の所要時間（分）"), default=10,
        help_text=_("実績がまだない間の待ち時間の見積もりに使います。"))
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("業務")
        verbose_name_plural = _("業務")

    def __str__(self) -> str:
        return self.name_ja

    @property
    def description(self) -> str:
        return self.description_en if translation.get_language() == "en" and self.description_en \
            else self.description_ja


def check_display_alternate(value: int) -> None:
    if value and not 5 <= value <= 600:
        raise ValidationError(_("切り替えの間隔は5〜600秒（切り替えないときは0）です。"))


class Office(Bilingual, models.Model):
    """A place where the ward serves residents (区民事務所 and other sites)."""

    code = models.SlugField(_("コード"), max_length=32, unique=True)
    name_ja = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英語名称"), max_length=64)
    address = models.CharField(_("所在地"), max_length=128, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    postal_code = models.CharField(_("郵便番号"), max_length=8, blank=True)
    phone = models.CharField(_("電話番号"), max_length=20, blank=True)
    access_ja = models.CharField(_("交通"), max_length=200, blank=True, help_text=_("最寄り駅・バス停から"))
    access_en = models.CharField(_("英語：交通"), max_length=300, blank=True)
    barrier_free_ja = models.TextField(_("バリアフリー情報"), blank=True, help_text=_("1行に1つ"))
    barrier_free_en = models.TextField(_("英語：バリアフリー情報"), blank=True)
    schedule = models.ForeignKey(Schedule, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="offices", verbose_name=_("開庁時間の区分"))
    services = models.ManyToManyField(Service, blank=True, related_name="offices",
                                      verbose_name=_("取り扱う業務"))
    sort_order = models.PositiveSmallIntegerField(default=0)
    #: The lobby display (呼出表示) alternates Japanese and English every this many seconds; 0: one language.
    display_alternate_seconds = models.PositiveSmallIntegerField(
        _("呼出表示の日英切り替え（秒）"), default=0,
        validators=[check_display_alternate],
        help_text=_("0なら切り替えません。例：10（10秒ごとに日本語と英語を交互に表示）"))

    class Meta:
        ordering = ["sort_order", "code"]
        constraints = [models.CheckConstraint(
            condition=Q(display_alternate_seconds=0) | Q(display_alternate_seconds__gte=5,
                                                         display_alternate_seconds__lte=600),
            name="office_display_alternate_range")]
        verbose_name = _("事務所")
        verbose_name_plural = _("事務所")

    def __str__(self) -> str:
        return self.name_ja

    @property
    def tel(self) -> str:
        """The dialable part of ``phone`` ("03-3993-1111（代表）" → "03-3993-1111")."""
        return "".join(ch for ch in self.phone.split("（")[0] if ch.isdigit() or ch in "+-")

    @property
    def access(self) -> str:
        return self.access_en if translation.get_language() == "en" and self.access_en else self.access_ja

    @property
    def barrier_free(self) -> list[str]:
        text = self.barrier_free_en if translation.get_language() == "en" and self.barrier_free_en \
            else self.barrier_free_ja
        return [line.strip() for line in text.splitlines() if line.strip()]


class Counter(models.Model):
    """A counter (窓口) at an office and the services its clerks handle."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="counters")
    number = models.PositiveSmallIntegerField(_("窓口番号"))
    services = models.ManyToManyField(Service, related_name="counters", verbose_name=_("取り扱う業務"))
    is_active = models.BooleanField(_("使用中"), default=True)

    class Meta:
        ordering = ["office", "number"]
        constraints = [models.UniqueConstraint(fields=["office", "number"], name="counter_unique_number")]
        verbose_name = _("窓口")
        verbose_name_plural = _("窓口")

    def __str__(self) -> str:
        return f"{self.office.name_ja} {self.number}番窓口"

    @property
    def label(self) -> str:
        return _("%(n)s番窓口") % {"n": self.number}


class OpeningRule(models.Model):
    """Weekly hours: on these day codes, from ``opens`` to ``closes``."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="rules")
    office = models.ForeignKey(Office, on_delete=models.CASCADE, null=True, blank=True, related_name="rules",
                               help_text=_("空欄なら区分のすべての事務所に適用します。"))
    services = models.ManyToManyField(Service, blank=True, related_name="rules",
                                      help_text=_("空欄ならすべての業務に適用します。"))
    days = models.CharField(_("曜日"), max_length=40, validators=[days_validator])
    opens = models.TimeField(_("開始"))
    closes = models.TimeField(_("終了"))
    valid_from = models.DateField(_("適用開始日"), null=True, blank=True)
    valid_until = models.DateField(_("適用終了日"), null=True, blank=True)
    note_ja = models.CharField(_("備考"), max_length=100, blank=True)

    class Meta:
        ordering = ["schedule", "opens"]
        constraints = [
            models.CheckConstraint(condition=Q(opens__lt=models.F("closes")), name="rule_opens_before_closes"),
        ]
        verbose_name = _("開庁時間")
        verbose_name_plural = _("開庁時間")

    def __str__(self) -> str:
        return f"{self.schedule.code} {self.days} {self.opens:%H:%M}–{self.closes:%H:%M}"

    @property
    def day_set(self) -> frozenset[str]:
        return frozenset(self.days.split(","))


class SpecialDay(models.Model):
    """A closed period or an extra opening, for the whole schedule or one office."""

    class Kind(models.TextChoices):
        CLOSED = "closed", _("閉庁")
        OPEN = "open", _("臨時開庁")

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="special_days")
    office = models.ForeignKey(Office, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="special_days")
    services = models.ManyToManyField(Service, blank=True, related_name="special_days")
    kind = models.CharField(_("種別"), max_length=8, choices=Kind.choices)
    date_from = models.DateField(_("開始日"))
    date_to = models.DateField(_("終了日"))
    annual = models.BooleanField(_("毎年"), default=False,
                                 help_text=_("月日だけを見て毎年繰り返します（年末年始など）。"))
    opens = models.TimeField(_("開始時刻"), null=True, blank=True)
    closes = models.TimeField(_("終了時刻"), null=True, blank=True)
    reason_ja = models.CharField(_("理由"), max_length=100)
    reason_en = models.CharField(_("英語の理由"), max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date_from"]
        constraints = [
            # An extra opening has hours; a closure lasts the whole day.
            models.CheckConstraint(
                condition=(Q(kind="open", opens__isnull=False, closes__isnull=False, opens__lt=models.F("closes"))
                           | Q(kind="closed", opens__isnull=True, closes__isnull=True)),
                name="special_day_hours_match_kind"),
            models.CheckConstraint(condition=Q(annual=True) | Q(date_from__lte=models.F("date_to")),
                                   name="special_day_range_ordered"),
        ]
        indexes = [models.Index(fields=["schedule", "date_to"])]
        verbose_name = _("閉庁日・臨時開庁日")
        verbose_name_plural = _("閉庁日・臨時開庁日")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date_from}–{self.date_to} {self.reason_ja}"

    @property
    def reason(self) -> str:
        return self.reason_en if translation.get_language() == "en" and self.reason_en else self.reason_ja
