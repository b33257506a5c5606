"""Facility and room management (施設・部屋の管理) by staff: a facility's names, address, contact, barrier-free
information and the schedule of its opening hours and closed days (``offices``' one hours function); its rooms
added, edited and retired. Fees are set in :func:`kuyakusho.facilities.booking.set_fee`; closures in
:func:`kuyakusho.facilities.booking.close`.

Every write is one transaction with its audit event (the fields changed, before and after).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuyakusho.accounts.models import Staff
from kuyakusho.audit.services import record_write
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.text import check_text
from kuyakusho.offices.models import Schedule

from .models import LIVE, Application, Booking, Facility, Fee, LotteryRound, Room
from .slots import periods

KATAKANA = re.compile(r"^[\u30A0-\u30FF\u3000 ・ー－]+$")
POSTAL = re.compile(r"^\d{3}-\d{4}$")
PHONE = re.compile(r"^[0-9-]{6,20}$")

#: The facility's fields staff edit, with their longest length and whether they are several lines.
FACILITY_TEXT = {"name_ja": (100, False), "name_en": (100, False), "kana": (200, False), "address": (200, False),
                 "postal_code": (8, False), "phone": (20, False), "barrier_free_ja": (2000, True),
                 "barrier_free_en": (2000, True)}
ROOM_TEXT = {"name_ja": (100, False), "name_en": (100, False), "equipment_ja": (200, False),
             "equipment_en": (200, False)}


def _texts(values: dict[str, Any], rules: dict[str, tuple[int, bool]]) -> dict[str, str]:
    return {k: check_text(str(values.get(k) or ""), field=k, max_length=n, multiline=multi)
            for k, (n, multi) in rules.items()}


def _changes(obj: object, after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [getattr(obj, k), v] for k, v in after.items() if getattr(obj, k) != v}


def update_facility(*, actor: Staff, facility: Facility, values: dict[str, Any], schedule: Schedule) -> Facility:
    """Edit a facility's names, address, contact, barrier-free information and hours (its schedule)."""
    texts = _texts(values, FACILITY_TEXT)
    if not texts["name_ja"]:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("名称を入力してください。"), field="name_ja")
    if not texts["kana"] or not KATAKANA.match(texts["kana"]):
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("名称_カナは全角カタカナで入力してください。"), field="kana")
    if not texts["address"]:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("所在地を入力してください。"), field="address")
    if texts["postal_code"] and not POSTAL.match(texts["postal_code"]):
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("郵便番号は 123-4567 の形で入力してください。"),
                               field="postal_code")
    if texts["phone"] and not PHONE.match(texts["phone"]):
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("電話番号は半角数字とハイフンで入力してください。"),
                               field="phone")
    with transaction.atomic():
        f = Facility.objects.select_for_update().get(pk=facility.pk)
        after: dict[str, Any] = {**texts, "schedule_id": schedule.pk}
        changes = _changes(f, after)
        if not changes:
            return f
        for k, v in after.items():
            setattr(f, k, v)
        f.save(update_fields=list(after))
        record_write(actor=actor, action="facilities.facility_updated", target=f, changes=changes,
                     detail={"code": f.code})
    return f


def _room_values(values: dict[str, Any]) -> dict[str, Any]:
    texts = _texts(values, ROOM_TEXT)
    if not texts["name_ja"]:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("部屋の名称を入力してください。"), field="name_ja")
    capacity = values.get("capacity")
    if isinstance(capacity, bool) or not isinstance(capacity, int) or not 1 <= capacity <= 9999:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("定員は1人以上9999人以下で入力してください。"),
                               field="capacity")
    return {**texts, "capacity": capacity}


def _largest_party_ahead(room: Room, today: date) -> int:
    booked = Booking.objects.filter(room=room, status__in=LIVE, date__gt=today).aggregate(n=Max("attendees"))["n"]
    applied = (Application.objects.filter(room=room, round__status=LotteryRound.Status.OPEN)
               .aggregate(n=Max("attendees"))["n"])
    return max(booked or 0, applied or 0)


def add_room(*, actor: Staff, facility: Facility, code: str, scheme: str, values: dict[str, Any],
             fees: dict[str, int]) -> Room:
    """Add a room with the fee of each of its slots (``fees``: resident, group, non-resident; the same for every
    slot at first, each one editable afterwards), so that no slot of a new room is let for nothing by mistake."""
    fields = _room_values(values)
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,31}", code or ""):
        raise ApplicationError(ErrorCode.INVALID_INPUT,
                               _("部屋のコードは半角英小文字・数字・ハイフンで入力してください。"), field="code")
    if scheme not in Room.Scheme.values:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("利用区分を選んでください。"), field="scheme")
    for name in ("resident", "group", "nonresident"):
        value = fees.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("使用料は0円以上100万円以下の整数で入力してください。"),
                                   field=name)
    try:
        with transaction.atomic():
            order = facility.rooms.aggregate(n=Max("sort_order"))["n"]
            room = Room.objects.create(facility=facility, code=code, scheme=scheme,
                                       sort_order=(order or 0) + 1, **fields)
            Fee.objects.bulk_create(Fee(room=room, period=p.code, resident=fees["resident"], group=fees["group"],
                                        nonresident=fees["nonresident"]) for p in periods(scheme))
            record_write(actor=actor, action="facilities.room_added", target=room,
                         changes={"facility": facility.code, "code": code, "scheme": scheme, **fields},
                         detail={"fees": fees})
    except IntegrityError:
        raise ApplicationError(ErrorCode.DUPLICATE, _("この施設にはすでに同じコードの部屋があります。"),
                               field="code") from None
    return room


def update_room(*, actor: Staff, room: Room, values: dict[str, Any], today: date | None = None) -> Room:
    """Edit a room's names, capacity and equipment. The capacity cannot fall below a party already booked or
    applied for."""
    today = today or timezone.localdate()
    fields = _room_values(values)
    with transaction.atomic():
        r = Room.objects.select_for_update().get(pk=room.pk)
        largest = _largest_party_ahead(r, today)
        if fields["capacity"] < largest:
            raise ApplicationError(ErrorCode.REFUSED,
                                   _("定員は、これからの予約・申込の利用人数（最大%(n)s人）より少なくできません。")
                                   % {"n": largest}, field="capacity")
        changes = _changes(r, fields)
        if not changes:
            return r
        for k, v in fields.items():
            setattr(r, k, v)
        r.save(update_fields=list(fields))
        record_write(actor=actor, action="facilities.room_updated", target=r, changes=changes,
                     detail={"facility": r.facility_id})
    return r


def set_room_active(*, actor: Staff, room: Room, active: bool, today: date | None = None) -> Room:
    """Retire a room (it is no longer shown or let; its past bookings stay) or bring it back. A room with
    bookings ahead or applications in an open lottery is not retired: cancel them, or register a closure first."""
    today = today or timezone.localdate()
    with transaction.atomic():
        r = Room.objects.select_for_update().get(pk=room.pk)
        if r.is_active == active:
            return r
        if not active and (Booking.objects.filter(room=r, status__in=LIVE, date__gt=today).exists()
                           or Application.objects.filter(room=r, round__status=LotteryRound.Status.OPEN).exists()):
            raise ApplicationError(ErrorCode.CONFLICT,
                                   _("これからの予約または抽選の申込がある部屋は廃止できません。"
                                     "先に休館を登録して予約を取り消してください。"))
        r.is_active = active
        r.save(update_fields=["is_active"])
        record_write(actor=actor, action="facilities.room_retired" if not active else "facilities.room_restored",
                     target=r, changes={"is_active": [not active, active]}, detail={"facility": r.facility_id})
    return r
