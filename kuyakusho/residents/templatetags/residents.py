"""Showing 住民票 items: dates in 和暦, codes as labels, My Number masked in change lists."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from kuyakusho.core.templatetags.kuyakusho import wareki

from .. import records
from ..labels import relationship_label
from ..models import BecameResidentReason, RemovalReason, Sex, Status

register = template.Library()

_CHOICES = {"sex": dict(Sex.choices), "status": dict(Status.choices), "removal_reason": dict(RemovalReason.choices),
            "became_resident_reason": dict(BecameResidentReason.choices), "purpose": dict(records.ViewPurpose.choices)}
#: Items that are names of people or places, shown as registered and marked as Japanese (screen readers, and
#: pages in other languages that translate every word the software writes, but not these).
_AS_REGISTERED = frozenset({"name", "name_kana", "head_name", "town", "banchi", "go", "katagaki", "address",
                            "previous_address", "honseki", "hittosha", "destination", "nationality"})
#: Address parts folded into 住所 on screens.
_PARTS = frozenset({"household_id", "town", "chome", "banchi", "go", "katagaki"})


@register.filter
def shown_changes(changes: dict) -> list[tuple[str, list]]:
    return [(k, v) for k, v in changes.items() if k not in _PARTS]


@register.filter
def item_label(field: str) -> str:
    return str(records.FIELD_LABELS.get(field, field))


@register.filter
def item_value(value, field: str) -> str:
    if value in (None, ""):
        return "—"
    if field in records.DATE_FIELDS:
        return wareki(records.parse_snapshot_value(field, value))
    if field in _CHOICES:
        return str(_CHOICES[field].get(value, value))
    if isinstance(value, bool):
        return _("はい") if value else _("いいえ")
    if field == "relationship":
        return relationship_label(str(value))
    if field in _AS_REGISTERED:
        return format_html('<span lang="ja">{}</span>', value)
    return str(value)
