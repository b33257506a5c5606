"""Every read of the register used by pages and the API: search, opening a record, history, state on a date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Collate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuyakusho.accounts.models import Staff
from kuyakusho.audit.services import record_reads
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.identifiers import validate_resident_code
from kuyakusho.core.text import check_text, fold_kana_for_search, fold_name_for_search, is_katakana_reading
from kuyakusho.core.wareki import parse_date

from . import records
from .addresses import format_address, validate_town
from .models import Event, EventEntry, EventKind, Household, Resident, Status
from .permissions import can_search, can_view_my_number, can_view_removed, can_view_resident
from .purpose import MY_NUMBER_PURPOSE
from .records import ResidentState, ViewPurpose

MAX_PER_PAGE = 50
MAX_PAGE = 200


def prefix_filter(qs: QuerySet, column: str, prefix: str) -> tuple[QuerySet, str]:
    """Rows whose ``column`` starts with ``prefix`` as an index range scan; returns (queryset, order key).

    ``key >= prefix AND key < prefix-with-last-character-incremented`` in code-point order (SQLite BINARY,
    PostgreSQL ``COLLATE "C"``, matching ``models.PrefixIndex``).
    """
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    if connection.vendor == "postgresql":
        alias = f"{column.replace('__', '_')}_c"
        qs = qs.alias(**{alias: Collate(column, "C")}).filter(**{f"{alias}__gte": prefix, f"{alias}__lt": upper})
        return qs, alias
    return qs.filter(**{f"{column}__gte": prefix, f"{column}__lt": upper}), column


def resident_q(on: date | None = None) -> Q:
    """Residents on the register on ``on`` (today): not removed, or removed from a later date."""
    return Q(status=Status.ACTIVE) | Q(removed_on__gt=on or timezone.localdate())


@dataclass(frozen=True)
class SearchCriteria:
    kana: str = ""
    name: str = ""
    birth_date: str = ""
    town: str = ""
    chome: int | None = None
    banchi: str = ""
    building: str = ""
    resident_code: str = ""
    include_removed: bool = False


@dataclass(frozen=True)
class ResidentSummary:
    """Just enough to pick the right person: no My Number, no 本籍."""

    id: int
    name: str
    name_kana: str
    birth_date: date
    sex: str
    sex_label: str
    address: str
    removed: bool
    removed_on: date | None
    removal_reason: str


@dataclass
class SearchPage:
    results: list[ResidentSummary]
    page: int
    per_page: int
    has_next: bool
    criteria: SearchCriteria
    used: dict[str, Any] = field(default_factory=dict)

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def _clean_criteria(c: SearchCriteria) -> dict[str, Any]:
    used: dict[str, Any] = {}
    if c.kana.strip():
        kana = check_text(c.kana, field="kana", max_length=100)
        if not is_katakana_reading(kana):
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("フリガナはカタカナかひらがなで入力してください。"),
                                   field="kana")
        if key := fold_kana_for_search(kana):
            used["kana"] = key
    if c.name.strip():
        if key := fold_name_for_search(check_text(c.name, field="name", max_length=100)):
            used["name"] = key
    if c.birth_date.strip():
        used["birth_date"] = parse_date(c.birth_date, field="birth_date")
    if c.town.strip():
        used["town"], used["chome"] = validate_town(c.town, c.chome)
    elif c.chome:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("丁目を指定するときは町名も選んでください。"), field="town")
    if c.banchi.strip():
        if "town" not in used:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("番地を指定するときは町名も選んでください。"),
                                   field="town")
        used["banchi"] = check_text(c.banchi, field="banchi", max_length=20).replace("－", "-")
    if c.building.strip():
        if key := fold_name_for_search(check_text(c.building, field="building", max_length=100)):
            used["building"] = key
    if c.resident_code.strip():
        used["resident_code"] = validate_resident_code(c.resident_code, field="resident_code")
    if not used:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("検索条件を一つ以上入力してください。"), field="kana")
    return used


def search_queryset(used: dict[str, Any], *, include_removed: bool, on: date | None = None) -> QuerySet:
    """The resident query for cleaned criteria (ordered, not yet sliced)."""
    qs = Resident.objects.select_related("household")
    if not include_removed:
        qs = qs.filter(resident_q(on))
    order = "kana_key"
    if "kana" in used:
        qs, order = prefix_filter(qs, "kana_key", used["kana"])
    if "name" in used:
        qs, name_order = prefix_filter(qs, "name_key", used["name"])
        order = order if "kana" in used else name_order
    if "birth_date" in used:
        qs = qs.filter(birth_date=used["birth_date"])
    if "town" in used:
        qs = qs.filter(household__town=used["town"], household__chome=used["chome"])
    if "banchi" in used:
        qs = qs.filter(household__banchi=used["banchi"])
    building_order = None
    if "building" in used:
        qs, building_order = prefix_filter(qs, "household__katagaki_key", used["building"])
    if "resident_code" in used:
        qs = qs.filter(resident_code=used["resident_code"])
    if "kana" in used or "name" in used:
        return qs.order_by(order, "id")
    # Address searches list people by building, then by house: the order the household indexes give, so
    # the database reads only the page it shows (ordering 740,000 people by reading would read them all).
    if building_order is not None:
        return qs.order_by(building_order, "household_id", "id")
    if "town" in used:
        return qs.order_by("household__banchi", "household__go", "household_id", "id")
    return qs.order_by(order, "id")


def summary(resident: Resident, today: date | None = None) -> ResidentSummary:
    h = resident.household
    return ResidentSummary(
        id=resident.pk, name=resident.name, name_kana=resident.name_kana, birth_date=resident.birth_date,
        sex=resident.sex, sex_label=str(resident.get_sex_display()),
        address=format_address(h.town, h.chome, h.banchi, h.go, h.katagaki, with_ward=False),
        removed=resident.is_removed_on(today or timezone.localdate()), removed_on=resident.removed_on,
        removal_reason=str(resident.get_removal_reason_display()) if resident.removal_reason else "",
    )


def search_residents(*, user: Staff, criteria: SearchCriteria, purpose: str, page: int = 1, per_page: int = 20
                     ) -> SearchPage:
    """Search the register for ``purpose`` (a ``records.ViewPurpose``: the console's search asks it, the
    counter and postal desks search for a certificate); removed records only when asked and allowed. Each
    person listed is audited as read, with the purpose."""
    if not can_search(user):
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("住民記録を検索する権限がありません。"))
    if purpose not in ViewPurpose.values:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("閲覧の目的を選んでください。"), field="purpose")
    if criteria.include_removed and not can_view_removed(user):
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("除票を検索する権限がありません。"),
                               field="include_removed")
    used = _clean_criteria(criteria)
    page = min(max(int(page or 1), 1), MAX_PAGE)
    per_page = min(max(int(per_page or 20), 1), MAX_PER_PAGE)
    start = (page - 1) * per_page
    with transaction.atomic():
        rows = list(search_queryset(used, include_removed=criteria.include_removed)[start:start + per_page + 1])
        results = [summary(r) for r in rows[:per_page]]
        # One read per person listed (an empty result is still a search on record, with no subject).
        record_reads(actor=user, action="residents.search", subject_ids=[r.id for r in results] or [""],
                     purpose=purpose,
                     detail={"criteria": sorted(used), "include_removed": criteria.include_removed, "page": page})
    return SearchPage(results=results, page=page, per_page=per_page, has_next=len(rows) > per_page,
                      criteria=criteria, used=used)


# --- one record ------------------------------------------------------------------------------


@dataclass
class HistoryItem:
    entry: EventEntry
    event: Event
    changes: dict[str, list]
    cancelled: bool


@dataclass
class ResidentRecord:
    resident: Resident
    household: Household
    members: list[Resident]
    history: list[HistoryItem]


def check_purpose(purpose: str) -> str:
    if purpose not in ViewPurpose.values:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("閲覧の目的を選んでください。"), field="purpose")
    return purpose


def get_resident(resident_id: int) -> Resident:
    resident = Resident.objects.select_related("household").filter(pk=resident_id).first()
    if resident is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("住民が見つかりません。"))
    return resident


def history(resident: Resident) -> list[HistoryItem]:
    """The resident's events in filing order, each with what it changed (from the previous snapshot)."""
    entries = list(
        EventEntry.objects.filter(resident=resident)
        .select_related("event", "event__clerk", "event__cancels", "event__cancelled_by")
        .order_by("id")
    )
    items: list[Any] = []
    previous: dict[str, Any] = {}
    for entry in entries:
        changes = records.changed_fields(previous, entry.snapshot,
                                         fields=records.SNAPSHOT_FIELDS if previous else ("address", "relationship"))
        cancelled = hasattr(entry.event, "cancelled_by")
        items.append(HistoryItem(entry=entry, event=entry.event, changes=changes, cancelled=cancelled))
        previous = entry.snapshot
    return items


def household_members(household: Household, *, include_removed: bool = False) -> list[Resident]:
    found = Resident.objects.filter(household_id=household.pk)
    if not include_removed:
        found = found.filter(resident_q())
    members = list(found.order_by("-is_head", "birth_date", "id"))
    for member in members:
        member.household = household  # the caller's row: no join, no second copy
    return members


def household_id_of(resident_id: int) -> int | None:
    """The household a resident belongs to (None if there is no such resident): the scope a purpose is asked
    for, before anything of the record is shown."""
    return Resident.objects.filter(pk=resident_id).values_list("household_id", flat=True).first()


def record_shown(*, user: Staff, action: str, subject_ids, purpose: str, target=None, detail=None) -> list[str]:
    """Record that ``user`` was shown these residents' data (one read each, one lock of the trail); returns
    the ids recorded. Call for every page or answer that shows register data the selectors below did not
    already record."""
    ids = [str(s) for s in dict.fromkeys(subject_ids)]
    if ids:
        record_reads(actor=user, action=action, subject_ids=ids, purpose=purpose, target=target, detail=detail)
    return ids


def open_resident(*, user: Staff, resident_id: int, purpose: str, with_members: bool = True,
                  already_read=()) -> ResidentRecord:
    """Open a record for a purpose: permission, then the audit read events (if they fail, the read fails).

    The record comes with the household's members (``with_members``; their names, births and relationships
    are shown beside it): one read each for the resident and every member, under one lock of the trail.
    ``already_read``: ids whose read this member of staff has already recorded in the same form (a later step
    of it), not recorded again.
    """
    check_purpose(purpose)
    resident = get_resident(resident_id)
    if not can_view_resident(user, resident):
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("この住民記録を閲覧する権限がありません。"))
    with transaction.atomic():
        members = household_members(resident.household, include_removed=False) if with_members else []
        skip = {str(i) for i in already_read}
        shown = [i for i in (resident.pk, *(m.pk for m in members)) if str(i) not in skip]
        found = ResidentRecord(resident=resident, household=resident.household, members=members,
                               history=history(resident))
        # Last, just before the commit: the trail's head stays locked only for the append, never while the
        # record and its history are read (every other audited request waits on that lock).
        record_shown(user=user, action="residents.open", subject_ids=shown, purpose=purpose, target=resident)
        return found


def open_household(*, user: Staff, household_id: int, purpose: str) -> tuple[Household, list[Resident]]:
    """A household with its members (removed members only for staff allowed to see 除票); audited per member."""
    check_purpose(purpose)
    household = Household.objects.filter(pk=household_id).first()
    if household is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("世帯が見つかりません。"))
    members = household_members(household, include_removed=can_view_removed(user))
    if not can_search(user) or (not members and not can_view_removed(user)):
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("この世帯を閲覧する権限がありません。"))
    with transaction.atomic():
        record_shown(user=user, action="residents.open_household", subject_ids=[m.pk for m in members],
                     purpose=purpose, target=household)
    return household, members


def open_my_number(*, user: Staff, resident_id: int, purpose: str) -> Resident:
    """The resident with their full 個人番号, for the 個人番号利用事務 only: permission, then its own audit read
    (``residents.my_number``), separate from the record's."""
    if purpose != MY_NUMBER_PURPOSE:
        raise ApplicationError(ErrorCode.INVALID_INPUT,
                               _("個人番号を表示する目的（個人番号利用事務）を選んでください。"), field="purpose")
    resident = get_resident(resident_id)
    if not can_view_my_number(user, resident):
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("この住民記録を閲覧する権限がありません。"))
    with transaction.atomic():
        record_reads(actor=user, action="residents.my_number", subject_ids=[resident.pk], purpose=purpose,
                     target=resident)
    return resident


# --- the state on a date -----------------------------------------------------------------------


def resident_on(resident: Resident | int, on: date) -> ResidentState | None:
    """The resident's 住民票 as it stood on ``on`` (None if no event had entered them yet).

    The latest entry, in filing order, of a non-cancelled event whose 異動日 is on or before ``on``.
    Check ``state.is_resident_on(on)`` to tell a 除票 from a live record.
    """
    resident_id = resident if isinstance(resident, int) else resident.pk
    entry = (
        EventEntry.objects.filter(resident_id=resident_id, event__moved_on__lte=on, event__cancelled_by__isnull=True)
        .order_by("-id").only("id", "snapshot", "event_id", "resident_id").first()
    )
    if entry is None:
        return None
    return ResidentState(resident_id=resident_id, event_id=entry.event_id, values=entry.snapshot)


def household_on(household: Household | int, on: date) -> list[ResidentState]:
    """The members of a household on ``on``, rebuilt from the events (head first)."""
    household_id = household if isinstance(household, int) else household.pk
    candidates = set(
        EventEntry.objects.filter(household_id=household_id, event__moved_on__lte=on).values_list("resident_id",
                                                                                                  flat=True)
    )
    entries = (
        EventEntry.objects.filter(resident_id__in=candidates, event__moved_on__lte=on,
                                  event__cancelled_by__isnull=True)
        .order_by("resident_id", "-id").only("id", "snapshot", "event_id", "resident_id")
    )
    latest: dict[int, EventEntry] = {}
    for entry in entries:
        latest.setdefault(entry.resident_id, entry)
    states = [ResidentState(resident_id=rid, event_id=e.event_id, values=e.snapshot) for rid, e in latest.items()]
    members = [s for s in states if s.household_id == household_id and s.is_resident_on(on)]
    return sorted(members, key=lambda s: (not s.is_head, s.birth_date, s.resident_id))


def recent_events(*, limit: int = 20) -> QuerySet:
    return Event.objects.exclude(kind=EventKind.INITIAL).select_related("clerk").order_by("-id")[:limit]
