"""The peak simulator: a discrete-event simulation (SimPy) of offices' counters, day by day.

Pure: a ``SimulationInput`` (arrival rates per office, service, day and hour; counters per office and hour;
service-time distributions; priority share; balking and reneging) and a seed in, a ``SimulationResult`` out.
The same input and seed give the same result on any machine (one ``random.Random`` per office-day, seeded from
the run's seed and the office-day), which is what a saved run stores.

Model, per office and day (queues are empty at the start of a day: every ticket is served before closing):
- arrivals are Poisson within each hour at the hour's rate (a non-homogeneous Poisson process); a share of
  them hold priority tickets (pregnancy, disability, appointment), served first within their service;
- an arrival who finds ``balk_queue`` or more people waiting for the service leaves at once with probability
  ``balk_probability``; a waiting person leaves when their patience (exponential, mean ``patience_minutes``) runs
  out before a counter calls them;
- a counter handles a set of services; when free it calls the earliest priority ticket of its services, else the
  earliest ticket; it calls tickets issued while it is open (from ``open`` to ``close``) and finishes them even
  after closing, so a ticket taken before closing is always served;
- service times are drawn from the recorded distribution of the service (inverse CDF of its quantiles) or,
  for the steady-state check against Erlang C, from an exponential distribution.
"""

from __future__ import annotations

import math
import random
import zlib
from collections import deque
from collections.abc import Generator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import simpy

MINUTES = 60.0


@dataclass(frozen=True, slots=True)
class ServiceTimes:
    """A service-time distribution in minutes: equally spaced quantiles (0 … 1), or an exponential mean."""

    quantiles: tuple[float, ...] = ()
    mean: float = 0.0

    def draw(self, rng: random.Random) -> float:
        if not self.quantiles:
            return rng.expovariate(1.0 / self.mean)
        q = self.quantiles
        x = rng.random() * (len(q) - 1)
        i = int(x)
        return q[i] + (q[min(i + 1, len(q) - 1)] - q[i]) * (x - i)

    @property
    def average(self) -> float:
        if not self.quantiles:
            return self.mean
        q = self.quantiles
        return sum((q[i] + q[i + 1]) / 2 for i in range(len(q) - 1)) / (len(q) - 1)


@dataclass(frozen=True, slots=True)
class CounterPlan:
    """``count`` counters for ``services`` open from ``open_hour`` to ``close_hour`` (on ``days``, or every day)."""

    services: tuple[str, ...]
    open_hour: float
    close_hour: float
    count: int = 1
    days: tuple[str, ...] = ()  # ISO dates; empty: every day


@dataclass(frozen=True, slots=True)
class OfficePlan:
    code: str
    name: str
    counters: tuple[CounterPlan, ...]


@dataclass(frozen=True, slots=True)
class ArrivalRate:
    """Expected arrivals per hour for one office, service, day and hour."""

    office: str
    service: str
    day: str  # ISO date
    hour: int
    rate: float


@dataclass(frozen=True, slots=True)
class SimulationInput:
    days: tuple[str, ...]
    offices: tuple[OfficePlan, ...]
    arrivals: tuple[ArrivalRate, ...]
    service_times: dict[str, ServiceTimes]
    priority_share: float = 0.035
    balk_queue: int = 0  # 0: nobody balks
    balk_probability: float = 0.0
    patience_minutes: float = 0.0  # 0: nobody reneges

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SimulationInput:
        """The input a saved run stored (``to_json``), exactly."""
        offices = tuple(OfficePlan(code=str(o["code"]), name=str(o["name"]), counters=tuple(
            CounterPlan(services=tuple(str(x) for x in c["services"]), open_hour=float(c["open_hour"]),
                        close_hour=float(c["close_hour"]), count=int(c["count"]),
                        days=tuple(str(x) for x in c.get("days", ()))) for c in o["counters"]))
            for o in data["offices"])
        arrivals = tuple(ArrivalRate(office=str(a["office"]), service=str(a["service"]), day=str(a["day"]),
                                     hour=int(a["hour"]), rate=float(a["rate"])) for a in data["arrivals"])
        times = {str(k): ServiceTimes(quantiles=tuple(float(x) for x in v.get("quantiles", ())),
                                      mean=float(v.get("mean", 0.0)))
                 for k, v in data["service_times"].items()}
        return cls(days=tuple(str(x) for x in data["days"]), offices=offices, arrivals=arrivals, service_times=times,
                   priority_share=float(data.get("priority_share", 0.035)),
                   balk_queue=int(data.get("balk_queue", 0)), balk_probability=float(data.get("balk_probability", 0.0)),
                   patience_minutes=float(data.get("patience_minutes", 0.0)))


@dataclass(slots=True)
class Visit:
    """One simulated ticket (times in minutes from the day's midnight)."""

    service: str
    arrival: float
    priority: bool
    patience: float
    start: float = -1.0
    end: float = -1.0
    outcome: str = "waiting"  # served | balked | reneged


@dataclass(slots=True)
class _Counter:
    services: tuple[str, ...]
    opens: float
    closes: float
    finishes: bool = True  # keeps calling tickets issued before its closing (the day's last counters)
    busy: bool = False
    busy_minutes: float = 0.0


class OfficeDay:
    """One office's day in a SimPy environment."""

    def __init__(self, *, counters: Sequence[_Counter], arrivals: Sequence[tuple[float, str, bool, float]],
                 service_times: dict[str, ServiceTimes], rng: random.Random, balk_queue: int = 0,
                 balk_probability: float = 0.0) -> None:
        self.env = simpy.Environment()
        self.counters = list(counters)
        self.planned = arrivals
        self.times, self.rng = service_times, rng
        self.balk_queue, self.balk_probability = balk_queue, balk_probability
        self.queues: dict[str, tuple[deque[Visit], deque[Visit]]] = {}
        self.visits: list[Visit] = []
        self.by_service: dict[str, list[_Counter]] = {}
        for c in self.counters:
            for s in c.services:
                self.by_service.setdefault(s, []).append(c)

    def run(self) -> list[Visit]:
        self.env.process(self._arrivals())
        for c in self.counters:
            self.env.process(self._opening(c))
        self.env.run()
        return self.visits

    def _waiting(self, service: str) -> int:
        q = self.queues.get(service)
        return len(q[0]) + len(q[1]) if q else 0

    def _arrivals(self) -> Generator[simpy.events.Event, Any, None]:
        env = self.env
        for at, service, priority, patience in self.planned:
            if at > env.now:
                yield env.timeout(at - env.now)
            v = Visit(service=service, arrival=at, priority=priority, patience=patience)
            self.visits.append(v)
            if (self.balk_queue and self._waiting(service) >= self.balk_queue
                    and self.rng.random() < self.balk_probability):
                v.outcome, v.end = "balked", at
                continue
            self.queues.setdefault(service, (deque(), deque()))[0 if priority else 1].append(v)
            for c in self.by_service.get(service, ()):
                if not c.busy and c.opens <= at < c.closes:
                    self._start(c)
                    break

    def _opening(self, c: _Counter) -> Generator[simpy.events.Event, Any, None]:
        if c.opens > self.env.now:
            yield self.env.timeout(c.opens - self.env.now)
        if not c.busy:
            self._start(c)

    def _next_for(self, c: _Counter) -> Visit | None:
        now = self.env.now
        if now >= c.closes and not c.finishes:
            return None
        best: Visit | None = None
        best_rank = (2, math.inf)
        for s in c.services:
            q = self.queues.get(s)
            if not q:
                continue
            for rank, dq in enumerate(q):
                while dq and dq[0].patience and dq[0].arrival + dq[0].patience < now:
                    gone = dq.popleft()
                    gone.outcome, gone.end = "reneged", gone.arrival + gone.patience
                if dq and dq[0].arrival < c.closes and (rank, dq[0].arrival) < best_rank:
                    best, best_rank = dq[0], (rank, dq[0].arrival)
        if best is not None:
            self.queues[best.service][0 if best.priority else 1].popleft()
        return best

    def _start(self, c: _Counter) -> None:
        v = self._next_for(c)
        if v is not None:
            c.busy = True
            self.env.process(self._serve(c, v))

    def _serve(self, c: _Counter, v: Visit) -> Generator[simpy.events.Event, Any, None]:
        while True:
            v.start = self.env.now
            minutes = self.times[v.service].draw(self.rng)
            yield self.env.timeout(minutes)
            v.end, v.outcome = self.env.now, "served"
            c.busy_minutes += minutes
            nxt = self._next_for(c)
            if nxt is None:
                c.busy = False
                return
            v = nxt


def poisson_arrivals(rng: random.Random, rates: Sequence[tuple[int, str, float]], *, priority_share: float,
                     patience_minutes: float) -> list[tuple[float, str, bool, float]]:
    """Arrival times (minutes) for hourly rates [(hour, service, per hour)], sorted."""
    out: list[tuple[float, str, bool, float]] = []
    for hour, service, rate in rates:
        if rate <= 0:
            continue
        t = hour * MINUTES
        end = t + MINUTES
        per_minute = rate / MINUTES
        while True:
            t += rng.expovariate(per_minute)
            if t >= end:
                break
            patience = rng.expovariate(1.0 / patience_minutes) if patience_minutes else 0.0
            out.append((t, service, rng.random() < priority_share, patience))
    out.sort()
    return out


def _seed(seed: int, office: str, day: str) -> int:
    return zlib.crc32(f"{seed}:{office}:{day}".encode()) ^ (seed * 2654435761 % 2**32)


@dataclass(slots=True)
class SimulationResult:
    """Aggregates of a run (minutes); ``hours`` holds one row per office, day and hour that had arrivals."""

    seed: int
    totals: dict[str, float] = field(default_factory=dict)
    offices: list[dict[str, object]] = field(default_factory=list)
    days: list[dict[str, object]] = field(default_factory=list)
    hours: list[dict[str, object]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    k = max(0, min(len(sorted_values) - 1, math.ceil(q * len(sorted_values)) - 1))
    return sorted_values[k]


def _summary(visits: Sequence[Visit]) -> dict[str, float]:
    waits = sorted(v.start - v.arrival for v in visits if v.outcome == "served")
    return {"arrivals": len(visits), "served": len(waits),
            "balked": sum(1 for v in visits if v.outcome == "balked"),
            "reneged": sum(1 for v in visits if v.outcome == "reneged"),
            "mean_wait": round(sum(waits) / len(waits), 2) if waits else 0.0,
            "p90_wait": round(percentile(waits, 0.9), 2), "max_wait": round(waits[-1], 2) if waits else 0.0}


def _max_queue_by_hour(visits: Sequence[Visit]) -> dict[int, int]:
    events: list[tuple[float, int]] = []
    for v in visits:
        if v.outcome == "balked":
            continue
        left = v.start if v.outcome == "served" else v.end
        events.append((v.arrival, 1))
        events.append((left, -1))
    events.sort(key=lambda e: (e[0], e[1]))
    out: dict[int, int] = {}
    n = 0
    for t, d in events:
        n += d
        h = int(t // MINUTES)
        if n > out.get(h, 0):
            out[h] = n
    return out


def counters_for(plan: OfficePlan, day: str) -> list[_Counter]:
    """The day's counters; those open until the day's last hour finish every ticket issued before closing."""
    plans = [c for c in plan.counters if not c.days or day in c.days]
    last = max((c.close_hour for c in plans), default=0.0)
    return [_Counter(services=c.services, opens=c.open_hour * MINUTES, closes=c.close_hour * MINUTES,
                     finishes=c.close_hour >= last) for c in plans for _ in range(c.count)]


def simulate(data: SimulationInput, *, seed: int) -> SimulationResult:
    """Run every office and day of ``data``; deterministic for a given ``seed``."""
    rates: dict[tuple[str, str], list[tuple[int, str, float]]] = {}
    for a in data.arrivals:
        rates.setdefault((a.office, a.day), []).append((a.hour, a.service, a.rate))
    result = SimulationResult(seed=seed)
    everything: list[Visit] = []
    for plan in data.offices:
        office_visits: list[Visit] = []
        busy = open_minutes = 0.0
        for day in data.days:
            day_rates = sorted(rates.get((plan.code, day), []))
            if not day_rates:
                continue
            rng = random.Random(_seed(seed, plan.code, day))
            arrivals = poisson_arrivals(rng, day_rates, priority_share=data.priority_share,
                                        patience_minutes=data.patience_minutes)
            counters = counters_for(plan, day)
            visits = OfficeDay(counters=counters, arrivals=arrivals, service_times=data.service_times, rng=rng,
                               balk_queue=data.balk_queue, balk_probability=data.balk_probability).run()
            busy += sum(c.busy_minutes for c in counters)
            open_minutes += sum(c.closes - c.opens for c in counters)
            office_visits += visits
            s = _summary(visits)
            queues = _max_queue_by_hour(visits)
            result.days.append({"office": plan.code, "day": day, **s, "max_queue": max(queues.values(), default=0)})
            by_hour: dict[int, list[Visit]] = {}
            for v in visits:
                by_hour.setdefault(int(v.arrival // MINUTES), []).append(v)
            for h in sorted(by_hour):
                hs = _summary(by_hour[h])
                result.hours.append({"office": plan.code, "day": day, "hour": h, "arrivals": hs["arrivals"],
                                     "mean_wait": hs["mean_wait"], "p90_wait": hs["p90_wait"],
                                     "max_wait": hs["max_wait"], "max_queue": queues.get(h, 0)})
        summary = _summary(office_visits)
        waits = [float(str(r["mean_wait"])) for r in result.hours if r["office"] == plan.code]
        result.offices.append({"office": plan.code, "name": plan.name, **summary,
                               "utilisation": round(busy / open_minutes, 3) if open_minutes else 0.0,
                               "hours_over_30": sum(1 for w in waits if w > 30),
                               "hours_over_60": sum(1 for w in waits if w > 60)})
        everything += office_visits
    result.totals = {**_summary(everything),
                     "hours_over_30": sum(int(str(o["hours_over_30"])) for o in result.offices),
                     "hours_over_60": sum(int(str(o["hours_over_60"])) for o in result.offices)}
    return result


def erlang_c_wait(*, arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in queue (Wq) of an M/M/c queue by the Erlang C formula (same time unit as the rates)."""
    a = arrival_rate / service_rate
    rho = a / servers
    if rho >= 1:
        return math.inf
    term, total = 1.0, 1.0
    for k in range(1, servers):
        term *= a / k
        total += term
    last = term * a / servers / (1 - rho)
    p_wait = last / (total + last)
    return p_wait / (servers * service_rate - arrival_rate)


def steady_state_wait(*, arrival_rate: float, mean_service: float, servers: int, customers: int, seed: int,
                      warmup: float = 0.05) -> float:
    """The simulator's mean wait (minutes) for constant Poisson arrivals (per minute) and exponential service,
    after a warm-up share of customers; the check against ``erlang_c_wait``."""
    rng = random.Random(seed)
    t, planned = 0.0, []
    for _ in range(customers):
        t += rng.expovariate(arrival_rate)
        planned.append((t, "s", False, 0.0))
    counters = [_Counter(services=("s",), opens=0.0, closes=math.inf) for _ in range(servers)]
    visits = OfficeDay(counters=counters, arrivals=planned, service_times={"s": ServiceTimes(mean=mean_service)},
                       rng=rng).run()
    kept = visits[int(len(visits) * warmup):]
    return sum(v.start - v.arrival for v in kept) / len(kept)
