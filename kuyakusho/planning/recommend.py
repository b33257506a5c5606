"""Staffing recommendation: the fewest counters per hour that keep the 90th-percentile wait under a target.

A search over simulated scenarios of one office: every counter handles every service of the office; start with
one counter an hour, add one to each hour whose arrivals wait too long (p90 over all days of the period), until
every hour meets the target (or an hour reaches the most counters allowed); then try one counter fewer in each
hour, latest first, and keep it out when the target still holds. Same seed for every candidate, so that two
candidates differ by their staffing and not by chance.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .simulation import CounterPlan, SimulationInput, SimulationResult, percentile, simulate


@dataclass(slots=True)
class Recommendation:
    office: str
    target_p90: float
    counters: dict[int, int]  # hour → counters
    p90_by_hour: dict[int, float]
    met: bool
    simulations: int
    baseline_counters: int  # counters staffed today
    result: SimulationResult | None = None
    trail: list[dict[str, object]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"office": self.office, "target_p90": self.target_p90,
                "counters": {str(h): n for h, n in sorted(self.counters.items())},
                "p90_by_hour": {str(h): v for h, v in sorted(self.p90_by_hour.items())}, "met": self.met,
                "simulations": self.simulations, "baseline_counters": self.baseline_counters,
                "totals": self.result.totals if self.result else {}}


def _with_staffing(data: SimulationInput, office: str, counters: dict[int, int]) -> SimulationInput:
    plan = next(p for p in data.offices if p.code == office)
    services = tuple(sorted({s for c in plan.counters for s in c.services}))
    plans = tuple(CounterPlan(services=services, open_hour=h, close_hour=h + 1, count=n)
                  for h, n in sorted(counters.items()) if n > 0)
    return replace(data, offices=(replace(plan, counters=plans),))


def _p90_by_hour(result: SimulationResult, hours: list[int]) -> dict[int, float]:
    """p90 of waits per hour of day over all days, approximated from each day-hour's own p90 weighted by arrivals."""
    pooled: dict[int, list[float]] = {h: [] for h in hours}
    for r in result.hours:
        h = int(str(r["hour"]))
        if h in pooled:
            pooled[h] += [float(str(r["p90_wait"]))] * max(1, int(str(r["arrivals"])))
    return {h: round(percentile(sorted(v), 0.9), 1) for h, v in pooled.items()}


def recommend(data: SimulationInput, *, office: str, target_p90: float, seed: int, max_counters: int) -> Recommendation:
    hours = sorted({a.hour for a in data.arrivals if a.office == office})
    if not hours:
        raise ValueError("no arrivals at this office")
    span = list(range(hours[0], hours[-1] + 1))
    plan = next(p for p in data.offices if p.code == office)
    baseline = sum(c.count for c in plan.counters if not c.days)
    counters = dict.fromkeys(span, 1)
    runs = 0

    def run(staffing: dict[int, int]) -> tuple[SimulationResult, dict[int, float]]:
        nonlocal runs
        runs += 1
        result = simulate(_with_staffing(data, office, staffing), seed=seed)
        return result, _p90_by_hour(result, span)

    trail: list[dict[str, object]] = []
    result, p90 = run(counters)
    while True:
        trail.append({"counters": dict(counters), "worst": max(p90.values(), default=0.0)})
        late = [h for h in span if p90.get(h, 0.0) > target_p90 and counters[h] < max_counters]
        if not late:
            break
        # The earliest hour that waits too long gets a counter first: a queue built then carries into later hours.
        first = late[0]
        for h in late:
            if h == first or p90.get(h, 0.0) > 2 * target_p90:
                counters[h] += 1
        result, p90 = run(counters)
    met = all(v <= target_p90 for v in p90.values())
    if met:
        for h in reversed(span):
            if counters[h] <= 1:
                continue
            trial = {**counters, h: counters[h] - 1}
            r2, p2 = run(trial)
            if all(v <= target_p90 for v in p2.values()):
                counters, result, p90 = trial, r2, p2
    return Recommendation(office=office, target_p90=target_p90, counters=counters, p90_by_hour=p90, met=met,
                          simulations=runs, baseline_counters=baseline, result=result, trail=trail)
