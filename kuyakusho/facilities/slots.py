"""Slots: the fixed units a room is let in, and which of them a day offers.

A room's ``scheme`` names its units (午前/午後/夜間, one hour, two hours for courts). A unit is offered on a
day when it lies wholly inside the facility's opening hours for that day (the platform's one hours function,
``offices.hours``: weekly rules, national holidays, the year-end and days an administrator closes) and no
closure of the facility or the room covers the day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.utils import translation

from kuyakusho.offices.hours import Calendar

from .models import Closure, Facility, Room

TOKYO = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True, slots=True)
class Period:
    code: str
    label_ja: str
    label_en: str
    start: time
    end: time

    @property
    def label(self) -> str:
        return self.label_en if translation.get_language() == "en" else self.label_ja

    @property
    def span(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


SCHEMES: dict[str, tuple[Period, ...]] = {
    Room.Scheme.PERIODS: (
        Period("am", "午前", "Morning", time(9, 0), time(12, 0)),
        Period("pm", "午後", "Afternoon", time(13, 0), time(17, 0)),
        Period("night", "夜間", "Evening", time(18, 0), time(21, 30)),
    ),
    Room.Scheme.HOURLY: tuple(
        Period(f"h{h:02d}", f"{h}時", f"{h}:00", time(h, 0), time(h + 1, 0)) for h in range(9, 21)),
    Room.Scheme.COURT: tuple(
        Period(f"c{h:02d}", f"{h}時〜{h + 2}時", f"{h}:00–{h + 2}:00", time(h, 0), time(h + 2, 0))
        for h in (7, 9, 11, 13, 15, 17)),
}


def periods(scheme: str) -> tuple[Period, ...]:
    return SCHEMES[scheme]


def find_period(scheme: str, code: str) -> Period | None:
    return next((p for p in SCHEMES.get(scheme, ()) if p.code == code), None)


def slot_times(day: date, period: Period) -> tuple[datetime, datetime]:
    return datetime.combine(day, period.start, TOKYO), datetime.combine(day, period.end, TOKYO)


def closure_covers(closures: Iterable[Closure], room: Room, day: date) -> Closure | None:
    for c in closures:
        if (c.room_id is None or c.room_id == room.pk) and c.date_from <= day <= c.date_to:
            return c
    return None


def open_periods(room: Room, day: date, *, facility: Facility, closures: Iterable[Closure] = (),
                 calendar: Calendar | None = None,
                 intervals: list[tuple[datetime, datetime]] | None = None) -> list[Period]:
    """The units of ``room`` offered on ``day`` (none on a closed day). ``intervals``: the day's opening hours
    when the caller has them already (a month grid asks once per day, not once per room)."""
    if closure_covers(closures, room, day) is not None:
        return []
    if intervals is None:
        intervals = (calendar or Calendar.load(facility.schedule)).intervals(day)
    result = []
    for p in SCHEMES[room.scheme]:
        start, end = slot_times(day, p)
        if any(o <= start and end <= c for o, c in intervals):
            result.append(p)
    return result


def add_months(d: date, months: int) -> date:
    """The first day of the month ``months`` after ``d``'s (negative: before)."""
    y, m = divmod(d.month - 1 + months, 12)
    return date(d.year + y, m + 1, 1)
