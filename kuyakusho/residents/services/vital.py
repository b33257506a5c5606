"""出生 and 死亡 (recorded from the family-register notifications)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.actors import Actor
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.text import check_text

from .. import records
from ..models import BecameResidentReason, Event, EventKind, RemovalReason, Resident, Status
from .common import (
    allocate_resident_code,
    check_notified_on,
    check_past_move,
    check_unique_identifiers,
    close_if_empty,
    end_dependent_registrations,
    is_late,
    lock_household,
    lock_members,
    record_event,
    require_active,
    save_resident,
    snapshots_now,
)
from .inputs import NewPerson, Notifier, clean_notifier, clean_person
from .members import hand_over_head

if TYPE_CHECKING:
    from kuyakusho.offices.models import Office


@transaction.atomic
def file_birth(
    *, actor: Actor, household_id: int, child: NewPerson, notifier: Notifier, notified_on: date | None = None,
    reason: str = "", office: Office | None = None,
) -> Event:
    """出生: a child is entered in a household of the ward, as a resident from the day of birth."""
    notified_on = check_notified_on(notified_on)
    data = clean_person(child, today=notified_on)
    check_past_move(data["birth_date"], notified_on, field="birth_date")
    if data["relationship"] == records.HEAD_RELATIONSHIP:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("出生した子を世帯主にはできません。"), field="relationship")
    notifier = clean_notifier(notifier)
    check_unique_identifiers([data])
    household = lock_household(household_id)
    born = data["birth_date"]
    resident = Resident(
        household=household, is_head=False, became_resident_on=born,
        became_resident_reason=BecameResidentReason.BIRTH, address_since=born, address_notified_on=notified_on,
        previous_address="", **{**data, "resident_code": data["resident_code"] or allocate_resident_code()},
    )
    records.prepare_resident(resident).save()
    return record_event(actor=actor, kind=EventKind.BIRTH, moved_on=born, notified_on=notified_on,
                        notifier=notifier, affected=[(resident, None)], late=is_late(born, notified_on, "birth"),
                        office=office, reason=check_text(reason, field="reason", max_length=400))


@transaction.atomic
def file_death(
    *, actor: Actor, resident_id: int, version: int, died_on: date, notifier: Notifier,
    remaining_head_id: int | None = None, notified_on: date | None = None, reason: str = "",
    office: Office | None = None,
) -> Event:
    """死亡: the record is removed (除票) from the day of death; a new head is named if the head died."""
    notified_on = check_notified_on(notified_on)
    check_past_move(died_on, notified_on, field="died_on")
    notifier = clean_notifier(notifier)
    household, locked, _members = lock_members({resident_id: version})
    resident = locked[resident_id]
    require_active(resident, field="resident")
    if died_on < resident.birth_date:
        raise ApplicationError(ErrorCode.INVALID_DATE, _("死亡日が生年月日より前です。"), field="died_on")
    if household.closed_on is not None:
        raise ApplicationError(ErrorCode.CLOSED, _("この世帯はすでに消滅しています。"), field="household")
    before = snapshots_now([resident])[resident.pk]
    resident.status = Status.REMOVED
    resident.removed_on = died_on
    resident.removal_reason = RemovalReason.DEATH
    save_resident(resident, ["status", "removed_on", "removal_reason"])
    end_dependent_registrations(actor=actor, resident=resident, on=died_on)
    affected = [(resident, before)]
    affected += hand_over_head(household, remaining_head_id)
    close_if_empty(household, died_on)
    return record_event(actor=actor, kind=EventKind.DEATH, moved_on=died_on, notified_on=notified_on,
                        notifier=notifier, affected=affected, office=office,
                        reason=check_text(reason, field="reason", max_length=400))
