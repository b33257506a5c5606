"""Shared steps of every notification: locks and versions, receipt numbers, codes, the event and its audit."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuyakusho.audit.services import record_write
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.identifiers import resident_code_check_digit
from kuyakusho.core.wareki import fiscal_year

from .. import records
from ..models import Event, EventEntry, Household, ReceiptCounter, Resident, Status
from .inputs import Notifier

#: 転入・転居 and 出生 are due within 14 days (住基法22条・23条, 戸籍法49条).
NOTIFICATION_PERIOD_DAYS = 14


def today() -> date:
    return timezone.localdate()


def is_late(moved_on: date, notified_on: date) -> bool:
    return (notified_on - moved_on) > timedelta(days=NOTIFICATION_PERIOD_DAYS)


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


def lock_residents(versions: dict[int, int]) -> dict[int, Resident]:
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
    for pk, version in versions.items():
        resident = locked.get(pk)
        if resident is None:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("住民が見つかりません。"), field="residents")
        if version is not None and resident.version != version:
            raise _conflict(resident, version)
    return locked


def lock_household(household_id: int, *, field: str = "household") -> Household:
    household = Household.objects.select_for_update(no_key=True).filter(pk=household_id).first()
    if household is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("世帯が見つかりません。"), field=field)
    if household.closed_on is not None:
        raise ApplicationError(ErrorCode.CLOSED, _("この世帯はすでに消滅しています。"), field=field)
    return household


def require_active(resident: Resident, *, field: str = "residents") -> None:
    if resident.status != Status.ACTIVE:
        if resident.removed_on and resident.removed_on > today():
            message = _("この住民は転出などの届出済みです（消除予定）。誤りなら異動の取消をしてください。")
        else:
            message = _("この住民はすでに消除されています（除票）。")
        raise ApplicationError(ErrorCode.REFUSED, message, field=field, extra={"resident_id": resident.pk})


def active_members(household: Household) -> list[Resident]:
    return list(household.members.select_for_update(no_key=True).filter(status=Status.ACTIVE).order_by("pk"))


def _head_name(household: Household) -> str:
    """The head's name (the active head; for a closed household, its last head)."""
    return (household.members.filter(is_head=True).order_by("status", "-pk").values_list("name", flat=True).first()
            or "")


# --- identifiers -------------------------------------------------------------------------------


def allocate_resident_code() -> str:
    """A new 住民票コード: 10 random digits (no leading zero) + check digit, unused."""
    while True:
        first10 = str(secrets.randbelow(9_000_000_000) + 1_000_000_000)
        code = first10 + resident_code_check_digit(first10)
        if not Resident.objects.filter(resident_code=code).exists():
            return code


def check_unique_identifiers(people: Sequence[dict], *, exclude_id: int | None = None, prefix: str = "") -> None:
    """Refuse a My Number, 住民票コード or residence card number already on the register (or typed twice)."""
    labels = {"my_number": _("この個人番号はすでに別の住民に記載されています。"),
              "resident_code": _("この住民票コードはすでに別の住民に記載されています。"),
              "residence_card_number": _("この在留カード等の番号はすでに別の住民に記載されています。")}
    for field, message in labels.items():
        seen: set[str] = set()
        for i, person in enumerate(people):
            value = person.get(field)
            if not value:
                continue
            name = f"{prefix.format(i=i)}{field}"
            if value in seen:
                raise ApplicationError(ErrorCode.DUPLICATE, message, field=name)
            seen.add(value)
            # The exclude repeats the partial unique index's condition, so SQLite uses that index too.
            qs = Resident.objects.filter(**{field: value}).exclude(**{field: ""})
            if exclude_id is not None:
                qs = qs.exclude(pk=exclude_id)
            if qs.exists():
                raise ApplicationError(ErrorCode.DUPLICATE, message, field=name)


# --- receipt numbers ---------------------------------------------------------------------------


def next_receipt(notified_on: date) -> tuple[int, int]:
    """(fiscal year, serial) of a new 受付番号; the counter row is updated in the caller's transaction."""
    fy = fiscal_year(notified_on)
    for _attempt in range(3):
        if ReceiptCounter.objects.filter(fiscal_year=fy).update(last=F("last") + 1):
            return fy, ReceiptCounter.objects.get(fiscal_year=fy).last
        try:
            with transaction.atomic():
                ReceiptCounter.objects.create(fiscal_year=fy, last=1)
            return fy, 1
        except IntegrityError:  # another clerk created the year's counter first: take the next number
            continue
    raise ApplicationError(ErrorCode.CONFLICT, _("受付番号を採番できませんでした。もう一度操作してください。"))


# --- the event ---------------------------------------------------------------------------------


def record_event(
    *,
    actor,
    kind: str,
    moved_on: date,
    notified_on: date,
    notifier: Notifier,
    affected: Iterable[tuple[Resident, dict | None]],
    reason: str = "",
    late: bool = False,
    office=None,
    details: dict | None = None,
    cancels: Event | None = None,
) -> Event:
    """Create the event, one entry per affected resident (state AFTER), bump versions, audit each change.

    ``affected``: (resident already saved with its new state, snapshot before or None for a new person).
    """
    fy, serial = next_receipt(notified_on)
    event = Event.objects.create(
        kind=kind, moved_on=moved_on, notified_on=notified_on, fiscal_year=fy, serial=serial,
        notifier_type=notifier.type, notifier_name=notifier.name, letter_of_authority=notifier.letter_of_authority,
        reason=reason, late=late, clerk=actor if getattr(actor, "pk", None) else None, office=office,
        details=details or {}, cancels=cancels,
    )
    heads: dict[int, str] = {}
    for resident, before in affected:
        if before is not None:  # a new person starts at version 1
            Resident.objects.filter(pk=resident.pk).update(version=F("version") + 1)
            resident.version += 1
        household = resident.household
        if household.pk not in heads:
            heads[household.pk] = _head_name(household)
        after = records.make_snapshot(resident, household, head_name=heads[household.pk])
        EventEntry.objects.create(event=event, resident=resident, household=household, snapshot=after,
                                  version=resident.version)
        record_write(
            actor=actor, action=f"residents.{kind}", target=event, subject_id=resident.pk,
            changes=records.changed_fields(before or {}, after),
            detail={"receipt_number": event.receipt_number, "moved_on": moved_on.isoformat(), "late": late},
        )
    return event


def save_resident(resident: Resident) -> Resident:
    records.prepare_resident(resident)
    resident.save()
    return resident


def snapshot_now(resident: Resident) -> dict:
    return records.make_snapshot(resident, resident.household, head_name=_head_name(resident.household))


def close_if_empty(household: Household, on: date) -> bool:
    """Close the household when no active member remains (its last member's removal takes effect ``on``)."""
    if household.members.filter(status=Status.ACTIVE).exists():
        return False
    household.closed_on = max(on, household.established_on)
    household.version += 1
    household.save(update_fields=["closed_on", "version", "updated_at"])
    return True


def end_dependent_registrations(*, actor, resident: Resident, on) -> None:
    """What a removal ends in other registers, in the same transaction: the seal registration (印鑑登録)."""
    from kuyakusho.seals.services import abolish_for_removal

    abolish_for_removal(actor=actor, resident=resident, on=on)
