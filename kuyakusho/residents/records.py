"""The items of a 住民票 as data: snapshots, search keys and code lists.

Pure functions (no database access): the services, the history rebuild and the
synthetic-ward generator all use them, so that a bulk-created resident and one
made by a notification look the same.

A *snapshot* is the full state of one resident's 住民票 after an event (異動),
as a JSON-ready dict with the keys :data:`SNAPSHOT_FIELDS` (dates as ISO strings,
the address copied from the household). ``EventEntry.snapshot`` stores it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.text import fold_kana_for_search, fold_name_for_search

from .addresses import format_address

if TYPE_CHECKING:
    from .models import Household, Resident

HEAD_RELATIONSHIP = "世帯主"

#: 続柄 written on a 住民票 (the head is always 世帯主).  Services accept these only.
RELATIONSHIPS: tuple[str, ...] = (
    HEAD_RELATIONSHIP, "妻", "夫", "妻（未届）", "夫（未届）", "子", "子の妻", "子の夫", "孫",
    "父", "母", "妻の父", "妻の母", "夫の父", "夫の母", "祖父", "祖母",
    "兄", "姉", "弟", "妹", "兄弟姉妹", "おじ", "おば", "甥", "姪", "縁故者", "同居人",
)

#: 在留資格 (出入国管理及び難民認定法 別表) plus 特別永住者 and the 経過滞在 cases of 住基法30条の45.
RESIDENCE_STATUSES: tuple[str, ...] = (
    "永住者", "特別永住者", "日本人の配偶者等", "永住者の配偶者等", "定住者",
    "外交", "公用", "教授", "芸術", "宗教", "報道", "高度専門職", "経営・管理", "法律・会計業務",
    "医療", "研究", "教育", "技術・人文知識・国際業務", "企業内転勤", "介護", "興行", "技能",
    "特定技能", "技能実習", "文化活動", "留学", "研修", "家族滞在", "特定活動", "育成就労",
    "一時庇護", "仮滞在", "出生による経過滞在", "国籍喪失による経過滞在",
)
#: Statuses without a period of stay (no 在留期間 / 満了日).
UNLIMITED_STATUSES = frozenset({"永住者", "特別永住者"})

#: Every item of a 住民票, in the order a certificate prints them.  Keys of a snapshot.
SNAPSHOT_FIELDS: tuple[str, ...] = (
    "name", "name_kana", "birth_date", "sex",
    "household_id", "is_head", "head_name", "relationship",
    "town", "chome", "banchi", "go", "katagaki", "address",
    "became_resident_on", "became_resident_reason", "address_since", "address_notified_on",
    "previous_address",
    "honseki", "hittosha",
    "nationality", "residence_status", "period_of_stay", "stay_expires_on", "residence_card_number",
    "resident_code", "my_number",
    "status", "removed_on", "removal_reason", "destination",
)
#: Snapshot items that come from the household, not from the resident row.
HOUSEHOLD_ITEMS = frozenset({"household_id", "head_name", "town", "chome", "banchi", "go", "katagaki", "address"})
#: Fields a clerk may change by a 職権 correction (the rest change only through notifications).
CORRECTABLE_FIELDS: tuple[str, ...] = (
    "name", "name_kana", "birth_date", "sex", "relationship",
    "became_resident_on", "address_since", "address_notified_on", "previous_address",
    "honseki", "hittosha",
    "nationality", "residence_status", "period_of_stay", "stay_expires_on", "residence_card_number",
    "my_number",
)
DATE_FIELDS = frozenset({
    "birth_date", "became_resident_on", "address_since", "address_notified_on", "stay_expires_on", "removed_on",
})
#: Items hidden from search results and from the audit ``changes`` in clear (never in logs).
SECRET_FIELDS = frozenset({"my_number"})

FIELD_LABELS: dict[str, Any] = {
    "name": _("氏名"), "name_kana": _("フリガナ"), "birth_date": _("生年月日"), "sex": _("性別"),
    "household_id": _("世帯"), "is_head": _("世帯主"), "head_name": _("世帯主の氏名"),
    "relationship": _("続柄"),
    "town": _("町名"), "chome": _("丁目"), "banchi": _("番地"), "go": _("号"), "katagaki": _("方書"),
    "address": _("住所"),
    "became_resident_on": _("住民となった年月日"), "became_resident_reason": _("住民となった事由"),
    "address_since": _("住所を定めた年月日"), "address_notified_on": _("住所を定めた旨の届出の年月日"),
    "previous_address": _("前住所"), "honseki": _("本籍"), "hittosha": _("筆頭者"),
    "nationality": _("国籍・地域"), "residence_status": _("在留資格"), "period_of_stay": _("在留期間"),
    "stay_expires_on": _("在留期間の満了の日"), "residence_card_number": _("在留カード等の番号"),
    "resident_code": _("住民票コード"), "my_number": _("個人番号"),
    "status": _("状態"), "removed_on": _("消除日"), "removal_reason": _("消除の事由"),
    "destination": _("転出先"),
}


def search_keys(name: str, name_kana: str) -> tuple[str, str]:
    """``(name_key, kana_key)`` stored beside the name as written."""
    return fold_name_for_search(name), fold_kana_for_search(name_kana)


def katagaki_key(katagaki: str) -> str:
    return fold_name_for_search(katagaki)


def prepare_household(household: Household) -> Household:
    """Fill the derived columns of a household before ``save``/``bulk_create``."""
    household.katagaki_key = katagaki_key(household.katagaki)
    return household


def prepare_resident(resident: Resident) -> Resident:
    """Fill the derived columns (search keys) of a resident before ``save``/``bulk_create``."""
    resident.name_key, resident.kana_key = search_keys(resident.name, resident.name_kana)
    return resident


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def make_snapshot(resident: Resident, household: Household | None = None, head_name: str | None = None) -> dict:
    """Every 住民票 item of ``resident`` as a JSON-ready dict (keys: :data:`SNAPSHOT_FIELDS`).

    ``household`` defaults to ``resident.household`` (pass it to avoid a query); any object with the
    household's address attributes will do, and one that also carries ``head_name`` (the synthetic ward's
    view of a household being generated) gives the head's name.
    ``head_name`` (世帯主の氏名, an item of every member's 住民票): pass the head's name for the
    other members; it defaults to the household's ``head_name`` when it has one, else to the resident's
    own name when they are the head, else "".
    """
    hh = household if household is not None else resident.household
    if head_name is None:
        head_name = getattr(hh, "head_name", None) or (resident.name if resident.is_head else "")
    data = {f: getattr(resident, f) for f in SNAPSHOT_FIELDS if f not in HOUSEHOLD_ITEMS}
    data.update(
        household_id=hh.pk,
        head_name=head_name,
        town=hh.town,
        chome=hh.chome,
        banchi=hh.banchi,
        go=hh.go,
        katagaki=hh.katagaki,
        address=format_address(hh.town, hh.chome, hh.banchi, hh.go, hh.katagaki),
    )
    return {f: _iso(data.get(f)) for f in SNAPSHOT_FIELDS}


def parse_snapshot_value(field: str, value: Any) -> Any:
    if field in DATE_FIELDS and isinstance(value, str) and value:
        return date.fromisoformat(value)
    return value


@dataclass(frozen=True)
class ResidentState:
    """A resident's 住民票 as it stood on one date, rebuilt from a snapshot."""

    resident_id: int
    event_id: int
    values: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__["values"]
        if name in values:
            return parse_snapshot_value(name, values[name])
        raise AttributeError(name)

    def is_resident_on(self, on: date) -> bool:
        removed_on = self.removed_on
        return self.status != "removed" or (removed_on is not None and on < removed_on)


def _head_name_unrecorded(before: dict, after: dict) -> bool:
    """A 世帯主の氏名 missing from ``before`` in the same household: not a change of head but an earlier
    snapshot written without the item (a household always has a head, so a change of head within the
    household shows as one name replacing another)."""
    return (before.get("head_name") in ("", None) and before.get("household_id") is not None
            and before.get("household_id") == after.get("household_id"))


def changed_fields(before: dict, after: dict, fields=SNAPSHOT_FIELDS) -> dict[str, list]:
    """``{"field": [before, after]}`` of two snapshots (My Number masked): the items that really changed.

    "" and None both mean "not recorded"; a 世帯主の氏名 that an earlier snapshot of the same household did
    not record is not a change (:func:`_head_name_unrecorded`).
    """
    out = {}
    for f in fields:
        old, new = before.get(f), after.get(f)
        if (old in ("", None) and new in ("", None)) or old == new:
            continue
        if f == "head_name" and _head_name_unrecorded(before, after):
            continue
        out[f] = ["***" if old else None, "***" if new else None] if f in SECRET_FIELDS else [old, new]
    return out


class ViewPurpose(models.TextChoices):
    """Why a member of staff opens a record (written to the audit trail with the read)."""

    NOTIFICATION = "notification", _("届出受付")
    CERTIFICATE = "certificate", _("証明書交付")
    CONSULTATION = "consultation", _("窓口相談")
    INVESTIGATION = "investigation", _("職権調査")
    CORRECTION = "correction", _("記載の修正")
    INQUIRY = "inquiry", _("関係機関からの照会")
