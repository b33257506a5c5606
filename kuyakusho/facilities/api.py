"""The facilities API: facilities and the vacancy month grid for anyone; for a signed-in resident (the resident
site's session cookie) her registrations, lottery applications and bookings; the day's bookings, pending
registrations and a draw's published data for staff.

A resident's operations (``/my/…``) call the same services as the resident pages and see only the account's own
registrations: another resident's application or booking is not found (404)."""

from datetime import date
from typing import Annotated, Any

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from kuyakusho.core.access import api_public, api_resident, api_staff
from kuyakusho.core.capabilities import Capability
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.schemas import Text, text_rule
from kuyakusho.identity.models import PortalAccount

from . import booking as bookings
from . import selectors, services
from .models import Application, Booking, LotteryRound, Registrant, Room

router = Router(tags=["facilities"])


class RoomOut(Schema):
    code: str
    name: str
    capacity: int
    scheme: str


class FacilityOut(Schema):
    code: str
    name: str
    kind: str
    area: str
    address: str
    latitude: float
    longitude: float
    rooms: list[RoomOut]


class CellOut(Schema):
    date: date
    period: str
    state: str


class RoomVacancyOut(Schema):
    room: str
    cells: list[CellOut]


class VacancyOut(Schema):
    facility: str
    month: str
    mode: str
    rooms: list[RoomVacancyOut]


class FacilityFilter(Schema):
    kind: Text(32) = ""  # type: ignore[valid-type]
    area: Text(32) = ""  # type: ignore[valid-type]


class MonthQuery(Schema):
    month: Text(7) = ""  # type: ignore[valid-type]


@router.get("/", response=list[FacilityOut], auth=None,
            summary="施設の一覧（公開）/ Facilities (public)")
@api_public
def facilities(request: HttpRequest, response: HttpResponse, filters: Query[FacilityFilter]) -> list[dict[str, object]]:
    patch_cache_control(response, public=True, max_age=300)
    qs = selectors.facilities(kind=filters.kind, area=filters.area).prefetch_related(
        Prefetch("rooms", queryset=Room.objects.filter(is_active=True)))
    return [{"code": f.code, "name": f.name, "kind": f.kind.code, "area": f.area, "address": f.address,
             "latitude": float(f.latitude), "longitude": float(f.longitude),
             "rooms": [{"code": r.code, "name": r.name, "capacity": r.capacity, "scheme": r.scheme}
                       for r in f.rooms.all()]} for f in qs]


@router.get("/{code}/vacancy", response=VacancyOut, auth=None,
            summary="施設の空き状況（月ごと、公開）/ A facility's vacancy for a month (public)")
@api_public
def vacancy(request: HttpRequest, code: str, response: HttpResponse, q: Query[MonthQuery]) -> dict[str, object]:
    fac = selectors.facility(code[:32])
    if fac is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("施設が見つかりません。"))
    today = timezone.localdate()
    month = today.replace(day=1)
    if q.month:
        parsed = selectors.parse_month(q.month)
        if parsed is None:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("月は YYYY-MM（2000〜2099年）で指定してください。"),
                                   field="month")
        month = parsed
    patch_cache_control(response, public=True, max_age=30)
    grid = selectors.vacancy(fac, month, today=today)
    return {"facility": fac.code, "month": month.strftime("%Y-%m"), "mode": grid.mode,
            "rooms": [{"room": rg.room.code,
                       "cells": [{"date": row.day, "period": p.code, "state": state}
                                 for row in rg.days for p, state in row.cells]} for rg in grid.rooms]}


# --- A resident's own registrations, applications and bookings ------------------------------------------------
# Declared before ``/{code}/bookings``: the path ``/my/bookings`` must not be read as a facility's code.

class ResidentApiRequest(HttpRequest):
    """An ``@api_resident`` operation's request: ``auth`` is the signed-in resident's account."""

    auth: PortalAccount


class RegistrantOut(Schema):
    id: int
    number: str
    kind: str
    name: str
    status: str
    review_reason: str


class ApplicationOut(Schema):
    id: int
    registrant: str
    facility: str
    room_id: int
    room: str
    date: date
    period: str
    attendees: int
    result: str  # "" before the draw, else won / substitute / excluded
    rank: int | None
    state: str  # a win's confirmation: waiting / confirmed / lapsed / declined
    withdrawable: bool


class ApplicationIn(Schema):
    registrant_id: int
    room_id: int
    date: date
    period: Annotated[str, text_rule(8)]
    attendees: int


class BookingOut(Schema):
    id: int
    registrant: str
    facility: str
    room_id: int
    room: str
    pay_by: date | None  # before ``date``: in the class body that name becomes the field's
    date: date
    period: str
    starts_at: str
    ends_at: str
    status: str
    fee: int
    permit_number: str


class BookingIn(ApplicationIn):
    purpose: Annotated[str, text_rule(100)] = ""


class BookingCancelIn(Schema):
    reason: Annotated[str, text_rule(200)] = ""


class ChangeIn(Schema):
    room_id: int
    date: date
    period: Annotated[str, text_rule(8)]


def _application_out(a: Application, today: date) -> dict[str, object]:
    entry = getattr(a, "entry", None)
    return {"id": a.pk, "registrant": a.registrant.number, "facility": a.room.facility.code, "room_id": a.room_id,
            "room": a.room.code, "date": a.date, "period": a.period, "attendees": a.attendees,
            "result": entry.outcome if entry else "", "rank": entry.rank if entry else None,
            "state": entry.state if entry else "",
            "withdrawable": services.withdrawable(a, today)}


def _booking_out(b: Booking) -> dict[str, object]:
    return {"id": b.pk, "registrant": b.registrant.number if b.registrant else "", "facility": b.room.facility.code,
            "room_id": b.room_id, "room": b.room.code, "date": b.date, "period": b.period,
            "starts_at": b.starts_at.isoformat(), "ends_at": b.ends_at.isoformat(), "status": b.status, "fee": b.fee,
            "pay_by": b.pay_by, "permit_number": b.permit_number}


def _my_registrant(account: PortalAccount, registrant_id: int) -> Registrant:
    r = selectors.registrants_of(account.pk).filter(pk=registrant_id).first()
    if r is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("利用者登録が見つかりません。"), field="registrant_id")
    return r


def _room(room_id: int) -> Room:
    room = (Room.objects.select_related("facility__kind", "facility__schedule")
            .filter(pk=room_id, facility__is_active=True, is_active=True).first())
    if room is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("部屋が見つかりません。"), field="room_id")
    return room


def _my_booking(account: PortalAccount, booking_id: int) -> Booking:
    b = selectors.bookings_of(account.pk).filter(pk=booking_id).first()
    if b is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("予約が見つかりません。"))
    return b


@router.get("/my/registrants", response=list[RegistrantOut],
            summary="自分の利用者登録（区民）/ My registrations (resident)")
@api_resident
def my_registrants(request: ResidentApiRequest) -> list[dict[str, object]]:
    return [{"id": r.pk, "number": r.number, "kind": r.kind, "name": r.name, "status": r.status,
             "review_reason": r.review_reason} for r in selectors.registrants_of(request.auth.pk)]


@router.get("/my/applications", response=list[ApplicationOut],
            summary="自分の抽選の申込（区民）/ My lottery applications (resident)")
@api_resident
def my_applications(request: ResidentApiRequest) -> list[dict[str, object]]:
    today = timezone.localdate()
    return [_application_out(a, today) for a in selectors.applications_of(request.auth.pk)]


@router.post("/my/applications", response={201: ApplicationOut},
             summary="抽選に申し込む（申込期間中、区民）/ Apply in a lottery, in its window (resident)")
@api_resident
def my_apply(request: ResidentApiRequest, body: ApplicationIn) -> Status:
    account = request.auth
    app = services.apply(actor=account, registrant=_my_registrant(account, body.registrant_id),
                         room=_room(body.room_id), day=body.date, period=body.period, attendees=body.attendees)
    return Status(201, _application_out(selectors.applications_of(account.pk).get(pk=app.pk), timezone.localdate()))


@router.delete("/my/applications/{int:application_id}", response={204: None},
               summary="抽選の申込を取り下げる（申込期間中、区民）/ Withdraw an application, in its window (resident)")
@api_resident
def my_withdraw(request: ResidentApiRequest, application_id: int) -> Status:
    app = selectors.applications_of(request.auth.pk).filter(pk=application_id).first()
    if app is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("申込が見つかりません。"))
    services.withdraw(actor=request.auth, application=app)
    return Status(204, None)


@router.get("/my/bookings", response=list[BookingOut], summary="自分の予約（区民）/ My bookings (resident)")
@api_resident
def my_bookings(request: ResidentApiRequest) -> list[dict[str, object]]:
    return [_booking_out(b) for b in selectors.bookings_of(request.auth.pk)]


@router.post("/my/bookings", response={201: BookingOut},
             summary="空いている枠を先着順で予約する（区民）/ Book a free slot, first come (resident)")
@api_resident
def my_book(request: ResidentApiRequest, body: BookingIn) -> Status:
    account = request.auth
    b = bookings.book_first_come(actor=account, registrant=_my_registrant(account, body.registrant_id),
                                 room=_room(body.room_id), day=body.date, period=body.period,
                                 attendees=body.attendees, purpose=body.purpose)
    return Status(201, _booking_out(_my_booking(account, b.pk)))


@router.post("/my/bookings/{int:booking_id}/cancel", response=BookingOut,
             summary="予約を取り消す（区民）/ Cancel a booking (resident)")
@api_resident
def my_cancel(request: ResidentApiRequest, booking_id: int, body: BookingCancelIn) -> dict[str, object]:
    account = request.auth
    bookings.cancel_booking(actor=account, booking=_my_booking(account, booking_id), reason=body.reason)
    return _booking_out(_my_booking(account, booking_id))


@router.post("/my/bookings/{int:booking_id}/change", response=BookingOut,
             summary="予約を同じ施設の別の枠に変更する（区民）/ Move a booking to another slot (resident)")
@api_resident
def my_change(request: ResidentApiRequest, booking_id: int, body: ChangeIn) -> dict[str, object]:
    account = request.auth
    bookings.change_booking(actor=account, booking=_my_booking(account, booking_id), room=_room(body.room_id),
                            day=body.date, period=body.period)
    return _booking_out(_my_booking(account, booking_id))


class DayBookingOut(Schema):
    room: str
    period: str
    starts_at: str
    status: str
    registrant: str
    attendees: int


class DayQuery(Schema):
    date: date


@router.get("/{code}/bookings", response=list[DayBookingOut],
            summary="施設の当日の予約一覧（職員）/ A facility's bookings of a day (staff)")
@api_staff(Capability.MANAGE_FACILITIES)
def day_bookings(request: HttpRequest, code: str, q: Query[DayQuery]) -> list[dict[str, object]]:
    fac = selectors.facility(code[:32])
    if fac is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("施設が見つかりません。"))
    return [{"room": b.room.code, "period": b.period, "starts_at": b.starts_at.isoformat(), "status": b.status,
             "registrant": b.registrant.number if b.registrant else "", "attendees": b.attendees}
            for b in selectors.day_bookings(fac, q.date)]


class PendingOut(Schema):
    number: str
    kind: str
    member_count: int
    ward_member_count: int
    identity_check: str


@router.get("/registrants/pending", response=list[PendingOut],
            summary="審査待ちの利用者登録（職員）/ Registrations awaiting review (staff)")
@api_staff(Capability.MANAGE_FACILITIES)
def pending(request: HttpRequest) -> list[Any]:
    return list(selectors.pending_registrants().values("number", "kind", "member_count", "ward_member_count",
                                                        "identity_check")[:500])


@router.get("/lottery/{round_id}/published", response=dict, auth=None,
            summary="抽選の公表データ（公開）/ A draw's published data (public)")
@api_public
def published(request: HttpRequest, round_id: int) -> dict[str, object]:
    rnd = LotteryRound.objects.filter(pk=round_id, status=LotteryRound.Status.DRAWN).first()
    if rnd is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("公表された抽選がありません。"))
    return rnd.published
