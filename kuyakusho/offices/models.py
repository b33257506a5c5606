from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Office(models.Model):
    """A place where the ward serves residents (区民事務所 and other sites)."""

    code = models.SlugField(_("コード"), max_length=32, unique=True)
    name_ja = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英語名称"), max_length=64)
    address = models.CharField(_("所在地"), max_length=128, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("事務所")
        verbose_name_plural = _("事務所")

    def __str__(self) -> str:
        return self.name_ja
