from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from ninja import Router, Schema

from kuyakusho.core.access import api_public
from kuyakusho.core.errors import ApplicationError, ErrorCode

from .hours import Calendar
from .models import Office, Schedule, Service

router = Router(tags=["offices"])


class OpeningOut(Schema):
    is_open: bool
    closes_at: datetime | None
    next_opens_at: datetime | None
    closed_reason: str


class ServiceOut(Schema):
    code: str
    name: str
    letter: str


class CounterOut(Schema):
    number: int
    services: list[str]


class OfficeOut(Schema):
    code: str
    name: str
    address: str
    latitude: float | None
    longitude: float | None
    services: list[ServiceOut]
    counters: list[CounterOut]
    opening: OpeningOut


def _opening(o) -> dict:
    return o.as_dict() | {"closes_at": o.closes_at, "next_opens_at": o.next_opens_at}


@router.get("/", response=list[OfficeOut], auth=None,
            summary="事務所の一覧と現在の開庁状況（公開）/ Offices and whether they are open now (public)")
@api_public
def offices(request: HttpRequest, response: HttpResponse) -> list[dict[str, object]]:
    patch_cache_control(response, public=True, max_age=60)
    out: list[dict[str, object]] = []
    calendars: dict[int, Calendar] = {}
    for o in Office.objects.select_related("schedule").prefetch_related("services", "counters__services"):
        opening = None
        if o.schedule is not None:
            cal = calendars.setdefault(o.schedule.pk, Calendar.load(o.schedule))
            opening = _opening(cal.status(office=o))
        out.append({"code": o.code, "name": o.name, "address": o.address,
                    "latitude": float(o.latitude) if o.latitude is not None else None,
                    "longitude": float(o.longitude) if o.longitude is not None else None,
                    "services": [{"code": s.code, "name": s.name, "letter": s.letter} for s in o.services.all()],
                    "counters": [{"number": c.number, "services": [s.code for s in c.services.all()]}
                                 for c in o.counters.all() if c.is_active],
                    "opening": opening or {"is_open": False, "closes_at": None, "next_opens_at": None,
                                           "closed_reason": ""}})
    return out


@router.get("/schedules/{schedule}/status", response=OpeningOut, auth=None,
            summary="開いているか・次はいつ開くか（公開）/ Open at a time, and when next (public)")
@api_public
def schedule_status(request: HttpRequest, schedule: str, at: datetime | None = None, office: str = "",
                    service: str = "") -> dict:
    """``schedule``: ``offices`` (with ``office`` and optionally ``service``), ``kiosk``, ``konbini`` …"""
    found = Schedule.objects.filter(code=schedule).first()
    if found is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("開庁時間の区分「%(code)s」は見つかりません。")
                               % {"code": schedule[:32]}, field="schedule")
    o = s = None
    if office:
        o = Office.objects.filter(code=office).first()
        if o is None:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("事務所「%(code)s」は見つかりません。")
                                   % {"code": office[:32]}, field="office")
    if service:
        s = Service.objects.filter(code=service).first()
        if s is None:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("業務「%(code)s」は見つかりません。")
                                   % {"code": service[:32]}, field="service")
    return _opening(Calendar.load(found).status(at, office=o, service=s))
