"""Template filters every page may use (registered as builtins)."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone, translation

from kuyakusho.core import wareki as _wareki

register = template.Library()


@register.filter
def wareki(value: date | datetime | None) -> str:
    """和暦 on Japanese pages (令和7年5月1日), ISO dates on English ones."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if translation.get_language() == "en":
        return value.isoformat()
    return _wareki.format_wareki(value)


@register.filter
def wareki_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{wareki(local)} {local:%H:%M}"


@register.filter
def yen(value: int | None) -> str:
    if value is None:
        return ""
    return f"{value:,}円" if translation.get_language() != "en" else f"¥{value:,}"
