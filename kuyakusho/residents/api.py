"""The register as JSON: search, open with a purpose, history, households, every notification, corrections.

Same permissions as the console (``core.access.api_staff``; the capability is also checked before the
body is parsed, so a refused caller gets 403, not 422) and the same audit (the services and selectors).
"""

from datetime import date
from enum import StrEnum
from typing import Any

from django.utils import timezone
from ninja import Query, Router, Schema, Status

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.accounts.capabilities import Capability
from kuyakusho.core.access import api_staff
from kuyakusho.core.wareki import parse_date

from . import records, selectors, services
from .models import Event
from .purpose import MY_NUMBER_PURPOSE, mask_my_number
from .schemas import (
    AbroadInIn,
    BirthIn,
    CancelIn,
    CorrectionIn,
    DeathIn,
    EventOut,
    HeadChangeIn,
    HistoryOut,
    HouseholdOut,
    MergeIn,
    MoveInIn,
    MoveOutIn,
    MoveWithinIn,
    ResidentOut,
    SearchOut,
    SplitIn,
    StateOut,
)

router = Router(tags=["residents"])
C = Capability
#: Why the record is read (閲覧の目的): the enumerated values appear in the OpenAPI schema.
# built from the register's purposes at import: mypy reads only literal members (the values are checked at run time)
Purpose = StrEnum("Purpose", {p.upper(): p for p in records.ViewPurpose.values})  # type: ignore[misc]


class MyNumberPurpose(StrEnum):
    """The only purpose for which the full 個人番号 is shown: 個人番号利用事務."""

    MY_NUMBER_USE = MY_NUMBER_PURPOSE


class MyNumberOut(Schema):
    id: int
    my_number: str


# Authentication and the capability check run before the body is parsed: kuyakusho.core.api.enforce_declared_access.


class SearchIn(Schema):
    purpose: Purpose  # 閲覧の目的: recorded with each person listed
    kana: str = ""
    name: str = ""
    birth_date: str = ""
    town: str = ""
    chome: int | None = None
    banchi: str = ""
    building: str = ""
    resident_code: str = ""
    include_removed: bool = False
    page: int = 1
    per_page: int = 20


def _event(event: Event) -> dict:
    return {"id": event.pk, "receipt_number": event.receipt_number, "kind": event.kind,
            "kind_label": str(event.get_kind_display()), "moved_on": event.moved_on,
            "notified_on": event.notified_on, "late": event.late,
            "resident_ids": list(event.entries.order_by("id").values_list("resident_id", flat=True))}


def _member(m) -> dict:
    return {"id": m.pk, "name": m.name, "name_kana": m.name_kana, "relationship": m.relationship,
            "is_head": m.is_head, "birth_date": m.birth_date, "version": m.version}


def _common(payload) -> dict:
    return {"notifier": payload.notifier.build(), "notified_on": payload.notified_on, "reason": payload.reason}


@router.get("/search", response=SearchOut,
            summary="住民の検索（フリガナ・氏名・生年月日・住所・住民票コード）/ Search residents")
@api_staff(C.VIEW_RESIDENT)
def search(request: StaffRequest, filters: Query[SearchIn]) -> dict[str, Any]:
    data = filters.dict()
    page, per_page = data.pop("page"), data.pop("per_page")
    purpose = data.pop("purpose")
    result = selectors.search_residents(user=request.user, criteria=selectors.SearchCriteria(**data), page=page,
                                        per_page=per_page, purpose=purpose)
    return {"results": [vars(r) for r in result.results], "page": result.page, "per_page": result.per_page,
            "has_next": result.has_next}


@router.get("/households/{int:household_id}", response=HouseholdOut,
            summary="世帯と世帯員（閲覧目的が必要）/ A household and its members (purpose required)")
@api_staff(C.VIEW_RESIDENT)
def household(request: StaffRequest, household_id: int, purpose: Purpose) -> dict[str, Any]:
    hh, members = selectors.open_household(user=request.user, household_id=household_id, purpose=purpose.value)
    return {"id": hh.pk, "address": hh.address, "established_on": hh.established_on, "closed_on": hh.closed_on,
            "version": hh.version, "members": [_member(m) for m in members]}


def _masked(items: dict | None) -> dict | None:
    """A 住民票's items with the 個人番号 masked to its last four digits (the full number: ``/my-number``)."""
    if items is None:
        return None
    return {**items, "my_number": mask_my_number(items.get("my_number"))} if "my_number" in items else items


@router.get("/{int:resident_id}", response=ResidentOut,
            summary="住民票の全項目（閲覧目的が必要・監査記録・個人番号は下4桁）/ A resident's record (purpose "
                    "required, audited; My Number masked to its last four digits)")
@api_staff(C.VIEW_RESIDENT)
def resident(request: StaffRequest, resident_id: int, purpose: Purpose) -> dict[str, Any]:
    record = selectors.open_resident(user=request.user, resident_id=resident_id, purpose=purpose.value)
    r = record.resident
    items = _masked(records.make_snapshot(r, record.household,
                                          head_name=next((m.name for m in record.members if m.is_head), None)))
    return {"id": r.pk, "version": r.version, "household_id": r.household_id, "items": items,
            "removed": r.is_removed_on(timezone.localdate()), "members": [_member(m) for m in record.members]}


@router.get("/{int:resident_id}/history", response=list[HistoryOut],
            summary="異動の履歴 / The resident's events (purpose required, audited)")
@api_staff(C.VIEW_RESIDENT)
def history(request: StaffRequest, resident_id: int, purpose: Purpose) -> list[Any]:
    record = selectors.open_resident(user=request.user, resident_id=resident_id, purpose=purpose.value,
                                     with_members=False)
    return [{"event_id": i.event.pk, "receipt_number": i.event.receipt_number, "kind": i.event.kind,
             "kind_label": str(i.event.get_kind_display()), "moved_on": i.event.moved_on,
             "notified_on": i.event.notified_on, "late": i.event.late, "cancelled": i.cancelled,
             "changes": i.changes, "snapshot": _masked(i.entry.snapshot)} for i in record.history]


@router.get("/{int:resident_id}/on/{on}", response=StateOut,
            summary="指定日現在の住民票（履歴から再構成）/ The record as it stood on a date")
@api_staff(C.VIEW_RESIDENT)
def state_on(request: StaffRequest, resident_id: int, on: date, purpose: Purpose) -> dict[str, Any]:
    selectors.open_resident(user=request.user, resident_id=resident_id, purpose=purpose.value, with_members=False)
    state = selectors.resident_on(resident_id, on)
    return {"on": on, "items": _masked(state.values) if state else None,
            "resident": bool(state and state.is_resident_on(on))}


@router.get("/{int:resident_id}/my-number", response=MyNumberOut,
            summary="個人番号（個人番号利用事務に限る・監査記録）/ The full My Number (for the My Number "
                    "administration only, audited)")
@api_staff(C.VIEW_RESIDENT)
def my_number(request: StaffRequest, resident_id: int, purpose: MyNumberPurpose) -> dict[str, Any]:
    resident = selectors.open_my_number(user=request.user, resident_id=resident_id, purpose=purpose.value)
    return {"id": resident.pk, "my_number": resident.my_number}


@router.post("/move-in", response={201: EventOut}, summary="転入届 / Move-in from another municipality")
@api_staff(C.FILE_NOTIFICATION)
def move_in(request: StaffRequest, payload: MoveInIn) -> Status:
    c = payload.certificate
    event = services.file_move_in(
        actor=request.user, people=[p.build() for p in payload.people], moved_on=payload.moved_on,
        certificate=services.TransferCertificate(c.municipality, c.address, c.issued_on, c.planned_move_on),
        special=payload.special, address=payload.address.build() if payload.address else None,
        join_household_id=payload.join_household_id, **_common(payload))
    return Status(201, _event(event))


@router.post("/abroad-in", response={201: EventOut}, summary="国外転入 / Move-in from abroad")
@api_staff(C.FILE_NOTIFICATION)
def abroad_in(request: StaffRequest, payload: AbroadInIn) -> Status:
    event = services.file_abroad_in(
        actor=request.user, people=[p.build() for p in payload.people], moved_on=payload.moved_on,
        from_country=payload.from_country, previous_address=payload.previous_address,
        address=payload.address.build() if payload.address else None, join_household_id=payload.join_household_id,
        **_common(payload))
    return Status(201, _event(event))


@router.post("/move-within", response={201: EventOut}, summary="転居届 / Move within the ward")
@api_staff(C.FILE_NOTIFICATION)
def move_within(request: StaffRequest, payload: MoveWithinIn) -> Status:
    event = services.file_move_within(
        actor=request.user, household_id=payload.household_id, movers=[m.build() for m in payload.movers],
        moved_on=payload.moved_on, address=payload.address.build() if payload.address else None,
        join_household_id=payload.join_household_id, remaining_head_id=payload.remaining_head_id,
        **_common(payload))
    return Status(201, _event(event))


@router.post("/move-out", response={201: EventOut},
             summary="転出届（転出証明書を作成）/ Move-out (produces a 転出証明書)")
@api_staff(C.FILE_NOTIFICATION)
def move_out(request: StaffRequest, payload: MoveOutIn) -> Status:
    event = services.file_move_out(
        actor=request.user, household_id=payload.household_id, movers=[m.build() for m in payload.movers],
        planned_move_on=payload.planned_move_on, destination=payload.destination,
        remaining_head_id=payload.remaining_head_id, **_common(payload))
    return Status(201, _event(event))


@router.post("/abroad-out", response={201: EventOut}, summary="国外転出 / Move abroad")
@api_staff(C.FILE_NOTIFICATION)
def abroad_out(request: StaffRequest, payload: MoveOutIn) -> Status:
    event = services.file_abroad_out(
        actor=request.user, household_id=payload.household_id, movers=[m.build() for m in payload.movers],
        planned_move_on=payload.planned_move_on, destination_country=payload.destination,
        remaining_head_id=payload.remaining_head_id, **_common(payload))
    return Status(201, _event(event))


@router.post("/birth", response={201: EventOut}, summary="出生 / Birth")
@api_staff(C.FILE_NOTIFICATION)
def birth(request: StaffRequest, payload: BirthIn) -> Status:
    event = services.file_birth(actor=request.user, household_id=payload.household_id, child=payload.child.build(),
                                **_common(payload))
    return Status(201, _event(event))


@router.post("/death", response={201: EventOut}, summary="死亡 / Death")
@api_staff(C.FILE_NOTIFICATION)
def death(request: StaffRequest, payload: DeathIn) -> Status:
    event = services.file_death(actor=request.user, resident_id=payload.resident_id, version=payload.version,
                                died_on=payload.died_on, remaining_head_id=payload.remaining_head_id,
                                **_common(payload))
    return Status(201, _event(event))


@router.post("/head-change", response={201: EventOut}, summary="世帯主変更 / Change of household head")
@api_staff(C.FILE_NOTIFICATION)
def head_change(request: StaffRequest, payload: HeadChangeIn) -> Status:
    event = services.change_head(actor=request.user, household_id=payload.household_id,
                                 members=[m.build() for m in payload.members], moved_on=payload.moved_on,
                                 **_common(payload))
    return Status(201, _event(event))


@router.post("/split", response={201: EventOut}, summary="世帯分離 / Household split")
@api_staff(C.FILE_NOTIFICATION)
def split(request: StaffRequest, payload: SplitIn) -> Status:
    event = services.split_household(actor=request.user, household_id=payload.household_id,
                                     movers=[m.build() for m in payload.movers], moved_on=payload.moved_on,
                                     remaining_head_id=payload.remaining_head_id, **_common(payload))
    return Status(201, _event(event))


@router.post("/merge", response={201: EventOut}, summary="世帯合併 / Household merge")
@api_staff(C.FILE_NOTIFICATION)
def merge(request: StaffRequest, payload: MergeIn) -> Status:
    event = services.merge_households(actor=request.user, household_id=payload.household_id,
                                      into_household_id=payload.into_household_id,
                                      members=[m.build() for m in payload.members], moved_on=payload.moved_on,
                                      **_common(payload))
    return Status(201, _event(event))


@router.post("/{int:resident_id}/correction", response={201: EventOut},
             summary="職権修正（理由が必要）/ Ex officio correction (reason required)")
@api_staff(C.CORRECT_RECORD)
def correction(request: StaffRequest, resident_id: int, payload: CorrectionIn) -> Status:
    changes: dict[str, object] = dict(payload.changes)
    for key in records.DATE_FIELDS & set(changes):
        if changes[key]:
            changes[key] = parse_date(str(changes[key]), field=key)
    event = services.correct_record(actor=request.user, resident_id=resident_id, version=payload.version,
                                    changes=changes, reason=payload.reason, corrected_on=payload.corrected_on)
    return Status(201, _event(event))


@router.post("/events/{int:event_id}/cancel", response={201: EventOut},
             summary="異動の取消（元の記載に戻す）/ Cancel a wrongly entered event")
@api_staff(C.CANCEL_NOTIFICATION)
def cancel(request: StaffRequest, event_id: int, payload: CancelIn) -> Status:
    event = services.cancel_event(actor=request.user, event_id=event_id, reason=payload.reason,
                                  versions=payload.versions)
    return Status(201, _event(event))
