"""Reads of the facilities area for pages, the API and other areas (the open-data catalogue reads
:func:`open_data_rows`)."""

from __future__ import annotations

import calendar as pycal
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from kuyakusho.core.ward import ward
from kuyakusho.offices.hours import Calendar, day_code
from kuyakusho.opendata.hours import standard_hours

from .models import (
    LIVE,
    Application,
    Booking,
    Closure,
    DrawEntry,
    Facility,
    FacilityKind,
    LotteryRound,
    Notice,
    Registrant,
    Room,
)
from .slots import SCHEMES, Period, add_months, closure_covers, open_periods


def kinds() -> QuerySet[FacilityKind]:
    return FacilityKind.objects.all()


def areas() -> list[str]:
    return list(Facility.objects.filter(is_active=True).order_by("area").values_list("area", flat=True).distinct())


def facilities(*, kind: str = "", area: str = "") -> QuerySet[Facility]:
    qs = Facility.objects.filter(is_active=True).select_related("kind").annotate(room_count=Count("rooms"))
    if kind:
        qs = qs.filter(kind__code=kind)
    if area:
        qs = qs.filter(area=area)
    return qs.order_by("kind__sort_order", "code")


def facility(code: str) -> Facility | None:
    return (Facility.objects.filter(code=code, is_active=True).select_related("kind", "schedule")
            .prefetch_related(Prefetch("rooms", queryset=Room.objects.filter(is_active=True).prefetch_related("fees")),
                              "closures")
            .first())


# --- Vacancy -------------------------------------------------------------------------------------------------

class Cell:
    """One slot in the month grid."""

    FREE = "free"  # bookable first-come
    LOTTERY = "lottery"  # in the month's lottery (apply in the window)
    TAKEN = "taken"
    CLOSED = "closed"  # closed day, outside hours, or past
    NOT_YET = "not_yet"  # not open for booking yet


@dataclass(slots=True)
class DayRow:
    day: date
    weekday: str  # mon … sun / hol
    cells: list[tuple[Period, str]]  # (period, state)
    closed_reason: str = ""


@dataclass(slots=True)
class RoomGrid:
    room: Room
    periods: tuple[Period, ...]
    days: list[DayRow] = field(default_factory=list)


@dataclass(slots=True)
class MonthGrid:
    facility: Facility
    month: date
    rooms: list[RoomGrid]
    round: LotteryRound | None
    mode: str  # lottery | first_come | not_yet | past
    prev_month: date
    next_month: date


FIRST_MONTH, LAST_MONTH = date(2000, 1, 1), date(2099, 12, 1)


def parse_month(value: str) -> date | None:
    """``YYYY-MM`` (years 2000–2099) as the first day of the month, or None."""
    try:
        y, m = (int(x) for x in value.split("-", 1))
        month = date(y, m, 1)
    except (ValueError, TypeError, OverflowError):
        return None
    return month if FIRST_MONTH <= month <= LAST_MONTH else None


def month_mode(kind: FacilityKind, month: date, today: date, rnd: LotteryRound | None) -> str:
    """How the month's free slots may be taken today."""
    this_month = today.replace(day=1)
    if month < this_month:
        return "past"
    if month >= add_months(this_month, kind.months_ahead + 1):
        return "not_yet"
    if not kind.lottery:
        return "first_come"
    if rnd is None:
        return "first_come" if month < add_months(this_month, kind.months_ahead) else "not_yet"
    if rnd.status == LotteryRound.Status.OPEN:
        return "lottery" if today <= rnd.window_closes else "drawing"
    if rnd.confirm_deadline is not None and today > rnd.confirm_deadline:
        return "first_come"
    return "confirming"


def vacancy(fac: Facility, month: date, *, today: date, room_code: str = "") -> MonthGrid:
    """The month grid of one facility: every room, day and slot, with its state (5 queries)."""
    month = month.replace(day=1)
    # the published applications (tens of thousands once drawn) are not needed to tell a month's state
    rnd = LotteryRound.objects.filter(kind=fac.kind_id, month=month).defer("published").first()
    mode = month_mode(fac.kind, month, today, rnd)
    last = date(month.year, month.month, pycal.monthrange(month.year, month.month)[1])
    rooms = [r for r in fac.rooms.all() if not room_code or r.code == room_code]
    taken = set(Booking.objects.filter(room__facility=fac, date__gte=month, date__lte=last, status__in=LIVE)
                .values_list("room_id", "date", "period"))
    # a win waiting for its confirmation (a promoted substitute's too) holds its slot
    taken |= set(DrawEntry.objects.filter(state=DrawEntry.State.WAITING, application__room__facility=fac,
                                          application__date__gte=month, application__date__lte=last)
                 .values_list("application__room_id", "application__date", "application__period"))
    closures = list(fac.closures.all())
    cal = Calendar.load(fac.schedule)
    days = [month + timedelta(days=i) for i in range((last - month).days + 1)]
    hours = {d: cal.intervals(d) for d in days}  # the opening hours of each day, asked once for every room
    codes = {d: day_code(d) for d in days}
    grids = []
    for room in rooms:
        grid = RoomGrid(room=room, periods=SCHEMES[room.scheme])
        for d in days:
            offered = open_periods(room, d, facility=fac, closures=closures, intervals=hours[d])
            cells = []
            for p in grid.periods:
                if p not in offered or d <= today:
                    state = Cell.CLOSED
                elif (room.pk, d, p.code) in taken:
                    state = Cell.TAKEN
                elif mode == "first_come":
                    state = Cell.FREE
                elif mode == "lottery":
                    state = Cell.LOTTERY
                else:
                    state = Cell.NOT_YET
                cells.append((p, state))
            reason = ""
            if not offered:
                c = closure_covers(closures, room, d)
                reason = c.reason if c else cal.closed_reason(d)
            grid.days.append(DayRow(day=d, weekday=codes[d], cells=cells, closed_reason=reason))
        grids.append(grid)
    return MonthGrid(facility=fac, month=month, rooms=grids, round=rnd, mode=mode,
                     prev_month=add_months(month, -1), next_month=add_months(month, 1))


# --- Registrants, applications, bookings ----------------------------------------------------------------------

def registrants_of(account_id: int) -> QuerySet[Registrant]:
    return Registrant.objects.filter(account_id=account_id).order_by("kind", "id")


def applications_of(account_id: int) -> QuerySet[Application]:
    return (Application.objects.filter(registrant__account_id=account_id)
            .select_related("room__facility", "round", "registrant", "entry").order_by("date", "room", "period"))


def waiting_entries_of(account_id: int) -> QuerySet[DrawEntry]:
    return (DrawEntry.objects.filter(application__registrant__account_id=account_id, state=DrawEntry.State.WAITING)
            .select_related("application__room__facility", "application__registrant"))


def bookings_of(account_id: int) -> QuerySet[Booking]:
    return (Booking.objects.filter(registrant__account_id=account_id)
            .select_related("room__facility__kind", "registrant").order_by("-date", "-starts_at"))


def notices_of(account_id: int) -> QuerySet[Notice]:
    return Notice.objects.filter(registrant__account_id=account_id).order_by("-created_at", "-id")[:20]


def pending_registrants() -> QuerySet[Registrant]:
    return Registrant.objects.filter(status=Registrant.Status.PENDING).order_by("created_at", "id")


def rounds() -> QuerySet[LotteryRound]:
    return (LotteryRound.objects.select_related("kind").defer("published")
            .annotate(application_count=Count("applications"))
            .order_by("-month", "kind__sort_order"))


def day_bookings(fac: Facility, day: date) -> QuerySet[Booking]:
    """The day's bookings of a facility (the printable list at the reception)."""
    return (Booking.objects.filter(room__facility=fac, date=day, status__in=LIVE)
            .select_related("room", "registrant").order_by("starts_at", "room__sort_order"))


def permit_by_code(code: str) -> Booking | None:
    return (Booking.objects.filter(permit_code=code).select_related("room__facility", "registrant").first()
            if code else None)


def daily_report(day: date) -> list[dict[str, Any]]:
    """Per facility, the bookings whose fee falls on ``day``'s accounts: paid (本予約 confirmed that day), unpaid
    provisional bookings, and cancellations refunded that day (the reconciliation of facility fees)."""
    rows: dict[int, dict[str, Any]] = defaultdict(lambda: {"paid": 0, "paid_yen": 0, "unpaid": 0, "unpaid_yen": 0,
                                                           "refunded": 0, "refunded_yen": 0})
    names: dict[int, str] = {}
    confirmed = Booking.objects.filter(confirmed_at__date=day, fee__gt=0).values_list(
        "room__facility_id", "room__facility__name_ja", "fee")
    unpaid = Booking.objects.filter(status=Booking.Status.PROVISIONAL, created_at__date__lte=day).values_list(
        "room__facility_id", "room__facility__name_ja", "fee")
    cancelled = Booking.objects.filter(cancelled_at__date=day, confirmed_at__isnull=False, fee__gt=0).values_list(
        "room__facility_id", "room__facility__name_ja", "fee")
    for key, qs in (("paid", confirmed), ("unpaid", unpaid), ("refunded", cancelled)):
        for fid, name, fee in qs:
            names[fid] = name
            rows[fid][key] += 1
            rows[fid][f"{key}_yen"] += fee
    return [{"facility": names[f], **v} for f, v in sorted(rows.items(), key=lambda kv: names[kv[0]])]


# --- Open data -----------------------------------------------------------------------------------------------

def open_data_rows() -> list[dict[str, str]]:
    """The facilities as rows of the 公共施設一覧 (``opendata.definitions.PUBLIC_FACILITIES``'s column names), the
    hours from the facility's schedule through ``opendata.hours``."""
    w = ward()
    today = timezone.localdate()
    rows = []
    qs = (Facility.objects.filter(is_active=True).select_related("kind", "schedule")
          .prefetch_related(Prefetch("rooms", queryset=Room.objects.filter(is_active=True))).order_by("code"))
    for f in qs:
        rooms = "、".join(f"{r.name_ja}（定員{r.capacity}人）" for r in f.rooms.all())
        rows.append({
            "NO": f.code, "名称": f.name_ja, "名称_カナ": f.kana, "住所": f.address,
            "緯度": str(f.latitude), "経度": str(f.longitude), "電話番号": f.phone, "団体名": w.name_ja,
            **standard_hours(f.schedule, on=today).as_row(), "説明": f"{f.kind.name_ja}。{rooms}",
            "バリアフリー情報": ";".join(line.strip() for line in f.barrier_free_ja.splitlines() if line.strip()),
            "URL": f.url, "備考": f"地区：{f.area}",
        })
    return rows


def all_rooms(fac: Facility) -> QuerySet[Room]:
    """Every room of a facility, retired ones too (the console's list)."""
    return Room.objects.filter(facility=fac).order_by("-is_active", "sort_order", "code")


def closures_ahead(fac: Facility, today: date) -> QuerySet[Closure]:
    return Closure.objects.filter(facility=fac, date_to__gte=today).select_related("room")


def contested(rnd: LotteryRound) -> QuerySet[Application]:
    """The round's applications with their results (the console's view of a draw)."""
    return (Application.objects.filter(round=rnd).select_related("room__facility", "entry")
            .order_by("date", "room", "period", "entry__rank"))


def awaits_substitute(room: Room, day: date, period: str) -> bool:
    """A promoted substitute is deciding on this slot (its win is waiting for confirmation): the slot is not free
    for anyone else meanwhile."""
    return DrawEntry.objects.filter(state=DrawEntry.State.WAITING, application__room=room, application__date=day,
                                    application__period=period).exists()


def has_live_booking(room: Room, day: date, period: str) -> bool:
    return Booking.objects.filter(Q(room=room, date=day, period=period, status__in=LIVE)).exists()
