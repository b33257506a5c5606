"""Reads for the office guide and the API."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Prefetch, Q
from django.utils import timezone

from .hours import Calendar
from .models import DAY_CODES, DAY_LABELS, Counter, Office, OpeningRule, Schedule, SpecialDay


def days_text(days: frozenset[str]) -> str:
    from django.utils.translation import gettext as _

    weekdays = {"mon", "tue", "wed", "thu", "fri"}
    parts = []
    if weekdays <= days:
        parts.append(_("平日"))
        rest = [d for d in DAY_CODES if d in days and d not in weekdays]
    else:
        rest = [d for d in DAY_CODES if d in days]
    parts += [str(DAY_LABELS[d]) for d in rest]
    return _("・").join(parts)


def schedule_rules(schedule: Schedule) -> list[OpeningRule]:
    """Every weekly rule of a schedule (all offices'), read once for a page that describes several offices."""
    return list(OpeningRule.objects.filter(schedule=schedule).select_related("office")
                .prefetch_related("services").order_by("office_id", "opens"))


def describe_rules(schedule: Schedule, office: Office | None = None, *,
                   rules: list[OpeningRule] | None = None) -> list[dict]:
    """The rules that apply to ``office`` (the schedule's own and the office's); ``rules`` from
    :func:`schedule_rules` when the caller describes several offices of one schedule."""
    if rules is None:
        rules = list(OpeningRule.objects.filter(schedule=schedule).filter(Q(office=None) | Q(office=office))
                     .select_related("office").prefetch_related("services").order_by("office_id", "opens"))
    office_id = office.pk if office is not None else None
    return [{"days": days_text(r.day_set), "opens": r.opens, "closes": r.closes, "office": r.office,
             "services": list(r.services.all())} for r in rules if r.office_id in (None, office_id)]


def upcoming_special_days(schedule: Schedule, days: int = 120) -> list[SpecialDay]:
    today = timezone.localdate()
    return list(SpecialDay.objects.filter(schedule=schedule, annual=False, date_to__gte=today,
                                          date_from__lte=today + timedelta(days=days))
                .select_related("office").prefetch_related("services").order_by("date_from"))


def office_guide() -> dict:
    now = timezone.now()
    offices = list(Office.objects.select_related("schedule").prefetch_related(
        "services", Prefetch("counters", queryset=Counter.objects.filter(is_active=True).prefetch_related("services"))))
    calendars: dict[int, Calendar] = {}
    rules: dict[int, list[OpeningRule]] = {}
    out = []
    for o in offices:
        schedule = o.schedule
        if schedule is None:
            continue
        cal = calendars.setdefault(schedule.pk, Calendar.load(schedule))
        if schedule.pk not in rules:
            rules[schedule.pk] = schedule_rules(schedule)
        out.append({"office": o, "status": cal.status(now, office=o),
                    "rules": describe_rules(schedule, o, rules=rules[schedule.pk]),
                    "counters": list(o.counters.all())})
    schedule = Schedule.objects.filter(code="offices").first()
    return {"offices": out, "now": now,
            "special_days": upcoming_special_days(schedule) if schedule else [],
            "annual": list(SpecialDay.objects.filter(schedule=schedule, annual=True)) if schedule else []}
