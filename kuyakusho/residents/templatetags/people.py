"""Names of people as registered, marked as Japanese, with their reading on pages in other languages."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language

from kuyakusho.residents.labels import relationship_label

register = template.Library()


@register.filter
def person(resident) -> str:
    """``<span lang="ja">佐藤 明日香</span>``; in English followed by the フリガナ: ``(サトウ アスカ)``."""
    if (get_language() or "ja").startswith("ja") or not getattr(resident, "name_kana", ""):
        return format_html('<span lang="ja">{}</span>', resident.name)
    return format_html('<span lang="ja">{}</span> (<span lang="ja">{}</span>)', resident.name, resident.name_kana)


@register.filter
def relationship(value) -> str:
    """A 続柄 in the page's language: of a resident, of a row (a dict with ``relationship``), or the value itself."""
    if isinstance(value, dict):
        value = value.get("relationship", "")
    elif not isinstance(value, str):
        value = value.relationship
    return relationship_label(value)


@register.filter
def names(items, separator: str = "、") -> str:
    """``services|names:_("・")``: the items' ``name`` (in the page's language where the model has one), joined."""
    return str(separator).join(str(i.name) for i in items)
