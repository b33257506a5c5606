"""職権修正 of an item, and 取消 of a wrongly entered event (restoring the earlier state, itself recorded)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.actors import Actor
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.identifiers import validate_my_number
from kuyakusho.core.text import check_text

from .. import records
from ..models import Event, EventEntry, EventKind, Household, NotifierType, RemovalReason, Resident, Status
from .common import (
    check_unique_identifiers,
    close_if_empty,
    lock_residents,
    record_event,
    require_active,
    save_resident,
    snapshot_now,
    today,
)
from .inputs import (
    Notifier,
    clean_birth_date,
    clean_foreign_items,
    clean_kana,
    clean_name,
    clean_relationship,
    clean_sex,
)

if TYPE_CHECKING:
    from kuyakusho.offices.models import Office

_TEXT_LIMITS = {"previous_address": 200, "honseki": 200, "hittosha": 100}
_FOREIGN = ("nationality", "residence_status", "period_of_stay", "stay_expires_on", "residence_card_number")


def _reason(reason: str) -> str:
    cleaned = check_text(reason or "", field="reason", max_length=400)
    if not cleaned:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("理由を入力してください。"), field="reason")
    return cleaned


def _clean_change(resident: Resident, field: str, value: Any) -> Any:
    if field == "name":
        return clean_name(value)
    if field == "name_kana":
        return clean_kana(value)
    if field == "birth_date":
        return clean_birth_date(value, today=today())
    if field == "sex":
        return clean_sex(value)
    if field == "relationship":
        rel = clean_relationship(value)
        if (rel == records.HEAD_RELATIONSHIP) != resident.is_head:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("世帯主の変更は世帯主変更の届出で行います。"),
                                   field="relationship")
        return rel
    if field == "my_number":
        return validate_my_number(value) if value else ""
    if field in _TEXT_LIMITS:
        return check_text(value or "", field=field, max_length=_TEXT_LIMITS[field])
    if field in ("became_resident_on", "address_since", "address_notified_on"):
        if not isinstance(value, date) or value > today():
            raise ApplicationError(ErrorCode.INVALID_DATE, _("未来の日付は記載できません。"), field=field)
        return value
    return value  # foreign items: checked together below


@transaction.atomic
def correct_record(
    *, actor: Actor, resident_id: int, version: int, changes: dict[str, Any], reason: str,
    corrected_on: date | None = None, office: Office | None = None,
) -> Event:
    """職権修正: change items of a record (``records.CORRECTABLE_FIELDS``) with the reason; removed records too."""
    reason = _reason(reason)
    unknown = set(changes) - set(records.CORRECTABLE_FIELDS)
    if unknown:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("この項目は職権修正では変更できません。"),
                               field=sorted(unknown)[0])
    resident = lock_residents({resident_id: version})[resident_id]
    before = snapshot_now(resident)
    cleaned = {f: _clean_change(resident, f, v) for f, v in changes.items()}
    if any(f in cleaned for f in _FOREIGN):
        merged = {f: cleaned.get(f, getattr(resident, f)) for f in _FOREIGN}
        cleaned.update(clean_foreign_items(merged))
    if (cleaned.get("nationality", resident.nationality)
            and (cleaned.get("honseki", resident.honseki) or cleaned.get("hittosha", resident.hittosha))):
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("本籍・筆頭者は日本国籍の人にだけ記載します。"),
                               field="honseki")
    cleaned = {f: v for f, v in cleaned.items() if getattr(resident, f) != v}
    if not cleaned:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("変更する項目がありません。"), field="changes")
    check_unique_identifiers([{k: v for k, v in cleaned.items()
                               if k in ("my_number", "residence_card_number")}], exclude_id=resident.pk)
    # The head's name is an item of every member's 住民票 (世帯主の氏名).
    others = []
    if "name" in cleaned and resident.is_head and resident.status == Status.ACTIVE:
        others = [(m, snapshot_now(m)) for m in resident.household.members.select_for_update(no_key=True)
                  .filter(status=Status.ACTIVE).exclude(pk=resident.pk).select_related("household").order_by("pk")]
    for field, value in cleaned.items():
        setattr(resident, field, value)
    save_resident(resident)
    on = corrected_on or today()
    if on > today():
        raise ApplicationError(ErrorCode.INVALID_DATE, _("修正日が未来の日付です。"), field="corrected_on")
    return record_event(actor=actor, kind=EventKind.CORRECTION, moved_on=on, notified_on=today(),
                        notifier=Notifier(NotifierType.OFFICIO), affected=[(resident, before), *others], reason=reason,
                        office=office, details={"fields": sorted(cleaned)})


def effective_entries(resident_id: int) -> list[EventEntry]:
    """The resident's entries in filing order, without cancelled events and without cancellations."""
    return list(
        EventEntry.objects.filter(resident_id=resident_id, event__cancelled_by__isnull=True)
        .exclude(event__kind=EventKind.CANCELLATION).select_related("event").order_by("id")
    )


def _restore(resident: Resident, before: dict[str, Any] | None, event: Event) -> None:
    if before is None:  # the event entered this person: the entry is withdrawn (never a resident)
        resident.status = Status.REMOVED
        resident.removed_on = event.moved_on
        resident.removal_reason = RemovalReason.CANCELLED
        return
    for field in records.SNAPSHOT_FIELDS:
        if field in records.HOUSEHOLD_ITEMS:
            continue
        setattr(resident, field, records.parse_snapshot_value(field, before[field]))
    if resident.household_id != before["household_id"]:
        resident.household = Household.objects.select_for_update(no_key=True).get(pk=before["household_id"])
    household = resident.household
    address = {f: before[f] for f in ("town", "chome", "banchi", "go", "katagaki")}
    if any(getattr(household, f) != v for f, v in address.items()) or household.closed_on is not None:
        for f, v in address.items():
            setattr(household, f, v)
        household.closed_on = None
        records.prepare_household(household)
        household.version += 1
        household.save()


@transaction.atomic
def cancel_event(
    *, actor: Actor, event_id: int, reason: str, versions: dict[int, int] | None = None, office: Office | None = None,
) -> Event:
    """取消: undo a wrongly entered event; each affected resident gets back their state before it.

    Only the latest effective event of each affected resident can be cancelled (cancel later ones first).
    """
    reason = _reason(reason)
    event = Event.objects.select_for_update(no_key=True).filter(pk=event_id).first()
    if event is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("異動が見つかりません。"), field="event")
    if event.kind in (EventKind.CANCELLATION, EventKind.INITIAL):
        raise ApplicationError(ErrorCode.REFUSED, _("この異動は取り消せません。職権修正で直してください。"),
                               field="event")
    if Event.objects.filter(cancels=event).exists():
        raise ApplicationError(ErrorCode.REFUSED, _("この異動はすでに取り消されています。"), field="event")
    entries = list(event.entries.order_by("id"))
    ids = [e.resident_id for e in entries]
    locked = lock_residents({pk: (versions or {}).get(pk) for pk in ids})
    plans = []
    for entry in entries:
        history = effective_entries(entry.resident_id)
        if not history or history[-1].pk != entry.pk:
            raise ApplicationError(
                ErrorCode.REFUSED,
                _("この後に同じ住民の別の異動があるため取り消せません。後の異動から順に取り消してください。"),
                field="event", extra={"resident_id": entry.resident_id},
            )
        earlier = history[:-1]
        plans.append((locked[entry.resident_id], earlier[-1].snapshot if earlier else None))
    befores = {r.pk: snapshot_now(r) for r, _b in plans}
    touched = {r.household_id for r, _b in plans}
    # Those giving up a head slot first, then the others.
    plans.sort(key=lambda p: bool(p[1] and p[1]["is_head"] and p[1]["status"] == Status.ACTIVE))
    for resident, before in plans:
        _restore(resident, before, event)
        save_resident(resident)
    for household in Household.objects.filter(pk__in=touched, closed_on__isnull=True):
        close_if_empty(household, event.moved_on)
    for resident, before in plans:
        if before is not None and before["status"] == Status.ACTIVE:
            require_active(resident)
    return record_event(actor=actor, kind=EventKind.CANCELLATION, moved_on=event.moved_on, notified_on=today(),
                        notifier=Notifier(NotifierType.OFFICIO), affected=[(r, befores[r.pk]) for r, _b in plans],
                        reason=reason, office=office, cancels=event,
                        details={"cancelled_receipt_number": event.receipt_number, "cancelled_kind": event.kind})
