"""Scenarios: bad input refused with a message naming the field, nothing saved; what-ifs change the input."""

from __future__ import annotations

import pytest

from kuyakusho.audit.models import AuditEvent
from kuyakusho.core.errors import ApplicationError
from kuyakusho.planning.models import SimulationRun
from kuyakusho.planning.scenario import build_input, parse_scenario
from kuyakusho.planning.services import recommend_staffing, run_simulation

BASE = {"date_from": "2026-03-02", "date_to": "2026-03-06"}


@pytest.mark.parametrize(("extra", "field", "words"), [
    ({"arrival_rates": [{"office": "nerima", "service": "todoke", "hour": 9, "rate": -3}]},
     "arrival_rates[0].rate", "負の値"),
    ({"service_minutes": {"todoke": 0}}, "service_minutes.todoke", "0分より長く"),
    ({"extra_counters": [{"office": "nerima", "from_hour": 9, "to_hour": 12, "count": 500}]},
     "extra_counters[0].count", "以下"),
    ({"add_offices": [{"name": "新宿", "lat": 35.6896, "lon": 139.7006}]}, "add_offices[0].lat", "区の外"),
    ({"offices": ["nowhere"]}, "offices", "見つかりません"),
    ({"date_to": "2026-02-01"}, "date_to", "後に"),
    ({"date_to": "2027-12-31"}, "date_to", "日まで"),
    ({"saturday_openings": [{"office": "nerima", "date": "2026-03-04"}]}, "saturday_openings[0].date", "土曜日"),
    ({"konbini_shift": 1.5}, "konbini_shift", "以下"),
    ({"seed": "abc"}, "seed", "数値"),
])
def test_bad_scenarios_are_refused_with_the_field_named(recorded, extra, field, words):
    with pytest.raises(ApplicationError) as e:
        parse_scenario({**BASE, **extra})
    assert e.value.field == field
    assert words in str(e.value.message)


def test_dates_outside_the_records_are_refused_and_nothing_is_saved(recorded, planner):
    scenario = parse_scenario({"date_from": "2025-03-02", "date_to": "2025-03-06"})
    with pytest.raises(ApplicationError) as e:
        run_simulation(actor=planner, scenario=scenario)
    assert "記録された番号札がありません" in str(e.value.message)
    assert SimulationRun.objects.count() == 0


def test_a_run_is_saved_with_its_inputs_seed_and_audit_event_and_reproduces(recorded, planner):
    from kuyakusho.planning.simulation import SimulationInput, simulate

    run = run_simulation(actor=planner, scenario=parse_scenario({**BASE, "seed": 9}), name="春の検討")
    assert run.name == "春の検討" and run.seed == 9
    assert run.results["totals"]["arrivals"] > 0
    again = simulate(SimulationInput.from_json(run.inputs), seed=run.seed).to_json()
    assert again == run.results
    event = AuditEvent.objects.filter(action="planning.simulation").get()
    assert event.actor_id == planner.pk


def test_what_ifs_change_the_input(recorded):
    base = build_input(parse_scenario(BASE))
    more = build_input(parse_scenario({**BASE, "extra_counters": [
        {"office": "nerima", "services": ["todoke"], "from_hour": 9, "to_hour": 12, "count": 2}]}))
    nerima = next(p for p in more.offices if p.code == "nerima")
    assert sum(c.count for c in nerima.counters) == sum(
        c.count for c in next(p for p in base.offices if p.code == "nerima").counters) + 2
    shifted = build_input(parse_scenario({**BASE, "konbini_shift": 0.5}))
    cert = sum(a.rate for a in base.arrivals if a.service == "shomei")
    assert sum(a.rate for a in shifted.arrivals if a.service == "shomei") == pytest.approx(cert / 2, rel=1e-3)
    closed = build_input(parse_scenario({**BASE, "close_offices": ["seki"]}))
    assert "seki" not in {p.code for p in closed.offices}
    assert sum(a.rate for a in closed.arrivals) == pytest.approx(sum(a.rate for a in base.arrivals), rel=1e-3)
    saturday = build_input(parse_scenario({**BASE, "date_from": "2026-02-28", "saturday_openings": [
        {"office": "nerima", "date": "2026-02-28", "share": 0.2}]}))
    on_saturday = sum(a.rate for a in saturday.arrivals if a.day == "2026-02-28" and a.office == "nerima")
    weekdays = sum(a.rate for a in base.arrivals if a.office == "nerima")
    assert on_saturday == pytest.approx(0.2 * weekdays, rel=1e-3)  # moved from the next five weekdays
    assert sum(a.rate for a in saturday.arrivals) == pytest.approx(sum(a.rate for a in base.arrivals), rel=1e-3)


def test_a_recommendation_meets_its_target_and_is_saved(recorded, planner):
    run = recommend_staffing(actor=planner, scenario=parse_scenario(BASE), office="seki", target_p90_minutes=30)
    assert run.results["met"] is True
    assert all(float(v) <= 30 for v in run.results["p90_by_hour"].values())
    assert all(n >= 1 for n in run.results["counters"].values())
    assert AuditEvent.objects.filter(action="planning.recommendation").count() == 1


def test_a_target_outside_reason_is_refused(recorded, planner):
    with pytest.raises(ApplicationError):
        recommend_staffing(actor=planner, scenario=parse_scenario(BASE), office="seki", target_p90_minutes=0)
    assert SimulationRun.objects.count() == 0
