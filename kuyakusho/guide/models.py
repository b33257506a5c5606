"""The resident site's information, as data: the procedure guide (手続き案内) and the ward's notices (お知らせ).

A procedure names the counter services that handle it (``offices.Service``): where and when it can be done
is read from the offices and their hours, never written into the text. Its deadline is a key of the
register's one table of notification periods (``residents.deadlines.DEADLINES``), which the register's
services and the console's forms read too.
"""

from __future__ import annotations

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from kuyakusho.residents.deadlines import DEADLINES


def _pick(ja: str, en: str) -> str:
    return en if translation.get_language() == "en" and en else ja


class InLanguage:
    """``title`` reads ``title_en`` on English pages (when filled) and ``title_ja`` otherwise."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return _pick(getattr(obj, f"{self.name}_ja"), getattr(obj, f"{self.name}_en"))


class Procedure(models.Model):
    slug = models.SlugField(_("コード"), max_length=40, unique=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    title_ja = models.CharField(_("手続き名"), max_length=80)
    title_en = models.CharField(_("英語の手続き名"), max_length=120)
    reading = models.CharField(_("読み（検索用）"), max_length=120, blank=True,
                               help_text=_("ひらがなで。例：てんにゅう"))
    summary_ja = models.TextField(_("概要"))
    summary_en = models.TextField(_("英語の概要"))
    who_ja = models.TextField(_("届け出る人"))
    who_en = models.TextField(_("英語：届け出る人"))
    bring_ja = models.TextField(_("持ち物（1行に1つ）"))
    bring_en = models.TextField(_("英語：持ち物（1行に1つ）"))
    fee_ja = models.CharField(_("手数料"), max_length=200)
    fee_en = models.CharField(_("英語：手数料"), max_length=200)
    online_ja = models.TextField(_("来庁せずにできること"), blank=True)
    online_en = models.TextField(_("英語：来庁せずにできること"), blank=True)
    deadline = models.CharField(_("届出期間"), max_length=20, blank=True,
                                choices=[(k, k) for k in DEADLINES],
                                help_text=_("住民記録の届出期間の表から（空欄なら期間の定めなし）"))
    services = models.ManyToManyField("offices.Service", blank=True, related_name="procedures",
                                      verbose_name=_("受け付ける窓口の業務"))

    class Meta:
        ordering = ["sort_order", "slug"]
        verbose_name = _("手続き案内")
        verbose_name_plural = _("手続き案内")

    def __str__(self) -> str:
        return self.title_ja

    title = InLanguage()
    summary = InLanguage()
    who = InLanguage()
    fee = InLanguage()
    online = InLanguage()

    @property
    def bring(self) -> list[str]:
        return [line.strip() for line in _pick(self.bring_ja, self.bring_en).splitlines() if line.strip()]

    @property
    def deadline_text(self) -> str:
        rule = DEADLINES.get(self.deadline) if self.deadline else None
        return rule.text() if rule else ""


class Notice(models.Model):
    """お知らせ: a dated notice on the resident site."""

    published_on = models.DateField(_("掲載日"))
    title_ja = models.CharField(_("見出し"), max_length=120)
    title_en = models.CharField(_("英語の見出し"), max_length=200)
    body_ja = models.TextField(_("本文"))
    body_en = models.TextField(_("英語の本文"))
    published = models.BooleanField(_("公開"), default=True)

    class Meta:
        ordering = ["-published_on", "-id"]
        verbose_name = _("お知らせ")
        verbose_name_plural = _("お知らせ")

    def __str__(self) -> str:
        return self.title_ja

    title = InLanguage()
    body = InLanguage()
