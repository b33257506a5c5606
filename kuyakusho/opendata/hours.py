"""Opening hours in the columns of the standard datasets (利用可能曜日, 開始時間, 終了時間, 利用可能日時特記事項).

The hours come from the platform's one hours function, ``offices.hours.Calendar`` (weekly rules, national
holidays, the ward's closures and extra openings): for each day of the week the calendar is asked for the
intervals of an ordinary date (no holiday, no closure, no extra opening) in the weeks from ``on``. The usual
hours (the most frequent of the open days) fill 開始時間 and 終了時間; days with other hours, hours that only
some services keep (an office's evening counter for notifications), holidays and the yearly closures are said
in 利用可能日時特記事項.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import jpholiday
from django.db.models import Q

from kuyakusho.offices.hours import Calendar, day_code
from kuyakusho.offices.models import DAY_CODES, Office, Schedule, Service, SpecialDay

# The files are Japanese whatever the language of the run, and 利用可能曜日 writes 祝 (offices' DAY_LABELS says 祝日
# and is translated).
DAY_JA = {"mon": "月", "tue": "火", "wed": "水", "thu": "木", "fri": "金", "sat": "土", "sun": "日", "hol": "祝"}
_WEEK = tuple(c for c in DAY_CODES if c != "hol")
_SEARCH_WEEKS = 8  # how far ahead an ordinary date of each weekday is looked for
_HOLIDAY_SEARCH_DAYS = 400
_EXTRA_OPENINGS_DAYS = 120  # extra openings (臨時開庁) mentioned in the note: those in the coming months

Span = tuple[time, time]


@dataclass(frozen=True)
class StandardHours:
    days: str  # 利用可能曜日: 月火水木金土日祝, the open days run together
    opens: str  # 開始時間, hh:mm
    closes: str  # 終了時間, hh:mm
    note: str  # 利用可能日時特記事項

    def as_row(self) -> dict[str, str]:
        return {"利用可能曜日": self.days, "開始時間": self.opens, "終了時間": self.closes,
                "利用可能日時特記事項": self.note}


NO_HOURS = StandardHours("", "", "", "")


def hhmm(t: time) -> str:
    return t.strftime("%H:%M")


def _spans_text(spans: Sequence[Span]) -> str:
    return "・".join(f"{hhmm(a)}〜{hhmm(b)}" for a, b in spans)


def _times(intervals: list[tuple[datetime, datetime]]) -> tuple[Span, ...]:
    return tuple((a.time(), b.time()) for a, b in intervals)  # local (Asia/Tokyo) wall-clock times


def _intersect(a: Sequence[Span], b: Sequence[Span]) -> tuple[Span, ...]:
    out = []
    for s1, e1 in a:
        for s2, e2 in b:
            start, end = max(s1, s2), min(e1, e2)
            if start < end:
                out.append((start, end))
    return tuple(sorted(out))


def _minus(a: Sequence[Span], b: Sequence[Span]) -> tuple[Span, ...]:
    """The parts of ``a`` not covered by ``b``."""
    out: list[Span] = []
    for start, end in a:
        pieces = [(start, end)]
        for s2, e2 in b:
            pieces = [p for s, e in pieces for p in ((s, min(e, s2)), (max(s, e2), e)) if p[0] < p[1]]
        out.extend(pieces)
    return tuple(out)


def _special_dates(schedule: Schedule, office: Office | None, start: date, end: date) -> set[date]:
    """Dates from ``start`` to ``end`` that a dated closure or extra opening covers (not ordinary days)."""
    days: set[date] = set()
    rows = (SpecialDay.objects.filter(schedule=schedule, annual=False, date_from__lte=end, date_to__gte=start)
            .filter(Q(office=None) | Q(office=office)).values_list("date_from", "date_to"))
    for first, last in rows:
        d = max(first, start)
        while d <= min(last, end):
            days.add(d)
            d += timedelta(days=1)
    return days


def _day_spans(cal: Calendar, d: date, office_id: int | None, services: Sequence[Service]
               ) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
    """(hours every service keeps, hours any service keeps) on ``d``."""
    every = _times(cal.intervals(d, office_id))
    if not services:
        return every, every
    common = _times(cal.intervals(d, office_id, services[0].pk))
    for service in services[1:]:
        common = _intersect(common, _times(cal.intervals(d, office_id, service.pk)))
    return common, every


def _ordinary_dates(cal: Calendar, schedule: Schedule, office: Office | None, on: date) -> dict[str, date]:
    """For each weekday, its first date from ``on`` that is no holiday and has no closure or extra opening."""
    end = on + timedelta(weeks=_SEARCH_WEEKS)
    special = _special_dates(schedule, office, on, end)
    office_id = office.pk if office else None
    found: dict[str, date] = {}
    d = on
    while d < end and len(found) < len(_WEEK):
        code = day_code(d)
        if code != "hol" and code not in found and d not in special and not cal.closure(d, office_id):
            found[code] = d
        d += timedelta(days=1)
    return found


def _holiday(cal: Calendar, schedule: Schedule, office: Office | None, on: date) -> date | None:
    """The next national holiday from ``on`` that no closure or extra opening of the schedule covers."""
    end = on + timedelta(days=_HOLIDAY_SEARCH_DAYS)
    special = _special_dates(schedule, office, on, end)
    office_id = office.pk if office else None
    for d, _name in jpholiday.between(on, end):
        if d not in special and not cal.closure(d, office_id):
            return d
    return None


def _group_days(codes: Sequence[str]) -> str:
    if set(codes) >= {"mon", "tue", "wed", "thu", "fri"} and len(codes) == 5:
        return "平日"
    return "".join(DAY_JA[c] for c in codes)


def _yearly_closures(schedule: Schedule, office: Office | None) -> list[str]:
    rows = (SpecialDay.objects.filter(schedule=schedule, annual=True, kind=SpecialDay.Kind.CLOSED)
            .filter(Q(office=None) | Q(office=office)).order_by("date_from"))
    return [f"{sd.date_from.month}月{sd.date_from.day}日〜{sd.date_to.month}月{sd.date_to.day}日は休み"
            f"（{sd.reason_ja}）" for sd in rows]


def _extra_openings(schedule: Schedule, office: Office | None, on: date) -> list[str]:
    rows = (SpecialDay.objects.filter(schedule=schedule, annual=False, kind=SpecialDay.Kind.OPEN,
                                      date_to__gte=on, date_from__lte=on + timedelta(days=_EXTRA_OPENINGS_DAYS))
            .filter(Q(office=None) | Q(office=office)).order_by("date_from"))
    by_reason: dict[str, list[str]] = {}
    for sd in rows:
        by_reason.setdefault(sd.reason_ja, []).append(sd.date_from.isoformat())
    return [f"{reason}：{'、'.join(dates)}" for reason, dates in by_reason.items()]


def standard_hours(schedule: Schedule | None, *, on: date, office: Office | None = None,
                   services: Sequence[Service] = ()) -> StandardHours:
    """The four hours columns for a place that keeps ``schedule`` (for an office: its rules and the hours all of
    its ``services`` are served; hours only some services keep go into the note)."""
    if schedule is None:
        return NO_HOURS
    cal = Calendar.load(schedule)
    office_id = office.pk if office else None
    common: dict[str, tuple[Span, ...]] = {}
    partial: dict[str, tuple[Span, ...]] = {}
    for code, d in _ordinary_dates(cal, schedule, office, on).items():
        general, every = _day_spans(cal, d, office_id, services)
        if general:
            common[code] = general
        extra = _minus(every, general)
        if extra:
            partial[code] = extra
    open_days = [c for c in _WEEK if c in common or c in partial]
    holiday = _holiday(cal, schedule, office, on)
    holiday_spans = _day_spans(cal, holiday, office_id, services)[1] if holiday else ()
    days = "".join(DAY_JA[c] for c in open_days) + ("祝" if holiday_spans else "")
    # the usual hours: the (first opening, last closing) of most open days, the earlier day winning a tie
    shapes = Counter((common[c][0][0], common[c][-1][1]) for c in _WEEK if c in common)
    usual: Span | None = shapes.most_common(1)[0][0] if shapes else None
    notes: list[str] = []
    differing: dict[str, list[str]] = {}
    for code in _WEEK:
        spans = common.get(code)
        if spans and (len(spans) > 1 or (spans[0][0], spans[-1][1]) != usual):
            differing.setdefault(_spans_text(spans), []).append(code)
    notes += [f"{_group_days(codes)}は{text}" for text, codes in differing.items()]
    by_extra: dict[str, list[str]] = {}
    for code in _WEEK:
        if code in partial:
            by_extra.setdefault(_spans_text(partial[code]), []).append(code)
    notes += [f"{_group_days(codes)}{text}は一部の業務のみ" for text, codes in by_extra.items()]
    if holiday is not None and not holiday_spans:
        notes.append("祝日は休み")
    elif holiday_spans and (len(holiday_spans) > 1 or holiday_spans[0] != usual):
        notes.append(f"祝日は{_spans_text(holiday_spans)}")
    notes += _yearly_closures(schedule, office)
    notes += [f"臨時開庁 {text}" for text in _extra_openings(schedule, office, on)]
    return StandardHours(days=days, opens=hhmm(usual[0]) if usual else "", closes=hhmm(usual[1]) if usual else "",
                         note="。".join(notes))
