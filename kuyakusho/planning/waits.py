"""The waits the counters recorded (ticket → first call), per office: what a simulated spring is compared with."""

from __future__ import annotations

import datetime

from django.db.models import Avg, Count, Max
from django.db.models.functions import ExtractHour

from kuyakusho.offices.hours import TOKYO
from kuyakusho.queues.models import Ticket


def recorded_waits(*, date_from: datetime.date, date_to: datetime.date,
                   offices: tuple[str, ...] = ()) -> dict[str, dict[str, float]]:
    """Per office code: tickets, mean, p90 and max wait (minutes), and office-day-hours whose mean wait passed
    30 and 60 minutes."""
    qs = Ticket.objects.filter(day__gte=date_from, day__lte=date_to, transferred_from__isnull=True,
                               wait_seconds__isnull=False)
    if offices:
        qs = qs.filter(office__code__in=offices)
    out: dict[str, dict[str, float]] = {}
    for code, n, mean, top in (qs.values_list("office__code").annotate(n=Count("id"), mean=Avg("wait_seconds"),
                                                                       top=Max("wait_seconds")).order_by()):
        one = qs.filter(office__code=code)
        k = max(0, min(n - 1, int(0.9 * n + 0.999) - 1))
        p90 = one.order_by("wait_seconds").values_list("wait_seconds", flat=True)[k]
        out[code] = {"tickets": n, "mean_wait": round((mean or 0) / 60, 2), "p90_wait": round(p90 / 60, 2),
                     "max_wait": round((top or 0) / 60, 2), "hours_over_30": 0, "hours_over_60": 0}
    hourly = (qs.annotate(h=ExtractHour("issued_at", tzinfo=TOKYO)).values_list("office__code", "day", "h")
              .annotate(mean=Avg("wait_seconds")).order_by())
    for code, _day, _h, mean in hourly:
        if mean and mean > 30 * 60:
            out[code]["hours_over_30"] += 1
        if mean and mean > 60 * 60:
            out[code]["hours_over_60"] += 1
    return out
