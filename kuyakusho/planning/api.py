"""The planning API (planners only, aggregates only): coverage with a what-if, the workload tables, simulation
runs and staffing recommendations — the same figures as the console's planning pages, with counts under the
small-cell threshold suppressed (``null``) as the pages' tables and CSV files suppress them."""

import datetime
from typing import Annotated, Any, Literal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.core.access import api_staff
from kuyakusho.core.capabilities import Capability
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.schemas import text_rule
from kuyakusho.offices.models import Office

from .coverage import Coverage, Site, WhatIf, apply_what_if, compute
from .models import RunKind, SimulationRun
from .scenario import parse_scenario
from .selectors import office_sites, population
from .services import recommend_staffing, run_simulation
from .suppression import suppress, threshold
from .waits import recorded_waits
from .workload import Period, workload

router = Router(tags=["planning"])

Code = Annotated[str, text_rule(32)]
Count = int | None  # ``null``: under the small-cell threshold
MAX_WHAT_IF_SITES = 20


# --- coverage ---------------------------------------------------------------------------------------------

class BandOut(Schema):
    km: float
    share: float
    elderly_share: float


class OfficeCoverageOut(Schema):
    code: str
    name: str
    lat: float
    lon: float
    residents: Count
    elderly: Count
    towns: int


class TownOut(Schema):
    town: str
    chome: int | None
    label: str
    lat: float
    lon: float
    residents: Count
    elderly: Count
    nearest: str
    distance_km: float


class CoverageOut(Schema):
    on: datetime.date
    distance: Literal["straight_line"] = "straight_line"
    threshold: int
    residents: Count
    elderly: Count
    unlocated: Count
    bands: list[BandOut]
    beyond_share: float
    beyond_elderly_share: float
    max_distance_km: float
    offices: list[OfficeCoverageOut]
    towns: list[TownOut]


class MovedIn(Schema):
    code: Code
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class AddedIn(Schema):
    name: Annotated[str, text_rule(40)] = ""
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class WhatIfIn(Schema):
    move: list[MovedIn] = Field(default_factory=list, max_length=MAX_WHAT_IF_SITES)
    close: list[Code] = Field(default_factory=list, max_length=MAX_WHAT_IF_SITES)
    add: list[AddedIn] = Field(default_factory=list, max_length=MAX_WHAT_IF_SITES)


class WhatIfOut(Schema):
    changed: bool
    base: CoverageOut
    what_if: CoverageOut


def _sites() -> tuple[Site, ...]:
    sites = office_sites()
    if not sites:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("位置の登録された事務所がありません。"))
    return sites


def _coverage(cov: Coverage, on: str, unlocated: int) -> dict[str, Any]:
    return {
        "on": on, "threshold": threshold(), "residents": suppress(cov.total), "elderly": suppress(cov.elderly),
        "unlocated": suppress(unlocated),
        "bands": [{"km": b.km, "share": round(b.share, 4), "elderly_share": round(b.elderly_share, 4)}
                  for b in cov.bands],
        "beyond_share": round(cov.beyond_share, 4), "beyond_elderly_share": round(cov.beyond_elderly_share, 4),
        "max_distance_km": round(cov.max_distance_km, 2),
        "offices": [{"code": c.site.code, "name": c.site.name, "lat": c.site.lat, "lon": c.site.lon,
                     "residents": suppress(c.total), "elderly": suppress(c.elderly), "towns": c.towns}
                    for c in cov.catchments],
        "towns": [{"town": r.town.town, "chome": r.town.chome, "label": r.town.label, "lat": r.town.lat,
                   "lon": r.town.lon, "residents": suppress(r.total), "elderly": suppress(r.elderly),
                   "nearest": r.nearest, "distance_km": round(r.distance_km, 3)} for r in cov.rows],
    }


@router.get("/coverage", response=CoverageOut,
            summary="事務所からの直線距離別の住民の割合（企画）/ Residents by straight-line distance to an office "
                    "(planners)")
@api_staff(Capability.PLAN)
def coverage(request: StaffRequest) -> dict[str, Any]:
    pop = population()
    return _coverage(compute(sites=_sites(), population=pop), pop.on, pop.unlocated)


@router.post("/coverage/what-if", response=WhatIfOut,
             summary="事務所の移転・閉鎖・新設を試した距離別の割合（企画・保存なし）/ Coverage after moving, closing "
                     "or adding offices (planners; nothing saved)")
@api_staff(Capability.PLAN)
def coverage_what_if(request: StaffRequest, payload: WhatIfIn) -> dict[str, Any]:
    sites = _sites()
    added = tuple(Site(code=f"new-{i + 1}", name=a.name or _("新しい事務所"), lat=a.lat, lon=a.lon)
                  for i, a in enumerate(payload.add))
    what_if = WhatIf(moved={m.code: (m.lat, m.lon) for m in payload.move}, closed=frozenset(payload.close),
                     added=added)
    changed_sites, errors, changed = apply_what_if(sites, what_if)
    if errors:
        raise ApplicationError(ErrorCode.INVALID_INPUT, errors[0].message, field=errors[0].field)
    pop = population()
    base = compute(sites=sites, population=pop)
    after = compute(sites=changed_sites, population=pop) if changed else base
    return {"changed": changed, "base": _coverage(base, pop.on, pop.unlocated),
            "what_if": _coverage(after, pop.on, pop.unlocated)}


# --- workload ---------------------------------------------------------------------------------------------

class PeriodIn(Schema):
    date_from: datetime.date
    date_to: datetime.date
    office: Code = ""


class RowOut(Schema):
    label: str  # the category (a month, an hour, a service …): the table's first column
    values: list[int | float | None]  # one per further column; ``null``: a count under the threshold


class TableOut(Schema):
    key: str
    title: str
    chart: str
    unit: str
    counts: bool
    columns: list[str]
    rows: list[RowOut]


class WorkloadOut(Schema):
    date_from: datetime.date
    date_to: datetime.date
    office: str | None
    threshold: int
    tables: list[TableOut]


def _office(code: str, field: str) -> Office:
    office = Office.objects.filter(code=code, services__isnull=False).first()
    if office is None:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("%(what)sのコードが見つかりません: %(codes)s")
                               % {"what": _("事務所"), "codes": code}, field=field)
    return office


@router.get("/workload", response=WorkloadOut,
            summary="事務所・月・曜日・時間帯別の業務量（企画）/ Workload by office, month, weekday and hour "
                    "(planners)")
@api_staff(Capability.PLAN)
def workload_tables(request: StaffRequest, q: Query[PeriodIn]) -> dict[str, Any]:
    if q.date_to < q.date_from:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("終了日は開始日より後にしてください。"), field="date_to")
    office = _office(q.office, "office") if q.office else None
    tables = workload(Period(date_from=q.date_from, date_to=q.date_to, office=office))
    return {"date_from": q.date_from, "date_to": q.date_to, "office": office.code if office else None,
            "threshold": threshold(),
            "tables": [{"key": t.key, "title": t.title, "chart": t.chart, "unit": t.unit, "counts": t.counts,
                        "columns": t.columns,
                        "rows": [{"label": str(r[0]), "values": r[1:]} for r in t.suppressed()]} for t in tables]}


# --- simulations ------------------------------------------------------------------------------------------

class ExtraCounterIn(Schema):
    office: Code
    services: list[Code] | None = None  # every service when left out
    from_hour: int
    to_hour: int
    count: int = 1


class SaturdayIn(Schema):
    office: Code
    date: datetime.date
    share: float = 0.15


class NewOfficeIn(Schema):
    name: Annotated[str, text_rule(40)] = ""
    lat: float
    lon: float
    counters: int = 4


class RateIn(Schema):
    office: Code
    service: Code
    hour: int
    rate: float


class ScenarioIn(Schema):
    """A scenario as the console's scenario file states it; the rules (ranges, known offices, dates) are
    ``scenario.parse_scenario``'s, as for the file."""

    name: Annotated[str, text_rule(100)] = ""
    date_from: datetime.date
    date_to: datetime.date
    offices: list[Code] = Field(default_factory=list, max_length=50)
    seed: int = 1
    balk_queue: int = 0
    balk_probability: float = 0.0
    patience_minutes: float = 0.0
    extra_counters: list[ExtraCounterIn] = Field(default_factory=list, max_length=100)
    saturday_openings: list[SaturdayIn] = Field(default_factory=list, max_length=100)
    konbini_shift: float = 0.0
    close_offices: list[Code] = Field(default_factory=list, max_length=50)
    add_offices: list[NewOfficeIn] = Field(default_factory=list, max_length=10)
    arrival_rates: list[RateIn] = Field(default_factory=list, max_length=2000)
    service_minutes: dict[str, float] = Field(default_factory=dict)  # service code → minutes


class WaitsOut(Schema):
    """Waits in minutes."""

    mean_wait: float
    p90_wait: float
    max_wait: float


class OutcomesOut(WaitsOut):
    arrivals: Count
    served: Count
    balked: Count
    reneged: Count


class TotalsOut(OutcomesOut):
    hours_over_30: int  # office-day-hours whose mean wait passed 30 minutes
    hours_over_60: int


class OfficeResultOut(TotalsOut):
    office: str
    name: str
    utilisation: float
    recorded: dict[str, float] | None = None  # the tickets' recorded waits over the same period


class DayOut(OutcomesOut):
    office: str
    day: datetime.date
    max_queue: Count


class HourOut(WaitsOut):
    office: str
    day: datetime.date
    hour: int
    arrivals: Count
    max_queue: Count


class RunOut(Schema):
    id: int
    name: str
    seed: int
    created_at: datetime.datetime
    elapsed_ms: int
    threshold: int
    scenario: dict[str, Any]
    totals: TotalsOut
    offices: list[OfficeResultOut]
    days: list[DayOut]
    hours: list[HourOut] | None = None


PEOPLE = ("arrivals", "served", "balked", "reneged", "max_queue")  # counts of people: suppressed when small


def _people(row: dict[str, Any]) -> dict[str, Any]:
    return {k: suppress(int(v)) if k in PEOPLE else v for k, v in row.items()}


def _run(run: SimulationRun, *, hours: bool) -> dict[str, Any]:
    results, scenario = run.results, run.scenario
    names = {str(o["code"]): str(o["name"]) for o in run.inputs.get("offices", [])}
    current = {o.code: o.name for o in Office.objects.filter(code__in=names)}
    recorded = recorded_waits(date_from=datetime.date.fromisoformat(scenario["date_from"]),
                              date_to=datetime.date.fromisoformat(scenario["date_to"]), offices=tuple(names))
    return {"id": run.pk, "name": run.name, "seed": run.seed, "created_at": run.created_at,
            "elapsed_ms": run.elapsed_ms, "threshold": threshold(), "scenario": scenario,
            "totals": _people(results["totals"]),
            "offices": [{**_people(o), "name": current.get(str(o["office"]), str(o["name"])),
                         "recorded": recorded.get(str(o["office"]))} for o in results["offices"]],
            "days": [_people(d) for d in results["days"]],
            "hours": [_people(h) for h in results["hours"]] if hours else None}


@router.post("/simulations", response={201: RunOut},
             summary="繁忙期シミュレーションを実行して保存（企画）/ Run a peak simulation and save it (planners)")
@api_staff(Capability.PLAN)
def start_simulation(request: StaffRequest, payload: ScenarioIn) -> Status:
    data = payload.model_dump(mode="json", exclude={"name"}, exclude_none=True)
    run = run_simulation(actor=request.user, scenario=parse_scenario(data), name=payload.name)
    return Status(201, _run(run, hours=False))


class RunQuery(Schema):
    hours: bool = False  # also every office, day and hour (about a thousand rows a month per office)


@router.get("/simulations/{run_id}", response=RunOut,
            summary="保存されたシミュレーションの結果（企画）/ A saved simulation run (planners)")
@api_staff(Capability.PLAN)
def simulation(request: StaffRequest, run_id: int, q: Query[RunQuery]) -> dict[str, Any]:
    return _run(get_object_or_404(SimulationRun, pk=run_id, kind=RunKind.SIMULATION), hours=q.hours)


# --- staffing recommendations -----------------------------------------------------------------------------

class RecommendIn(Schema):
    name: Annotated[str, text_rule(100)] = ""
    office: Code
    date_from: datetime.date
    date_to: datetime.date
    target: float = Field(30, description="90パーセンタイルの待ち時間の目標（分、1〜240）/ p90 wait target, minutes")
    seed: int = 1


class StaffingOut(Schema):
    hour: int
    counters: int
    p90_wait: float | None


class RecommendationOut(Schema):
    id: int
    name: str
    seed: int
    created_at: datetime.datetime
    elapsed_ms: int
    office: str
    office_name: str
    date_from: datetime.date
    date_to: datetime.date
    target_p90_minutes: float
    met: bool
    simulations: int
    baseline_counters: int
    staffing: list[StaffingOut]


def _recommendation(run: SimulationRun) -> dict[str, Any]:
    r, scenario = run.results, run.scenario
    office = Office.objects.filter(code=r["office"]).first()
    p90 = r.get("p90_by_hour", {})
    return {"id": run.pk, "name": run.name, "seed": run.seed, "created_at": run.created_at,
            "elapsed_ms": run.elapsed_ms, "office": r["office"], "office_name": office.name if office else "",
            "date_from": scenario["date_from"], "date_to": scenario["date_to"], "target_p90_minutes": r["target_p90"],
            "met": r["met"], "simulations": r["simulations"], "baseline_counters": r["baseline_counters"],
            "staffing": [{"hour": int(h), "counters": n, "p90_wait": p90.get(h)} for h, n in r["counters"].items()]}


@router.post("/recommendations", response={201: RecommendationOut},
             summary="目標の待ち時間を守る最少の窓口数を探して保存（企画）/ Find and save the fewest counters per hour "
                     "that keep the 90th-percentile wait under a target (planners)")
@api_staff(Capability.PLAN)
def start_recommendation(request: StaffRequest, payload: RecommendIn) -> Status:
    office = _office(payload.office, "office")
    scenario = parse_scenario({"date_from": payload.date_from.isoformat(), "date_to": payload.date_to.isoformat(),
                               "seed": payload.seed, "offices": [office.code]})
    run = recommend_staffing(actor=request.user, scenario=scenario, office=office.code,
                             target_p90_minutes=payload.target, name=payload.name)
    return Status(201, _recommendation(run))


@router.get("/recommendations/{run_id}", response=RecommendationOut,
            summary="保存された窓口数の推奨（企画）/ A saved staffing recommendation (planners)")
@api_staff(Capability.PLAN)
def recommendation(request: StaffRequest, run_id: int) -> dict[str, Any]:
    return _recommendation(get_object_or_404(SimulationRun, pk=run_id, kind=RunKind.RECOMMENDATION))
