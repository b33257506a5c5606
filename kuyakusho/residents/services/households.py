"""世帯変更: head change (世帯主変更), split (世帯分離) and merge (世帯合併)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.actors import Actor
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.text import check_text

from .. import records
from ..models import Event, EventKind, Household, Resident
from .common import (
    check_notified_on,
    check_past_move,
    close_if_empty,
    lock_household,
    lock_members,
    record_event,
    save_resident,
    snapshots_now,
)
from .inputs import Mover, Notifier, clean_notifier
from .members import check_movers, hand_over_head, relationships, require_one_head

if TYPE_CHECKING:
    from kuyakusho.offices.models import Office


def _start(household_id: int, members: Sequence[Mover], moved_on: date, notified_on: date | None,
           notifier: Notifier, also: Sequence[int] = (),
           ) -> tuple[date, Notifier, Household, list[Resident], list[Resident]]:
    notified_on = check_notified_on(notified_on)
    check_past_move(moved_on, notified_on)
    notifier = clean_notifier(notifier)
    household, locked, active = lock_members({m.resident_id: m.version for m in members}, household_id,
                                             also=also)
    residents = check_movers(household, locked, members)
    return notified_on, notifier, household, residents, active


def _apply(pairs: Iterable[tuple[Resident, str]], befores: Mapping[int, dict[str, Any]],
           household: Household | None = None) -> list[tuple[Resident, dict[str, Any]]]:
    """Save the members' new relationships: those losing the head slot first."""
    affected = []
    for resident, rel in sorted(pairs, key=lambda pair: pair[1] == records.HEAD_RELATIONSHIP):
        if household is not None:
            resident.household = household
        resident.relationship = rel
        resident.is_head = rel == records.HEAD_RELATIONSHIP
        save_resident(resident, ["household", "relationship", "is_head"])
        affected.append((resident, befores[resident.pk]))
    return affected


@transaction.atomic
def change_head(
    *, actor: Actor, household_id: int, members: Sequence[Mover], moved_on: date, notifier: Notifier,
    notified_on: date | None = None, reason: str = "", office: Office | None = None,
) -> Event:
    """世帯主変更: every active member listed with their 続柄 to the new head (exactly one 世帯主)."""
    notified_on, notifier, _household, residents, active = _start(household_id, members, moved_on, notified_on,
                                                                  notifier)
    if {r.pk for r in residents} != {m.pk for m in active}:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("世帯員全員の新しい続柄を入力してください。"),
                               field="residents")
    rels = relationships(members, residents, may_be_head=True)
    require_one_head(rels)
    new_head = residents[rels.index(records.HEAD_RELATIONSHIP)]
    if new_head.is_head:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("この人はすでに世帯主です。"), field="residents")
    befores = snapshots_now(residents)
    affected = _apply(list(zip(residents, rels, strict=True)), befores)
    return record_event(actor=actor, kind=EventKind.HEAD_CHANGE, moved_on=moved_on, notified_on=notified_on,
                        notifier=notifier, affected=affected, office=office,
                        reason=check_text(reason, field="reason", max_length=400))


@transaction.atomic
def split_household(
    *, actor: Actor, household_id: int, movers: Sequence[Mover], moved_on: date, notifier: Notifier,
    remaining_head_id: int | None = None, notified_on: date | None = None, reason: str = "",
    office: Office | None = None,
) -> Event:
    """世帯分離: some members form a new household at the same address (one of them its head)."""
    notified_on, notifier, household, residents, active = _start(household_id, movers, moved_on, notified_on,
                                                                 notifier)
    if not {m.pk for m in active} - {r.pk for r in residents}:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("世帯員全員を分離することはできません。"), field="residents")
    rels = relationships(movers, residents, may_be_head=True)
    require_one_head(rels)
    befores = snapshots_now(residents)
    new = Household(town=household.town, chome=household.chome, banchi=household.banchi, go=household.go,
                    katagaki=household.katagaki, established_on=moved_on)
    records.prepare_household(new).save()
    affected = _apply(list(zip(residents, rels, strict=True)), befores, new)
    affected += hand_over_head(household, remaining_head_id)
    return record_event(actor=actor, kind=EventKind.SPLIT, moved_on=moved_on, notified_on=notified_on,
                        notifier=notifier, affected=affected, office=office,
                        reason=check_text(reason, field="reason", max_length=400),
                        details={"from_household": household.pk, "new_household": new.pk})


@transaction.atomic
def merge_households(
    *, actor: Actor, household_id: int, into_household_id: int, members: Sequence[Mover], moved_on: date,
    notifier: Notifier, notified_on: date | None = None, reason: str = "", office: Office | None = None,
) -> Event:
    """世帯合併: every member of a household at the same address joins another household, which goes on."""
    notified_on, notifier, household, residents, active = _start(
        household_id, members, moved_on, notified_on, notifier, also=[into_household_id])
    into = lock_household(into_household_id, field="into_household")
    if into.pk == household.pk:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("同じ世帯とは合併できません。"), field="into_household")
    if (into.town, into.chome, into.banchi, into.go) != (household.town, household.chome, household.banchi,
                                                         household.go):
        raise ApplicationError(ErrorCode.REFUSED, _("住所が異なる世帯とは合併できません（転居届を使ってください）。"),
                               field="into_household")
    if {r.pk for r in residents} != {m.pk for m in active}:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("合併する世帯の世帯員全員を選んでください。"),
                               field="residents")
    rels = relationships(members, residents, may_be_head=False)
    befores = snapshots_now(residents)
    affected = _apply(list(zip(residents, rels, strict=True)), befores, into)
    close_if_empty(household, moved_on)
    return record_event(actor=actor, kind=EventKind.MERGE, moved_on=moved_on, notified_on=notified_on,
                        notifier=notifier, affected=affected, office=office,
                        reason=check_text(reason, field="reason", max_length=400),
                        details={"from_household": household.pk, "into_household": into.pk})
