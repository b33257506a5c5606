"""Writes of the planning area: saved simulation runs and staffing recommendations.

Each takes the acting member of staff, runs the simulator outside any transaction (seconds of CPU, no lock held),
then saves the run and its audit event in one short transaction. Bad scenarios are refused before anything runs
(``scenario.parse_scenario``): nothing is saved.
"""

from __future__ import annotations

import time
from dataclasses import replace

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from kuyakusho.accounts.models import Staff
from kuyakusho.audit.services import record_write
from kuyakusho.core.errors import ApplicationError, ErrorCode

from .models import RunKind, SimulationRun
from .recommend import recommend
from .scenario import Scenario, build_input
from .simulation import simulate


def _name(text: str) -> str:
    return " ".join(text.split())[:100]


def _save(*, actor: Staff, kind: str, name: str, scenario: Scenario, inputs: dict[str, object], seed: int,
          results: dict[str, object], elapsed_ms: int) -> SimulationRun:
    with transaction.atomic():
        run = SimulationRun.objects.create(kind=kind, name=name, scenario=scenario.to_json(), inputs=inputs,
                                           seed=seed, results=results, elapsed_ms=elapsed_ms, created_by=actor)
        record_write(actor=actor, action=f"planning.{kind}", target=run,
                     detail={"name": name, "from": scenario.date_from, "to": scenario.date_to, "seed": seed,
                             "offices": list(scenario.offices)})
    return run


def run_simulation(*, actor: Staff, scenario: Scenario, name: str = "") -> SimulationRun:
    """Simulate the scenario over the recorded period and save the run (inputs, seed, results)."""
    started = time.perf_counter()
    data = build_input(scenario)
    result = simulate(data, seed=scenario.seed)
    elapsed = int((time.perf_counter() - started) * 1000)
    label = _name(name) or _("%(f)s〜%(t)s のシミュレーション") % {"f": scenario.date_from.isoformat(),
                                                              "t": scenario.date_to.isoformat()}
    return _save(actor=actor, kind=RunKind.SIMULATION, name=label, scenario=scenario, inputs=data.to_json(),
                 seed=scenario.seed, results=result.to_json(), elapsed_ms=elapsed)


def recommend_staffing(*, actor: Staff, scenario: Scenario, office: str, target_p90_minutes: float,
                       name: str = "") -> SimulationRun:
    """The fewest counters per hour keeping the p90 wait at ``office`` under the target; saved as a run."""
    if not 1 <= target_p90_minutes <= 240:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("目標の待ち時間は1〜240分で指定してください。"),
                               field="target")
    started = time.perf_counter()
    data = build_input(_only(scenario, office))
    if not any(p.code == office for p in data.offices):
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("この事務所にはこの期間の記録がありません。"), field="office")
    rec = recommend(data, office=office, target_p90=target_p90_minutes, seed=scenario.seed,
                    max_counters=int(getattr(settings, "PLANNING_MAX_COUNTERS", 40)))
    elapsed = int((time.perf_counter() - started) * 1000)
    label = _name(name) or _("%(o)s の窓口数の推奨（%(f)s〜%(t)s）") % {
        "o": next(p.name for p in data.offices if p.code == office), "f": scenario.date_from.isoformat(),
        "t": scenario.date_to.isoformat()}
    return _save(actor=actor, kind=RunKind.RECOMMENDATION, name=label, scenario=_only(scenario, office),
                 inputs=data.to_json(), seed=scenario.seed, results=rec.to_json(), elapsed_ms=elapsed)


def _only(scenario: Scenario, office: str) -> Scenario:
    return replace(scenario, offices=(office,))
