"""Counter traffic for the demo ward: months of history at once, or live tickets while `make run` serves.

    manage.py demo_traffic --backfill-days 120     # bulk-insert plausible past tickets (seconds, not hours)
    manage.py demo_traffic --live [--speed 30]      # issue, call and finish tickets now, through the services

Arrivals are Poisson with a rate that varies by service, office size, hour of day, weekday and season
(March–April is the 転入転居 peak: arrivals outrun the counters and waits grow past an hour, as the seed
describes). Each office's counters take the earliest waiting ticket among the services they handle
(priority tickets first), with lognormal service times — a simulation, not a steady-state formula.
"""

from __future__ import annotations

import math
import random
import time
from collections import deque
from datetime import date, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from kuyakusho.accounts.capabilities import Role
from kuyakusho.accounts.models import Staff
from kuyakusho.audit.context import audit_context
from kuyakusho.audit.services import record_write
from kuyakusho.core.errors import ApplicationError
from kuyakusho.offices.hours import TOKYO, Calendar
from kuyakusho.offices.models import Counter, Office
from kuyakusho.queues import services
from kuyakusho.queues.models import Priority, Status, Ticket, new_token

BASE_PER_HOUR = {"todoke": 4.0, "shomei": 6.0, "inkan": 1.5, "kokuho": 3.0}
OFFICE_SIZE = {"nerima": 1.5, "hikarigaoka": 1.1, "shakujii": 1.1, "oizumi": 1.0, "daini": 0.7, "seki": 0.7}
HOUR_PROFILE = {8: 1.0, 9: 1.4, 10: 1.5, 11: 1.3, 12: 0.9, 13: 1.2, 14: 1.2, 15: 1.1, 16: 0.9, 17: 0.6, 18: 0.4}
SEASON = {1: 0.9, 2: 1.0, 3: 1.8, 4: 1.6, 5: 1.0, 6: 0.9, 7: 1.0, 8: 0.9, 9: 1.0, 10: 1.0, 11: 0.9, 12: 1.0}
WEEKDAY = {0: 1.2, 1: 1.0, 2: 0.95, 3: 0.95, 4: 1.1, 5: 1.3, 6: 1.0}
ABSENT_RATE = 0.03
PRIORITIES = [(Priority.PREGNANCY, 0.01), (Priority.DISABILITY, 0.015), (Priority.APPOINTMENT, 0.01)]
BATCH = 2000


def rate_per_hour(service_code: str, office_code: str, at: datetime) -> float:
    local = timezone.localtime(at, TOKYO)
    return (BASE_PER_HOUR.get(service_code, 2.0) * OFFICE_SIZE.get(office_code, 1.0)
            * HOUR_PROFILE.get(local.hour, 0.3) * SEASON[local.month] * WEEKDAY[local.weekday()])


def service_minutes(rng: random.Random, typical: int) -> float:
    sigma = 0.5
    return max(1.0, rng.lognormvariate(math.log(typical) - sigma * sigma / 2, sigma))


def pick_priority(rng: random.Random) -> str:
    x = rng.random()
    for value, p in PRIORITIES:
        if x < p:
            return value
        x -= p
    return ""


class OfficeDay:
    """One office's day, simulated event by event."""

    def __init__(self, office: Office, counters: list[Counter], calendar: Calendar, day: date,
                 rng: random.Random) -> None:
        self.office, self.counters, self.cal, self.day, self.rng = office, counters, calendar, day, rng
        self.services = {s.pk: s for s in office.services.all()}

    def arrivals(self) -> list[tuple[datetime, int]]:
        out = []
        for sid, service in self.services.items():
            for start, end in self.cal.intervals(self.day, self.office.pk, sid):
                t = start
                while True:
                    lam = rate_per_hour(service.code, self.office.code, t)
                    t += timedelta(hours=self.rng.expovariate(max(lam, 0.01)))
                    if t >= end:
                        break
                    out.append((t, sid))
        return sorted(out)

    def run(self) -> list[Ticket]:
        arrivals = self.arrivals()
        if not arrivals:
            return []
        numbers: dict[int, int] = {}
        tickets: list[Ticket] = []
        # Per service: priority tickets and the others, each in arrival order.
        queues: dict[int, tuple[deque[Ticket], deque[Ticket]]] = {sid: (deque(), deque()) for sid in self.services}
        free_at = {c.pk: arrivals[0][0] for c in self.counters}
        handles = {c.pk: [s.pk for s in c.services.all() if s.pk in self.services] for c in self.counters}
        idx, never = 0, datetime.max.replace(tzinfo=TOKYO)

        def head(counter_id: int) -> tuple[bool, datetime, int, int] | None:
            best = None
            for sid in handles[counter_id]:
                for rank, q in enumerate(queues[sid]):
                    if q and (best is None or (rank, q[0].queued_at) < (best[2], best[1])):
                        best = (True, q[0].queued_at, rank, sid)
            return best

        while True:
            next_arrival = arrivals[idx][0] if idx < len(arrivals) else never
            ready = [(free_at[c], c, h) for c in free_at if (h := head(c))]
            if not ready and next_arrival == never:
                break
            when, counter_id, h = min(ready, key=lambda r: r[0]) if ready else (never, None, None)
            if counter_id is not None and when < next_arrival:
                assert h is not None  # a counter was ready
                _ok, _queued, rank, sid = h
                t = queues[sid][rank].popleft()
                now = max(when, t.queued_at)
                self.serve(t, counter_id, now, free_at)
                continue
            at, sid = arrivals[idx]
            idx += 1
            numbers[sid] = numbers.get(sid, 0) + 1
            t = Ticket(office=self.office, service_id=sid, day=self.day, letter=self.services[sid].letter,
                       number=numbers[sid], priority=pick_priority(self.rng), issued_at=at, queued_at=at,
                       token=new_token(), updated_at=at)
            tickets.append(t)
            queues[sid][0 if t.priority else 1].append(t)
        return tickets

    def serve(self, t: Ticket, counter_id: int, now: datetime, free_at: dict) -> None:
        t.counter_id, t.called_at = counter_id, now
        t.wait_seconds = int((now - t.queued_at).total_seconds())
        if self.rng.random() < ABSENT_RATE:
            t.status, t.done_at = Status.ABSENT, now + timedelta(minutes=2)
        else:
            t.serving_at = now + timedelta(seconds=self.rng.uniform(20, 90))
            minutes = service_minutes(self.rng, self.services[t.service_id].typical_minutes)
            t.done_at = t.serving_at + timedelta(minutes=minutes)
            t.status, t.service_seconds = Status.DONE, int((t.done_at - t.serving_at).total_seconds())
        t.updated_at = t.done_at
        free_at[counter_id] = t.done_at


class Command(BaseCommand):
    help = "Simulate counter traffic: --backfill-days N for history, --live for tickets now."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--backfill-days", type=int, default=0, help="create history for the past N days")
        parser.add_argument("--live", action="store_true", help="issue and serve tickets now, in real time")
        parser.add_argument("--speed", type=float, default=20.0, help="live: this many times faster")
        parser.add_argument("--duration", type=float, default=0, help="live: stop after this many seconds (0: never)")
        parser.add_argument("--ignore-hours", action="store_true", help="live: keep going outside opening hours")
        parser.add_argument("--offices", default="", help="comma-separated office codes (default: all)")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **opts) -> None:
        offices = list(Office.objects.filter(services__isnull=False).distinct().select_related("schedule")
                       .prefetch_related("services"))
        if opts["offices"]:
            wanted = set(opts["offices"].split(","))
            offices = [o for o in offices if o.code in wanted]
        if not offices:
            raise CommandError("no offices with services: run `manage.py demo_ward` first")
        if not opts["backfill_days"] and not opts["live"]:
            raise CommandError("choose --backfill-days N and/or --live")
        with audit_context(channel="system", via="demo_traffic"):
            if opts["backfill_days"]:
                self.backfill(offices, opts["backfill_days"], random.Random(opts["seed"]))
            if opts["live"]:
                run_live(self, offices, speed=opts["speed"], duration=opts["duration"],
                         ignore_hours=opts["ignore_hours"], rng=random.Random(opts["seed"] + 1))

    def backfill(self, offices: list[Office], days: int, rng: random.Random) -> None:
        started = time.perf_counter()
        today = timezone.localdate()
        first = today - timedelta(days=days)
        calendars = {o.schedule_id: Calendar.load(o.schedule or "offices") for o in offices}
        counters = {o.pk: list(Counter.objects.filter(office=o, is_active=True).prefetch_related("services"))
                    for o in offices}
        total = 0
        with transaction.atomic():
            deleted, _ = Ticket.objects.filter(office__in=offices, day__gte=first, day__lt=today,
                                               transferred_from__isnull=True).delete()
            batch: list[Ticket] = []
            for n in range(days):
                d = first + timedelta(days=n)
                for o in offices:
                    batch += OfficeDay(o, counters[o.pk], calendars[o.schedule_id], d, rng).run()
                if len(batch) >= BATCH:
                    Ticket.objects.bulk_create(batch, batch_size=BATCH)
                    total += len(batch)
                    batch = []
            Ticket.objects.bulk_create(batch, batch_size=BATCH)
            total += len(batch)
            record_write(actor=None, action="queues.demo_backfill", detail={
                "days": days, "from": first, "tickets": total, "replaced": deleted,
                "offices": [o.code for o in offices]})
        self.stdout.write(self.style.SUCCESS(
            f"demo traffic: {total} tickets over {days} days at {len(offices)} offices "
            f"in {time.perf_counter() - started:.1f}s"))


# --- live mode ---------------------------------------------------------------------------------------

def _demo_clerk():
    clerk, created = Staff.objects.get_or_create(username="demo-traffic", defaults={
        "display_name": "デモ窓口（シミュレーター）", "role": Role.CLERK, "is_active": True})
    if created:
        clerk.set_unusable_password()
        clerk.save()
        record_write(actor=None, action="staff.create_demo", target=clerk, changes={"role": [None, Role.CLERK]})
    return clerk


def run_live(cmd: BaseCommand, offices: list[Office], *, speed: float, duration: float, ignore_hours: bool,
             rng: random.Random, tick: float = 1.0) -> dict:
    """Issue tickets with the demo rates (× speed) and let a simulated clerk at every counter call, serve
    and finish them — through the same services, audit trail and live pushes as real use."""
    clerk = _demo_clerk()
    counters = [c for o in offices for c in Counter.objects.filter(office=o, is_active=True)
                .select_related("office").prefetch_related("services")]
    plan: dict[int, datetime] = {}  # counter → when its current step ends
    stats = {"issued": 0, "called": 0, "finished": 0, "refused": 0}
    started = time.monotonic()
    cmd.stdout.write(f"demo traffic (live, ×{speed:g}): Ctrl-C to stop")
    try:
        while not duration or time.monotonic() - started < duration:
            now = timezone.now()
            for o in offices:
                for service in o.services.all():
                    lam = rate_per_hour(service.code, o.code, now) * speed * tick / 3600
                    for _ in range(_poisson(rng, lam)):
                        try:
                            services.issue_ticket(actor=None, office=o, service=service,
                                                  priority=pick_priority(rng), check_hours=not ignore_hours)
                            stats["issued"] += 1
                        except ApplicationError:
                            stats["refused"] += 1
            for c in counters:
                if plan.get(c.pk) and plan[c.pk] > now:
                    continue
                current = Ticket.objects.filter(counter=c, status__in=[Status.CALLED, Status.SERVING]) \
                    .select_related("service", "office").first()
                try:
                    if current is None:
                        services.call_next(actor=clerk, counter=c)
                        stats["called"] += 1
                        plan[c.pk] = now + timedelta(seconds=rng.uniform(10, 40) / max(1.0, speed / 10))
                    elif current.status == Status.CALLED:
                        if rng.random() < ABSENT_RATE:
                            services.mark_absent(actor=clerk, counter=c, ticket=current)
                        else:
                            services.start_serving(actor=clerk, counter=c, ticket=current)
                            minutes = service_minutes(rng, current.service.typical_minutes)
                            plan[c.pk] = now + timedelta(minutes=minutes / speed)
                    else:
                        services.finish(actor=clerk, counter=c, ticket=current)
                        stats["finished"] += 1
                        plan[c.pk] = now
                except ApplicationError:  # nobody waiting, or the counter is closed for this service
                    plan[c.pk] = now + timedelta(seconds=5)
            time.sleep(tick)
    except KeyboardInterrupt:
        pass
    cmd.stdout.write(f"demo traffic: {stats}")
    return stats


def _poisson(rng: random.Random, lam: float) -> int:
    k, p, limit = 0, rng.random(), math.exp(-lam)
    while p > limit and k < 100:
        k += 1
        p *= rng.random()
    return k
