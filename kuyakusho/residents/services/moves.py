"""転入・国外転入 (people enter the register), 転居 (a move inside the ward), 転出・国外転出."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.actors import Actor
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.text import check_text
from kuyakusho.core.ward import ward

from .. import records
from ..models import (
    BecameResidentReason,
    Event,
    EventKind,
    Household,
    MoveOutCertificate,
    RemovalReason,
    Resident,
    Status,
)
from .common import (
    allocate_resident_codes,
    check_notified_on,
    check_past_move,
    check_unique_identifiers,
    close_if_empty,
    end_dependent_registrations,
    is_late,
    lock_household,
    lock_members,
    record_event,
    save_resident,
    snapshots_now,
    today,
)
from .inputs import (
    Address,
    Mover,
    NewPerson,
    Notifier,
    TransferCertificate,
    clean_address,
    clean_notifier,
    clean_person,
)
from .members import check_movers, hand_over_head, relationships, require_one_head

if TYPE_CHECKING:
    from kuyakusho.offices.models import Office

#: 特例転入: the move-in must follow the planned move date of the 転出届 within 30 days (住基法24条の2).
SPECIAL_MOVE_IN_DAYS = 30
#: A 転出届 may be filed at most this many days before the planned move.
MOVE_OUT_ADVANCE_DAYS = 14


def _check_certificate(certificate: TransferCertificate | None, *, special: bool, moved_on: date,
                       notified_on: date) -> dict[str, Any]:
    if certificate is None:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("転出証明書の内容を入力してください。"),
                               field="certificate_issued_on")
    municipality = check_text(certificate.municipality or "", field="previous_municipality", max_length=64)
    if not municipality:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("転出元の市区町村を入力してください。"),
                               field="previous_municipality")
    address = check_text(certificate.address or "", field="previous_address", max_length=136)
    if not address:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("前住所を入力してください。"), field="previous_address")
    if ward().is_this_ward(municipality):
        raise ApplicationError(ErrorCode.REFUSED, _("%(ward)s内からの移動は転居届です。") % {"ward": ward().name()},
                               field="previous_municipality")
    if certificate.issued_on > today():
        raise ApplicationError(ErrorCode.INVALID_DATE, _("転出証明書の交付日が未来の日付です。"),
                               field="certificate_issued_on")
    if certificate.issued_on > notified_on:
        raise ApplicationError(ErrorCode.INVALID_DATE, _("転出証明書の交付日が届出日より後になっています。"),
                               field="certificate_issued_on")
    if certificate.planned_move_on < certificate.issued_on - timedelta(days=14):
        raise ApplicationError(ErrorCode.INVALID_DATE, _("転出予定日が転出証明書の交付日と合いません。"),
                               field="planned_move_on")
    if special and moved_on > certificate.planned_move_on + timedelta(days=SPECIAL_MOVE_IN_DAYS):
        raise ApplicationError(
            ErrorCode.REFUSED,
            _("転出予定日から30日を過ぎているため特例転入はできません。転出証明書を取得してください。"),
            field="moved_on",
        )
    return {"municipality": municipality, "address": address, "issued_on": certificate.issued_on.isoformat(),
            "planned_move_on": certificate.planned_move_on.isoformat(), "special": special}


def _enter(
    *, actor: Actor, kind: str, reason_code: str, people: Sequence[NewPerson], address: Address | None,
    join_household_id: int | None, moved_on: date, notified_on: date, notifier: Notifier, previous_address: str,
    details: dict[str, Any], reason: str, office: Office | None,
) -> Event:
    if not people:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("届出をする人を一人以上入力してください。"), field="people")
    day = today()
    cleaned = [clean_person(p, today=min(day, moved_on), prefix=f"people.{i}.") for i, p in enumerate(people)]
    check_unique_identifiers(cleaned, prefix="people.{i}.")
    if details.get("special") and any(not p["my_number"] for p in cleaned):
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("特例転入ではマイナンバーカードの個人番号が必要です。"),
                               field="people.0.my_number")
    relationships = [p["relationship"] for p in cleaned]
    if join_household_id is not None:
        household = lock_household(join_household_id)
        if any(r == records.HEAD_RELATIONSHIP for r in relationships):
            raise ApplicationError(ErrorCode.INVALID_INPUT,
                                   _("移る先の世帯には世帯主がいます。世帯主以外の続柄を選んでください。"),
                                   field="people.0.relationship")
    else:
        require_one_head(relationships)
        if address is None:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("住所を入力してください。"), field="town")
        household = Household(**clean_address(address), established_on=moved_on)
        records.prepare_household(household).save()
    # The head first, so that the others' snapshots carry the head's name.
    ordered = sorted(cleaned, key=lambda p: p["relationship"] != records.HEAD_RELATIONSHIP)
    codes = iter(allocate_resident_codes(sum(1 for data in ordered if not data["resident_code"])))
    residents = [
        records.prepare_resident(Resident(
            household=household, is_head=data["relationship"] == records.HEAD_RELATIONSHIP,
            became_resident_on=moved_on, became_resident_reason=reason_code, address_since=moved_on,
            address_notified_on=notified_on, previous_address=previous_address,
            **{**data, "resident_code": data["resident_code"] or next(codes)},
        ))
        for data in ordered
    ]
    Resident.objects.bulk_create(residents)  # in this order: ids as if saved one by one
    affected = [(resident, None) for resident in residents]
    return record_event(actor=actor, kind=kind, moved_on=moved_on, notified_on=notified_on, notifier=notifier,
                        affected=affected, reason=reason, late=is_late(moved_on, notified_on, "move_in"), office=office,
                        details=details)


@transaction.atomic
def file_move_in(
    *, actor: Actor, people: Sequence[NewPerson], moved_on: date, notifier: Notifier, certificate: TransferCertificate,
    address: Address | None = None, join_household_id: int | None = None, special: bool = False,
    notified_on: date | None = None, reason: str = "", office: Office | None = None,
) -> Event:
    """転入: people from another municipality, with their 転出証明書 (or 特例転入 by My Number card)."""
    notified_on = check_notified_on(notified_on)
    check_past_move(moved_on, notified_on)
    notifier = clean_notifier(notifier)
    cert = _check_certificate(certificate, special=special, moved_on=moved_on, notified_on=notified_on)
    previous = f"{cert['municipality']}{cert['address']}"
    return _enter(actor=actor, kind=EventKind.MOVE_IN, reason_code=BecameResidentReason.MOVE_IN, people=people,
                  address=address, join_household_id=join_household_id, moved_on=moved_on, notified_on=notified_on,
                  notifier=notifier, previous_address=previous, details={"certificate": cert, "special": special},
                  reason=check_text(reason, field="reason", max_length=400), office=office)


@transaction.atomic
def file_abroad_in(
    *, actor: Actor, people: Sequence[NewPerson], moved_on: date, notifier: Notifier, from_country: str,
    previous_address: str = "", address: Address | None = None, join_household_id: int | None = None,
    notified_on: date | None = None, reason: str = "", office: Office | None = None,
) -> Event:
    """国外転入: people coming to live in the ward from abroad."""
    notified_on = check_notified_on(notified_on)
    check_past_move(moved_on, notified_on)
    notifier = clean_notifier(notifier)
    country = check_text(from_country or "", field="from_country", max_length=64)
    if not country:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("転入前の国・地域を入力してください。"), field="from_country")
    extra = check_text(previous_address or "", field="previous_address", max_length=128)
    previous = f"国外（{country}）{extra}"
    return _enter(actor=actor, kind=EventKind.ABROAD_IN, reason_code=BecameResidentReason.ABROAD_IN, people=people,
                  address=address, join_household_id=join_household_id, moved_on=moved_on, notified_on=notified_on,
                  notifier=notifier, previous_address=previous, details={"from_country": country},
                  reason=check_text(reason, field="reason", max_length=400), office=office)


@transaction.atomic
def file_move_within(
    *, actor: Actor, household_id: int, movers: Sequence[Mover], moved_on: date, notifier: Notifier,
    address: Address | None = None, join_household_id: int | None = None, remaining_head_id: int | None = None,
    notified_on: date | None = None, reason: str = "", office: Office | None = None,
) -> Event:
    """転居: members move to another address in the ward (the whole household, or some into a new/other household)."""
    notified_on = check_notified_on(notified_on)
    check_past_move(moved_on, notified_on)
    notifier = clean_notifier(notifier)
    household, locked, members = lock_members({m.resident_id: m.version for m in movers}, household_id,
                                              also=[join_household_id])
    residents = check_movers(household, locked, movers)
    befores = snapshots_now(residents)
    old_address = household.address
    everyone = {m.pk for m in members}
    moving = {r.pk for r in residents}
    if join_household_id is not None:
        target = lock_household(join_household_id, field="join_household")
        if target.pk == household.pk:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("同じ世帯には転居できません。"), field="join_household")
        if target.address == old_address:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("同じ住所の世帯に移るときは世帯合併です。"),
                                   field="join_household")
        rels = relationships(movers, residents, may_be_head=False)
    else:
        if address is None:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("新しい住所を入力してください。"), field="town")
        fields = clean_address(address)
        target = Household(**fields, established_on=moved_on)
        records.prepare_household(target)
        if target.address == old_address:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("新しい住所が今の住所と同じです。"), field="banchi")
        if moving == everyone:  # the whole household moves: same household, new address
            target = household
            for key, value in fields.items():
                setattr(household, key, value)
            records.prepare_household(household)
            household.version += 1
            household.save(update_fields=[*fields, "katagaki_key", "version", "updated_at"])
            rels = [r.relationship for r in residents]
        else:
            target.save()
            rels = relationships(movers, residents, may_be_head=True)
            require_one_head(rels)
    affected = []
    # Leave the old household's head slot first (the one-head constraint), then take the new ones.
    order = sorted(zip(residents, rels, strict=True), key=lambda pair: pair[1] == records.HEAD_RELATIONSHIP)
    for resident, rel in order:
        resident.household = target
        resident.relationship = rel
        resident.is_head = rel == records.HEAD_RELATIONSHIP
        resident.previous_address = old_address
        resident.address_since = moved_on
        resident.address_notified_on = notified_on
        save_resident(resident, ["household", "relationship", "is_head", "previous_address", "address_since",
                                 "address_notified_on"])
        affected.append((resident, befores[resident.pk]))
    if target is not household:
        affected += hand_over_head(household, remaining_head_id)
        close_if_empty(household, moved_on)
    return record_event(actor=actor, kind=EventKind.MOVE_WITHIN, moved_on=moved_on, notified_on=notified_on,
                        notifier=notifier, affected=affected, office=office,
                        late=is_late(moved_on, notified_on, "move_within"),
                        reason=check_text(reason, field="reason", max_length=400),
                        details={"from": old_address, "to": target.address})


def _leave(
    *, actor: Actor, kind: str, removal: str, household_id: int, movers: Sequence[Mover], moved_on: date,
    destination: str, notifier: Notifier, remaining_head_id: int | None, notified_on: date | None, reason: str,
    office: Office | None, advance_days: int,
) -> tuple[Event, list[Resident]]:
    notified_on = check_notified_on(notified_on)
    notifier = clean_notifier(notifier)
    if moved_on > notified_on + timedelta(days=advance_days):
        raise ApplicationError(ErrorCode.INVALID_DATE, _("転出予定日は届出日から14日以内の日付にしてください。"),
                               field="moved_on")
    destination = check_text(destination or "", field="destination", max_length=200)
    if not destination:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("転出先を入力してください。"), field="destination")
    if ward().is_this_ward(destination):
        raise ApplicationError(ErrorCode.REFUSED, _("%(ward)s内への移動は転居届です。") % {"ward": ward().name()},
                               field="destination")
    household, locked, _members = lock_members({m.resident_id: m.version for m in movers}, household_id)
    residents = check_movers(household, locked, movers)
    befores = snapshots_now(residents)
    for resident in residents:
        resident.status = Status.REMOVED
        resident.removed_on = moved_on
        resident.removal_reason = removal
        resident.destination = destination
        save_resident(resident, ["status", "removed_on", "removal_reason", "destination"])
        end_dependent_registrations(actor=actor, resident=resident, on=moved_on)
    affected = [(r, befores[r.pk]) for r in residents]
    affected += hand_over_head(household, remaining_head_id)
    close_if_empty(household, moved_on)
    event = record_event(actor=actor, kind=kind, moved_on=moved_on, notified_on=notified_on, notifier=notifier,
                         affected=affected, late=is_late(moved_on, notified_on, "move_out"), office=office,
                         reason=check_text(reason, field="reason", max_length=400),
                         details={"destination": destination, "from": household.address})
    return event, residents


@transaction.atomic
def file_move_out(
    *, actor: Actor, household_id: int, movers: Sequence[Mover], planned_move_on: date, destination: str,
    notifier: Notifier, remaining_head_id: int | None = None, notified_on: date | None = None, reason: str = "",
    office: Office | None = None,
) -> Event:
    """転出: members leave for another municipality on ``planned_move_on`` (residents until then).

    Their records are marked removed from that date and a 転出証明書 is produced.
    """
    event, _residents = _leave(
        actor=actor, kind=EventKind.MOVE_OUT, removal=RemovalReason.MOVE_OUT, household_id=household_id,
        movers=movers, moved_on=planned_move_on, destination=destination, notifier=notifier,
        remaining_head_id=remaining_head_id, notified_on=notified_on, reason=reason, office=office,
        advance_days=MOVE_OUT_ADVANCE_DAYS,
    )
    MoveOutCertificate.objects.create(event=event, issued_on=event.notified_on, planned_move_on=planned_move_on,
                                      destination=event.details["destination"])
    return event


@transaction.atomic
def file_abroad_out(
    *, actor: Actor, household_id: int, movers: Sequence[Mover], planned_move_on: date, destination_country: str,
    notifier: Notifier, remaining_head_id: int | None = None, notified_on: date | None = None, reason: str = "",
    office: Office | None = None,
) -> Event:
    """国外転出: members leave Japan on ``planned_move_on``."""
    country = check_text(destination_country or "", field="destination", max_length=64)
    event, _residents = _leave(
        actor=actor, kind=EventKind.ABROAD_OUT, removal=RemovalReason.ABROAD_OUT, household_id=household_id,
        movers=movers, moved_on=planned_move_on, destination=f"国外（{country}）" if country else "",
        notifier=notifier, remaining_head_id=remaining_head_id, notified_on=notified_on, reason=reason,
        office=office, advance_days=MOVE_OUT_ADVANCE_DAYS,
    )
    return event

