"""Membership rules shared by moves and household changes: who moves, relationships, the one head."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from kuyakusho.core.errors import ApplicationError, ErrorCode

from .. import records
from ..models import Household, Resident
from .common import active_members, require_active, save_resident, snapshot_now
from .inputs import Mover, clean_relationship


def check_movers(household: Household, locked: dict[int, Resident], movers: Sequence[Mover]) -> list[Resident]:
    """The movers' residents, each an active member of ``household``; no one twice."""
    if len({m.resident_id for m in movers}) != len(movers):
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("同じ住民が二度選ばれています。"), field="residents")
    result = []
    for mover in movers:
        resident = locked[mover.resident_id]
        if resident.household_id != household.pk:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("この世帯の世帯員ではない住民が含まれています。"),
                                   field="residents")
        require_active(resident)
        result.append(resident)
    return result


def new_relationship(mover: Mover, resident: Resident, *, may_be_head: bool, index: int) -> str:
    """The 続柄 the mover takes in the destination household."""
    field = f"residents.{index}.relationship"
    value = clean_relationship(mover.relationship, field=field) if mover.relationship else resident.relationship
    if value == records.HEAD_RELATIONSHIP and not may_be_head:
        raise ApplicationError(ErrorCode.INVALID_INPUT,
                               _("移る先の世帯には世帯主がいます。世帯主以外の続柄を選んでください。"), field=field)
    return value


def require_one_head(relationships: Sequence[str]) -> None:
    heads = sum(1 for r in relationships if r == records.HEAD_RELATIONSHIP)
    if heads != 1:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("新しい世帯の世帯主を一人だけ選んでください。"),
                               field="residents")


def hand_over_head(
    household: Household, remaining_head_id: int | None, remaining_relationships: Mapping[int, str] | None = None,
) -> list[tuple[Resident, dict[str, Any]]]:
    """After members left ``household`` (saved): if its head left and others remain, make the new head.

    With one member left, that member becomes head without being named. Returns the changed
    residents with their state before.
    """
    remaining = active_members(household)
    if not remaining or any(r.is_head for r in remaining):
        if remaining_head_id and not any(r.pk == remaining_head_id and r.is_head for r in remaining):
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("世帯主が残るので、新しい世帯主は指定できません。"),
                                   field="remaining_head")
        return []
    if remaining_head_id is None and len(remaining) == 1:
        remaining_head_id = remaining[0].pk
    new_head = next((r for r in remaining if r.pk == remaining_head_id), None)
    if new_head is None:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("残る世帯員の中から新しい世帯主を選んでください。"),
                               field="remaining_head")
    before = snapshot_now(new_head)
    new_head.is_head = True
    new_head.relationship = records.HEAD_RELATIONSHIP
    save_resident(new_head, ["is_head", "relationship"])
    changed = [(new_head, before)]
    for resident in remaining:
        rel = (remaining_relationships or {}).get(resident.pk)
        if resident is not new_head and rel:
            before = snapshot_now(resident)
            resident.relationship = clean_relationship(rel, field="remaining_relationships")
            if resident.relationship == records.HEAD_RELATIONSHIP:
                raise ApplicationError(ErrorCode.INVALID_INPUT, _("新しい世帯主を一人だけ選んでください。"),
                                       field="remaining_relationships")
            save_resident(resident, ["relationship"])
            changed.append((resident, before))
    return changed


def relationships(movers: Sequence[Mover], residents: Sequence[Resident], *, may_be_head: bool) -> list[str]:
    return [new_relationship(m, r, may_be_head=may_be_head, index=i)
            for i, (m, r) in enumerate(zip(movers, residents, strict=True))]
