"""``{% load facilities %}``: ``{{ booking|period }}`` names the slot in the page's language (午後 13:00–17:00)."""

from __future__ import annotations

from typing import Any

from django import template

from ..slots import find_period

register = template.Library()


@register.filter
def period(obj: Any) -> str:
    """The label and hours of an application's or a booking's slot."""
    p = find_period(obj.room.scheme, obj.period)
    return f"{p.label} {p.span}" if p else str(obj.period)
