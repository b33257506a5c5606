"""Estimated waits from this office's recent service times (not a constant).

minutes for someone now joining = people ahead × minutes per person ÷ counters serving the service.

* minutes per person: the mean ``service_seconds`` of tickets finished at this office for this service
  in the last 3 hours (at least 5 of them), else the last 14 days, else the service's typical minutes;
* counters serving: distinct counters that called a ticket of this service in the last hour, else the
  active counters that handle the service.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Avg, Count
from django.utils import timezone

from kuyakusho.core.recent import kept, store
from kuyakusho.offices.models import Counter, Office

from .models import Status, Ticket

RECENT = timedelta(hours=3)
LONGER = timedelta(days=14)
MIN_SAMPLES = 5


@dataclass(frozen=True)
class Rate:
    minutes_per_person: float
    counters: int
    source: str  # "recent", "history" or "typical"

    def wait_minutes(self, ahead: int) -> int:
        if ahead <= 0:
            return 0
        return math.ceil(ahead * self.minutes_per_person / max(1, self.counters))


def rates(office_ids: list[int], services: list, now: datetime | None = None) -> dict[tuple[int, int], Rate]:
    """{(office_id, service_id): Rate} in four grouped queries for all the offices and services asked."""
    now = now or timezone.now()
    done = Ticket.objects.filter(office_id__in=office_ids, status=Status.DONE, service_seconds__isnull=False)

    def means(since):
        rows = (done.filter(done_at__gte=since, done_at__lte=now).values("office_id", "service_id")
                .annotate(mean=Avg("service_seconds"), n=Count("id")))
        return {(r["office_id"], r["service_id"]): r for r in rows}

    recent, longer = means(now - RECENT), means(now - LONGER)
    busy = (Ticket.objects.filter(office_id__in=office_ids, called_at__gte=now - timedelta(hours=1),
                                  counter__isnull=False)
            .values("office_id", "service_id").annotate(n=Count("counter_id", distinct=True)))
    busy_by = {(r["office_id"], r["service_id"]): r["n"] for r in busy}
    configured = (Counter.objects.filter(office_id__in=office_ids, is_active=True)
                  .values("office_id", "services").annotate(n=Count("id")))
    configured_by = {(r["office_id"], r["services"]): r["n"] for r in configured}
    out = {}
    for office_id in office_ids:
        for service in services:
            key = (office_id, service.pk)
            if key in recent and recent[key]["n"] >= MIN_SAMPLES:
                minutes, source = recent[key]["mean"] / 60, "recent"
            elif key in longer and longer[key]["n"] >= MIN_SAMPLES:
                minutes, source = longer[key]["mean"] / 60, "history"
            else:
                minutes, source = float(service.typical_minutes), "typical"
            counters = busy_by.get(key) or configured_by.get(key) or 1
            out[key] = Rate(minutes, counters, source)
    return out


RATES_SNAPSHOT_SECONDS = 20  # the averages move slowly: every process reads them from the shared cache


def live_rates(office_ids: list[int], services: list) -> dict[tuple[int, int], Rate]:
    """:func:`rates` for pages showing the present (congestion, the lobby, a ticket's page), from one snapshot
    of every office and service in the shared cache, rebuilt every ``RATES_SNAPSHOT_SECONDS`` by whichever
    process asks first. The averages over 3 hours and 14 days cost several milliseconds of the database; one
    snapshot for all keeps a page from paying them because nobody had asked for its office in the last seconds.
    """
    now = timezone.now()
    key = f"queues:rates:{int(now.timestamp() // RATES_SNAPSHOT_SECONDS)}"

    def every_rate() -> dict[tuple[int, int], Rate]:  # (and those asked, even if no longer offered)
        offices = list(Office.objects.filter(services__isnull=False).distinct().prefetch_related("services"))
        every = {s.pk: s for o in offices for s in o.services.all()} | {s.pk: s for s in services}
        return rates(sorted({o.pk for o in offices} | set(office_ids)), list(every.values()), now)

    found = kept(key, every_rate, timeout=RATES_SNAPSHOT_SECONDS * 2)
    if not {(o, s.pk) for o in office_ids for s in services} <= found.keys():  # an office or service not offered
        found = store(key, every_rate(), timeout=RATES_SNAPSHOT_SECONDS * 2)
    return found
