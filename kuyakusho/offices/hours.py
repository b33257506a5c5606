"""Opening hours: the one function that says whether an office, a service or a channel is open.

    status("offices", at, office=nerima, service=todoke)   # a counter service at an office
    status("kiosk", at)                                     # the certificate kiosks
    status("konbini", at)                                   # convenience-store issuance
    office_status(office, at, service=None)                 # shortcut for an office's own schedule

The answer (:class:`Opening`) says whether it is open at ``at``, until when, and when it next opens.
Rules are data (``OpeningRule``, ``SpecialDay``); national holidays come from ``jpholiday``; the
ward's own closures (12/29–1/3 and days an administrator adds) are ``SpecialDay`` rows.

To answer many questions about one schedule (a page with six offices and four services), load it
once with :meth:`Calendar.load` and ask the calendar. Loaded calendars are kept per process under the
schedule's ``rules_token``, which changes in the same transaction as any of its rules (``offices.signals``):
a process sees a change as soon as it reads the schedule row again, and a rolled-back change takes its
token back with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import jpholiday
from django.utils import timezone

from .models import DAY_CODES, Office, OpeningRule, Schedule, Service, SpecialDay

TOKYO = ZoneInfo("Asia/Tokyo")
LOOKAHEAD_DAYS = 400  # far enough to find the next opening across any closure


def day_code(d: date) -> str:
    """``hol`` for a national holiday (振替休日 included), else mon … sun."""
    if jpholiday.is_holiday(d):
        return "hol"
    return DAY_CODES[d.weekday()]


def holiday_name(d: date) -> str | None:
    return jpholiday.is_holiday_name(d)


@dataclass(frozen=True)
class Opening:
    is_open: bool
    at: datetime
    closes_at: datetime | None = None  # when the current opening ends (if open)
    next_opens_at: datetime | None = None  # the next opening after ``at`` (if closed; or after this one)
    closed_reason: str = ""  # a holiday's name or a closure's reason, if closed today

    def as_dict(self) -> dict:
        return {
            "is_open": self.is_open,
            "closes_at": self.closes_at.isoformat() if self.closes_at else None,
            "next_opens_at": self.next_opens_at.isoformat() if self.next_opens_at else None,
            "closed_reason": self.closed_reason,
        }


def _covers(sd: SpecialDay | None, d: date) -> bool:
    if sd is None:
        return False
    if not sd.annual:
        return sd.date_from <= d <= sd.date_to
    start, end, md = (sd.date_from.month, sd.date_from.day), (sd.date_to.month, sd.date_to.day), (d.month, d.day)
    if start <= end:
        return start <= md <= end
    return md >= start or md <= end  # wraps the year end (12/29 → 1/3)


@dataclass
class _Rule:
    office_id: int | None
    service_ids: frozenset[int]
    days: frozenset[str] = frozenset()
    opens: time | None = None
    closes: time | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    special: SpecialDay | None = None

    def applies(self, office_id: int | None, service_id: int | None) -> bool:
        if self.office_id is not None and self.office_id != office_id:
            return False
        return not self.service_ids or service_id is None or service_id in self.service_ids


_LOADED_MAX = 256


@dataclass
class Calendar:
    """One schedule's rules, loaded once (3 queries), answering in memory."""

    schedule: Schedule
    weekly: list[_Rule] = field(default_factory=list)
    closed: list[_Rule] = field(default_factory=list)
    extra: list[_Rule] = field(default_factory=list)

    @classmethod
    def load(cls, schedule: Schedule | str) -> Calendar:
        """The schedule's calendar (3 queries the first time for this ``rules_token``, then none)."""
        if isinstance(schedule, str):
            schedule = Schedule.objects.get(code=schedule)
        key = (schedule.pk, schedule.rules_token)
        cal = _loaded.get(key)
        if cal is None:
            if len(_loaded) >= _LOADED_MAX:
                _loaded.clear()
            cal = _loaded[key] = cls._read(schedule)
        return cal

    @classmethod
    def _read(cls, schedule: Schedule) -> Calendar:
        cal = cls(schedule)
        for r in OpeningRule.objects.filter(schedule=schedule).prefetch_related("services"):
            cal.weekly.append(_Rule(r.office_id, frozenset(s.pk for s in r.services.all()), r.day_set,
                                    r.opens, r.closes, r.valid_from, r.valid_until))
        for sd in SpecialDay.objects.filter(schedule=schedule).prefetch_related("services"):
            rule = _Rule(sd.office_id, frozenset(s.pk for s in sd.services.all()), opens=sd.opens,
                         closes=sd.closes, special=sd)
            (cal.closed if sd.kind == SpecialDay.Kind.CLOSED else cal.extra).append(rule)
        return cal

    # --- one day -------------------------------------------------------------------------------

    def closure(self, d: date, office_id: int | None = None, service_id: int | None = None) -> SpecialDay | None:
        for r in self.closed:
            if r.applies(office_id, service_id) and _covers(r.special, d):
                return r.special
        return None

    def intervals(self, d: date, office_id: int | None = None, service_id: int | None = None
                  ) -> list[tuple[datetime, datetime]]:
        """The opening intervals of one day, merged, as aware datetimes (Asia/Tokyo)."""
        if self.closure(d, office_id, service_id):
            return []
        code = day_code(d)
        rules = [
            r for r in self.weekly
            if code in r.days and r.applies(office_id, service_id)
            and (r.valid_from is None or r.valid_from <= d) and (r.valid_until is None or d <= r.valid_until)
        ]
        rules += [r for r in self.extra if r.applies(office_id, service_id) and _covers(r.special, d)]
        spans = [(r.opens, r.closes) for r in rules if r.opens is not None and r.closes is not None]
        merged: list[list[time]] = []
        for opens, closes in sorted(spans):
            if merged and opens <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], closes)
            else:
                merged.append([opens, closes])
        return [(datetime.combine(d, o, TOKYO), datetime.combine(d, c, TOKYO)) for o, c in merged]

    def closed_reason(self, d: date, office_id: int | None = None, service_id: int | None = None) -> str:
        sd = self.closure(d, office_id, service_id)
        if sd:
            return sd.reason
        return holiday_name(d) or ""

    # --- the question ----------------------------------------------------------------------------

    def status(self, at: datetime | None = None, *, office: Office | int | None = None,
               service: Service | int | None = None) -> Opening:
        at = at or timezone.now()
        at = at.replace(tzinfo=TOKYO) if timezone.is_naive(at) else timezone.localtime(at, TOKYO)
        office_id = office.pk if isinstance(office, Office) else office
        service_id = service.pk if isinstance(service, Service) else service
        today = at.date()
        current = None
        next_open = None
        for offset in range(LOOKAHEAD_DAYS):
            d = today + timedelta(days=offset)
            for start, end in self.intervals(d, office_id, service_id):
                if end <= at:
                    continue
                if start <= at < end and current is None:
                    current = (start, end)
                    continue
                if start > at:
                    next_open = start
                    break
            if next_open:
                break
        if current:
            return Opening(True, at, closes_at=current[1], next_opens_at=next_open)
        return Opening(False, at, next_opens_at=next_open,
                       closed_reason=self.closed_reason(today, office_id, service_id))


_loaded: dict[tuple[int, str], Calendar] = {}


def status(schedule: Schedule | str, at: datetime | None = None, *, office: Office | None = None,
           service: Service | None = None) -> Opening:
    """Is this schedule (for this office and service) open at ``at``, and when does it next open?"""
    return Calendar.load(schedule).status(at, office=office, service=service)


def office_calendar(office: Office) -> Calendar:
    return Calendar.load(office.schedule or "offices")


def office_status(office: Office, at: datetime | None = None, service: Service | None = None) -> Opening:
    """An office's counters (optionally one service) — the office's own schedule."""
    return office_calendar(office).status(at, office=office, service=service)
