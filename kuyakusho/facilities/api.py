"""The facilities API: facilities and the vacancy month grid for anyone; the day's bookings, pending
registrations and a draw's published data for staff."""

from datetime import date

from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from kuyakusho.core.access import api_public, api_staff
from kuyakusho.core.capabilities import Capability
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.schemas import Text

from . import selectors
from .models import LotteryRound

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
def facilities(request, response: HttpResponse, filters: Query[FacilityFilter]):
    patch_cache_control(response, public=True, max_age=300)
    qs = selectors.facilities(kind=filters.kind, area=filters.area).prefetch_related("rooms")
    return [{"code": f.code, "name": f.name, "kind": f.kind.code, "area": f.area, "address": f.address,
             "latitude": float(f.latitude), "longitude": float(f.longitude),
             "rooms": [{"code": r.code, "name": r.name, "capacity": r.capacity, "scheme": r.scheme}
                       for r in f.rooms.all()]} for f in qs]


@router.get("/{code}/vacancy", response=VacancyOut, auth=None,
            summary="施設の空き状況（月ごと、公開）/ A facility's vacancy for a month (public)")
@api_public
def vacancy(request, code: str, response: HttpResponse, q: Query[MonthQuery]):
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
def day_bookings(request, code: str, q: Query[DayQuery]):
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
def pending(request):
    return list(selectors.pending_registrants().values("number", "kind", "member_count", "ward_member_count",
                                                        "identity_check")[:500])


@router.get("/lottery/{round_id}/published", response=dict, auth=None,
            summary="抽選の公表データ（公開）/ A draw's published data (public)")
@api_public
def published(request, round_id: int):
    rnd = LotteryRound.objects.filter(pk=round_id, status=LotteryRound.Status.DRAWN).first()
    if rnd is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("公表された抽選がありません。"))
    return rnd.published
