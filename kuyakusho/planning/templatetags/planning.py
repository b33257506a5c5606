"""Filters of the planning pages: percentages, suppressed cells, JSON in attributes."""

from __future__ import annotations

import datetime
import json

from django import template
from django.utils.translation import gettext as _

from kuyakusho.core.templatetags.kuyakusho import wareki

from ..suppression import suppress

register = template.Library()


@register.filter
def pct(value: float) -> str:
    return f"{100 * float(value):.1f}%"


@register.filter
def suppressed(value: int | None) -> str:
    """A count, or 「秘匿」 when it is under the small-cell threshold."""
    if value is None:
        return _("秘匿")
    shown = suppress(int(value))
    return _("秘匿") if shown is None else f"{shown:,}"


@register.filter
def cell(value: object) -> str:
    if value is None:
        return _("秘匿")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


@register.filter
def jsonattr(value: object) -> str:
    """JSON for a single-quoted data attribute (autoescaping turns quotes and < > & into entities)."""
    return json.dumps(value, ensure_ascii=False)


@register.filter
def minutes(value: object) -> str:
    try:
        return f"{float(str(value)):.1f}"
    except ValueError:
        return "—"


@register.filter
def isodate(value: object) -> str:
    """An ISO date string (as runs store them) in 和暦 on Japanese pages, ISO on English ones."""
    try:
        return wareki(datetime.date.fromisoformat(str(value)))
    except ValueError:
        return str(value)
