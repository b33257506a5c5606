"""Shared steps of every notification: locks and versions, receipt numbers, codes, the event and its audit."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuyakusho.accounts.actors import as_staff
from kuyakusho.audit.services import append_many
from kuyakusho.core.actors import Actor
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.identifiers import resident_code_check_digit
from kuyakusho.core.statements import next_in_year
from kuyakusho.core.wareki import fiscal_year

from .. import records
from ..deadlines import DEADLINES
from ..models import Event, EventEntry, Household, ReceiptCounter, Resident, Status
from .inputs import Notifier

if TYPE_CHECKING:
    from kuyakusho.offices.models import Office


def today() -> date:
    return timezone.localdate()


def is_late(moved_on: date, notified_on: date, kind: str = "move_in") -> bool:
    """Notified after the period for ``kind`` (``residents.deadlines.DEADLINES``: the one table that the
    console's forms and the residents' procedure guide read too); accepted, and flagged."""
    days = DEADLINES[kind].days
    return days is not None and (notified_on - moved_on) > timedelta(days=days)


def check_notified_on(notified_on: date | None) -> date:
    day = today()
    notified_on = notified_on or day
    if notified_on > day:
        raise ApplicationError(ErrorCode.INVALID_DATE, _("届出日が未来の日付です。"), field="notified_on")
    return notified_on


def check_past_move(moved_on: date, notified_on: date, *, field: str = "moved_on") -> None:
    """An event notified after it happened: 異動日 not in the future and not after the 届出日."""
    if moved_on > today():
        raise ApplicationError(ErrorCode.INVALID_DATE, _("異動日が未来の日付です。"), field=field)
    if moved_on > notified_on:
        raise ApplicationError(ErrorCode.INVALID_DATE, _("異動日が届出日より後になっています。"), field=field)


# --- locks and versions ------------------------------------------------------------------------


def _conflict(resident: Resident, seen_version: int) -> ApplicationError:
    current = records.make_snapshot(resident, resident.household, head_name=_head_name(resident.household))
    seen = (
        EventEntry.objects.filter(Q(version__lte=seen_version) | Q(version__isnull=True), resident=resident)
        .order_by("-id").values_list("snapshot", flat=True).first()
    )
    changed = records.changed_fields(seen, current) if seen is not None else {}
    return ApplicationError(
        ErrorCode.CONFLICT,
        _("この住民の記録は、画面を開いた後にほかの職員が更新しました。変更内容を確かめてから、もう一度操作してください。"),
        extra={"resident_id": resident.pk, "changed": changed, "version": resident.version},
    )


def _check_versions(locked: dict[int, Resident], versions: Mapping[int, int | None]) -> None:
    """Every resident asked for is locked, at the version the clerk saw (None: not checked)."""
    for pk, version in versions.items():
        resident = locked.get(pk)
        if resident is None:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("住民が見つかりません。"), field="residents")
        if version is not None and resident.version != version:
            raise _conflict(resident, version)


def lock_residents(versions: Mapping[int, int | None]) -> dict[int, Resident]:
    """Lock the residents (in id order, so no deadlock) and check the versions the clerk saw."""
    if not versions:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("対象の住民を選んでください。"), field="residents")
    # Households before residents, everywhere (lock_household too), so two services never wait on each other.
    list(Household.objects.select_for_update(no_key=True)
         .filter(pk__in=Resident.objects.filter(pk__in=versions).values("household_id")).order_by("pk")
         .values_list("pk", flat=True))
    locked = {
        r.pk: r
        for r in Resident.objects.select_for_update(no_key=True).select_related("household")
        .filter(pk__in=versions).order_by("pk")
    }
    _check_versions(locked, versions)
    return locked


def lock_household(household_id: int, *, field: str = "household") -> Household:
    household = Household.objects.select_for_update(no_key=True).filter(pk=household_id).first()
    if household is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("世帯が見つかりません。"), field=field)
    if household.closed_on is not None:
        raise ApplicationError(ErrorCode.CLOSED, _("この世帯はすでに消滅しています。"), field=field)
    return household


def lock_members(
    versions: dict[int, int | None], household_id: int | None = None, *, field: str = "household",
    also: Sequence[int | None] = (),
) -> tuple[Household, dict[int, Resident], list[Resident]]:
    """Lock a household, its active members and the residents of ``versions``; check their versions.

    ``household_id``: the household named by the notification (checked as :func:`lock_household` does);
    None: the household of the residents (they must share one). ``also``: other households the
    notification changes (the one members join). All the households are locked first, in one query in id
    order, then the residents and the household's active members, in one query in id order: two
    notifications that each take the other's household never wait on each other (households before
    residents everywhere, as :func:`lock_residents` does). Returns the household, the residents of
    ``versions`` by id and the household's active members in id order — the same objects.
    """
    if household_id is not None:
        wanted = Q(pk__in=sorted({household_id, *(h for h in also if h)}))
    else:  # the residents' household (they must share one)
        wanted = Q(pk__in=Resident.objects.filter(pk__in=list(versions)).values("household_id"))
        if any(also):
            wanted |= Q(pk__in=[h for h in also if h])
    households = {h.pk: h for h in Household.objects.select_for_update(no_key=True).filter(wanted).order_by("pk")}
    if household_id is not None:
        household = households.get(household_id)
        if household is None:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("世帯が見つかりません。"), field=field)
        if household.closed_on is not None:
            raise ApplicationError(ErrorCode.CLOSED, _("この世帯はすでに消滅しています。"), field=field)
    else:
        mine = [h for h in households.values() if h.pk not in also]
        household = mine[0] if len(mine) == 1 else None
    if not versions:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("対象の住民を選んでください。"), field="residents")
    wanted = Q(pk__in=list(versions))
    if household is not None:
        wanted |= Q(household_id=household.pk, status=Status.ACTIVE)
    rows = list(Resident.objects.select_for_update(no_key=True).filter(wanted).order_by("pk"))
    for resident in rows:
        if resident.household_id in households:
            resident.household = households[resident.household_id]
    locked = {r.pk: r for r in rows if r.pk in versions}
    _check_versions(locked, versions)
    if household_id is None and (household is None
                                 or any(r.household_id != household.pk for r in locked.values())):
        # No household named and the residents' one changed since the first query (or they are in several).
        household = lock_household(next(iter(locked.values())).household_id, field=field)
        members = [locked.get(r.pk, r) for r in active_members(household)]
    else:
        assert household is not None  # named, or found with the residents
        members = [r for r in rows if r.household_id == household.pk and r.status == Status.ACTIVE]
    return household, locked, members


def require_active(resident: Resident, *, field: str = "residents") -> None:
    if resident.status != Status.ACTIVE:
        if resident.removed_on and resident.removed_on > today():
            message = _("この住民は転出などの届出済みです（消除予定）。誤りなら異動の取消をしてください。")
        else:
            message = _("この住民はすでに消除されています（除票）。")
        raise ApplicationError(ErrorCode.REFUSED, message, field=field, extra={"resident_id": resident.pk})


def active_members(household: Household) -> list[Resident]:
    """The household's active members, locked, in id order (the household's row already locked)."""
    members = list(Resident.objects.select_for_update(no_key=True)
                   .filter(household_id=household.pk, status=Status.ACTIVE).order_by("pk"))
    for member in members:
        member.household = household
    return members


def _head_name(household: Household) -> str:
    """The head's name: the active head's, else that of the head removed last (a head who left earlier
    keeps ``is_head`` on their 除票, whatever their id)."""
    return (Resident.objects.filter(household_id=household.pk, is_head=True)
            .order_by("status", "-removed_on", "-pk").values_list("name", flat=True).first() or "")


def _head_names(residents: Sequence[Resident]) -> dict[int, str]:
    """:func:`_head_name` of each resident's household (taken from ``residents`` when its active head is
    one of them, as saved in this transaction)."""
    heads: dict[int, str] = {}
    for resident in residents:
        if resident.is_head and resident.status == Status.ACTIVE:  # the one active head (res_one_head_per_household)
            heads[resident.household_id] = resident.name
    for resident in residents:
        if resident.household_id not in heads:
            heads[resident.household_id] = _head_name(resident.household)
    return heads


def _taken(field: str, values: Sequence[str], exclude_id: int | None = None) -> set[str]:
    """The ``values`` of ``field`` already on the register (other than resident ``exclude_id``'s)."""
    found = Resident.objects.filter(**{f"{field}__in": values}).exclude(**{field: ""})
    if exclude_id is not None:
        found = found.exclude(pk=exclude_id)
    return set(found.values_list(field, flat=True))


# --- identifiers -------------------------------------------------------------------------------


def _new_resident_code() -> str:
    first10 = str(secrets.randbelow(9_000_000_000) + 1_000_000_000)
    return first10 + resident_code_check_digit(first10)


def allocate_resident_codes(count: int) -> list[str]:
    """``count`` new 住民票コード: 10 random digits (no leading zero) + check digit, unused and distinct."""
    codes: list[str] = []
    while len(codes) < count:
        batch = {_new_resident_code() for _ in range(count - len(codes))} - set(codes)
        codes += sorted(batch - _taken("resident_code", sorted(batch)))
    return codes


def allocate_resident_code() -> str:
    """A new 住民票コード: 10 random digits (no leading zero) + check digit, unused."""
    return allocate_resident_codes(1)[0]


def check_unique_identifiers(people: Sequence[dict[str, Any]], *, exclude_id: int | None = None,
                             prefix: str = "") -> None:
    """Refuse a My Number, 住民票コード or residence card number already on the register (or typed twice)."""
    labels = {"my_number": _("この個人番号はすでに別の住民に記載されています。"),
              "resident_code": _("この住民票コードはすでに別の住民に記載されています。"),
              "residence_card_number": _("この在留カード等の番号はすでに別の住民に記載されています。")}
    for field, message in labels.items():
        values = [person.get(field) for person in people]
        wanted = {value for value in values if value}
        if not wanted:
            continue
        taken = _taken(field, sorted(wanted), exclude_id)  # one query per field
        seen: set[str] = set()
        for i, value in enumerate(values):
            if not value:
                continue
            if value in seen or value in taken:
                raise ApplicationError(ErrorCode.DUPLICATE, message, field=f"{prefix.format(i=i)}{field}")
            seen.add(value)


# --- receipt numbers ---------------------------------------------------------------------------


def next_receipt(notified_on: date) -> tuple[int, int]:
    """(fiscal year, serial) of a new 受付番号; the counter row is updated in the caller's transaction."""
    fy = fiscal_year(notified_on)
    serial = next_in_year(ReceiptCounter, fy)
    if serial is None:
        raise ApplicationError(ErrorCode.CONFLICT, _("受付番号を採番できませんでした。もう一度操作してください。"))
    return fy, serial


# --- the event ---------------------------------------------------------------------------------


def record_event(
    *,
    actor: Actor,
    kind: str,
    moved_on: date,
    notified_on: date,
    notifier: Notifier,
    affected: Iterable[tuple[Resident, dict[str, Any] | None]],
    reason: str = "",
    late: bool = False,
    office: Office | None = None,
    details: dict[str, Any] | None = None,
    cancels: Event | None = None,
) -> Event:
    """Create the event, one entry per affected resident (state AFTER), raise versions, audit each change.

    ``affected``: (resident already saved with its new state, snapshot before or None for a new person).
    Each resident already on the register (locked by the caller) goes up one version, in one UPDATE; a
    new person starts at version 1.
    """
    affected = list(affected)
    existing = [resident for resident, before in affected if before is not None]
    if existing:
        Resident.objects.filter(pk__in=[r.pk for r in existing]).update(version=F("version") + 1)
        for resident in existing:
            resident.version += 1
    heads = _head_names([resident for resident, _before in affected])
    afters, changes = [], []
    for resident, before in affected:
        afters.append(records.make_snapshot(resident, resident.household, head_name=heads[resident.household_id]))
        changes.append(records.changed_fields(before or {}, afters[-1]))
    # The year's receipt counter and then the audit chain head stay locked until the commit, serialising
    # every notification of the ward: take them last, with only the writes that need them left to do.
    fy, serial = next_receipt(notified_on)
    event = Event.objects.create(
        kind=kind, moved_on=moved_on, notified_on=notified_on, fiscal_year=fy, serial=serial,
        notifier_type=notifier.type, notifier_name=notifier.name, letter_of_authority=notifier.letter_of_authority,
        reason=reason, late=late, clerk=as_staff(actor), office=office,
        details=details or {}, cancels=cancels,
    )
    EventEntry.objects.bulk_create([
        EventEntry(event=event, resident=resident, household=resident.household, snapshot=after,
                   version=resident.version)
        for (resident, _before), after in zip(affected, afters, strict=True)])
    detail = {"receipt_number": event.receipt_number, "moved_on": moved_on.isoformat(), "late": late}
    append_many([{"action": f"residents.{kind}", "target": event, "subject_id": resident.pk, "changes": change,
                  "detail": detail} for (resident, _before), change in zip(affected, changes, strict=True)],
                actor=actor)
    return event


def save_resident(resident: Resident, fields: Sequence[str] | None = None) -> Resident:
    """Save a resident (a new one, or every column); ``fields``: only these changed (a locked row).

    The version is raised by :func:`record_event`, once per notification.
    """
    records.prepare_resident(resident)
    if fields is None:
        resident.save()
    else:
        derived = ("name_key", "kana_key") if {"name", "name_kana"} & set(fields) else ()
        resident.save(update_fields=[*fields, *derived, "updated_at"])
    return resident


def snapshot_now(resident: Resident) -> dict[str, Any]:
    return records.make_snapshot(resident, resident.household, head_name=_head_name(resident.household))


def snapshots_now(residents: Sequence[Resident]) -> dict[int, dict[str, Any]]:
    """:func:`snapshot_now` of each resident by id (one head's-name query per household at most)."""
    heads = _head_names(residents)
    return {r.pk: records.make_snapshot(r, r.household, head_name=heads[r.household_id]) for r in residents}


def close_if_empty(household: Household, on: date) -> bool:
    """Close the household when no active member remains (its last member's removal takes effect ``on``)."""
    if household.members.filter(status=Status.ACTIVE).exists():
        return False
    household.closed_on = max(on, household.established_on)
    household.version += 1
    household.save(update_fields=["closed_on", "version", "updated_at"])
    return True


RemovalListener = Callable[..., object]
_removal_listeners: list[RemovalListener] = []


def on_resident_removed(listener: RemovalListener) -> None:
    """Hook for registers kept beside this one: ``listener(actor=, resident=, on=)`` runs inside the removal's
    transaction (転出, 国外転出, 死亡, 職権消除), after ``removal_reason`` is set, so that what it ends is ended in
    the same commit (the seal registration: ``seals`` registers ``abolish_for_removal`` in its ready())."""
    if listener not in _removal_listeners:
        _removal_listeners.append(listener)


def end_dependent_registrations(*, actor: Actor, resident: Resident, on: date) -> None:
    """What a removal ends in other registers, in the same transaction (``on_resident_removed``)."""
    for listener in _removal_listeners:
        listener(actor=actor, resident=resident, on=on)
