"""The planning API: planners only (401/403 for others), aggregates with small cells suppressed, bad input
refused with the field named and nothing saved."""

from __future__ import annotations

import pytest

from kuyakusho.accounts.capabilities import Role
from kuyakusho.audit.models import AuditEvent
from kuyakusho.planning.geo import towns
from kuyakusho.planning.models import RunKind, SimulationRun
from kuyakusho.residents.tests.factories import HouseholdFactory, ResidentFactory

SPRING = {"date_from": "2026-03-02", "date_to": "2026-03-06"}
JSON = "application/json"

OPERATIONS = [
    ("get", "/api/planning/coverage", None),
    ("post", "/api/planning/coverage/what-if", {}),
    ("get", "/api/planning/workload?date_from=2026-03-01&date_to=2026-03-31", None),
    ("post", "/api/planning/simulations", SPRING),
    ("get", "/api/planning/simulations/1", None),
    ("post", "/api/planning/recommendations", {**SPRING, "office": "seki"}),
    ("get", "/api/planning/recommendations/1", None),
]


def _call(client, method, path, body, **kw):
    if method == "get":
        return client.get(path, **kw)
    return client.post(path, body, content_type=JSON, **kw)


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
def test_anonymous_callers_are_refused(recorded, client, method, path, body):
    response = _call(client, method, path, body)
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize("role", [Role.CLERK, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR])
def test_staff_without_the_planning_capability_are_refused_and_nothing_runs(recorded, client_as, make_staff, role):
    client = client_as(make_staff(role))
    for method, path, body in OPERATIONS:
        response = _call(client, method, path, body)
        assert response.status_code == 403, (path, response.content)
        assert response.json()["code"] == "permission_denied"
    assert not SimulationRun.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="planning.").exists()


def _residents(town: str, chome: int, n: int) -> None:
    household = HouseholdFactory(town=town, chome=chome)
    for _ in range(n):
        ResidentFactory(household=household, is_head=False)


def test_coverage_shares_offices_and_towns_with_small_cells_suppressed(recorded, planner, client_as, settings):
    settings.SMALL_CELL_THRESHOLD = 10
    _residents("関町北", 1, 12)
    _residents("豊玉北", 6, 3)
    body = client_as(planner).get("/api/planning/coverage").json()
    assert body["distance"] == "straight_line" and body["threshold"] == 10
    assert body["residents"] == 15
    assert [b["km"] for b in body["bands"]] == [1.0, 2.0, 3.0]
    assert all(0 <= b["share"] <= 1 for b in body["bands"])
    assert {o["code"] for o in body["offices"]} == {"nerima", "hikarigaoka", "shakujii", "oizumi", "daini", "seki"}
    assert len(body["towns"]) == len(towns())
    by_label = {t["label"]: t for t in body["towns"]}
    assert by_label["関町北1丁目"]["residents"] == 12
    assert by_label["豊玉北6丁目"]["residents"] is None  # 3 people: under the threshold
    assert by_label["関町北1丁目"]["nearest"] == "seki"
    seki = next(o for o in body["offices"] if o["code"] == "seki")
    assert seki["residents"] == 12 and seki["towns"] > 0


def test_a_what_if_moves_closes_and_adds_offices_without_saving(recorded, planner, client_as):
    _residents("関町北", 1, 12)
    client = client_as(planner)
    response = client.post("/api/planning/coverage/what-if", {
        "move": [{"code": "seki", "lat": 35.7556, "lon": 139.6369}], "close": ["daini"],
        "add": [{"name": "大泉学園駅前", "lat": 35.7496, "lon": 139.5866}]}, content_type=JSON)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["changed"] is True
    codes = [o["code"] for o in body["what_if"]["offices"]]
    assert "daini" not in codes and "new-1" in codes
    assert "daini" in [o["code"] for o in body["base"]["offices"]]
    seki = next(o for o in body["what_if"]["offices"] if o["code"] == "seki")
    assert (seki["lat"], seki["lon"]) == (35.7556, 139.6369)
    assert next(o for o in body["what_if"]["offices"] if o["code"] == "new-1")["name"] == "大泉学園駅前"
    unchanged = client.post("/api/planning/coverage/what-if", {}, content_type=JSON).json()
    assert unchanged["changed"] is False and unchanged["base"] == unchanged["what_if"]
    assert not SimulationRun.objects.exists()


@pytest.mark.parametrize(("body", "status", "field", "words"), [
    ({"add": [{"lat": 35.6896, "lon": 139.7006}]}, 400, "add[0]", "区の外"),
    ({"move": [{"code": "seki", "lat": 35.6812, "lon": 139.7671}]}, 400, "move.seki", "区の外"),
    ({"close": ["nowhere"]}, 400, "offices", "見つかりません"),
    ({"close": ["nerima", "hikarigaoka", "shakujii", "oizumi", "daini", "seki"]}, 400, "close",
     "閉じることはできません"),
    ({"move": [{"code": "seki", "lat": 135.0, "lon": 139.6}]}, 422, "move.0.lat", ""),
    ({"add": [{"lat": "north", "lon": 139.6}]}, 422, "add.0.lat", ""),
])
def test_bad_what_ifs_are_refused_with_the_field(recorded, planner, client_as, body, status, field, words):
    response = client_as(planner).post("/api/planning/coverage/what-if", body, content_type=JSON)
    assert response.status_code == status, response.content
    error = response.json()
    fields = [error.get("field")] + [e.get("field") for e in error.get("errors", [])]
    assert field in fields, error
    assert words in error["message"]


def test_a_what_if_refusal_in_english(recorded, planner, client_as):
    response = client_as(planner).post("/api/planning/coverage/what-if", {"close": ["nowhere"]}, content_type=JSON,
                                       headers={"accept-language": "en"})
    assert response.status_code == 400 and "nowhere" in response.json()["message"]
    assert "見つかりません" not in response.json()["message"]


def test_workload_tables_with_suppressed_counts(recorded, planner, client_as, settings):
    client = client_as(planner)
    body = client.get("/api/planning/workload", {"date_from": "2026-03-01", "date_to": "2026-03-31"}).json()
    assert body["office"] is None
    tables = {t["key"]: t for t in body["tables"]}
    assert {"visits", "hours", "night", "service_times", "notifications", "channels", "channel_shift"} <= set(tables)
    visits = tables["visits"]
    assert visits["columns"][0] == "月" and visits["rows"][0]["label"] == "2026-03"
    nerima = visits["columns"].index("練馬区民事務所") - 1
    assert visits["rows"][0]["values"][nerima] == 5 * 8 * 6 * recorded["nerima"].services.count()
    # At 関 each weekday and hour had 3 tickets per service (one day each): under a threshold just above that.
    per_cell = 3 * recorded["seki"].services.count()
    settings.SMALL_CELL_THRESHOLD = per_cell + 1
    one = client.get("/api/planning/workload", {"date_from": "2026-03-01", "date_to": "2026-03-31",
                                                "office": "seki"}).json()
    assert one["office"] == "seki" and one["threshold"] == per_cell + 1
    tables = {t["key"]: t for t in one["tables"]}
    assert tables["visits"]["columns"] == ["月", "関区民事務所"]
    assert tables["visits"]["rows"][0]["values"] == [5 * 8 * per_cell]
    monday_to_friday = [row["values"][:5] for row in tables["hours"]["rows"] if row["label"] in
                        [f"{h}:00" for h in range(9, 17)]]
    assert monday_to_friday and all(v is None for row in monday_to_friday for v in row)


@pytest.mark.parametrize(("query", "status", "field"), [
    ({"date_from": "2026-03-31", "date_to": "2026-03-01"}, 400, "date_to"),
    ({"date_from": "2026-03-01", "date_to": "2026-03-31", "office": "nowhere"}, 400, "office"),
    ({"date_from": "3月1日", "date_to": "2026-03-31"}, 422, "date_from"),
    ({"date_to": "2026-03-31"}, 422, "date_from"),
])
def test_bad_workload_periods_are_refused(recorded, planner, client_as, query, status, field):
    response = client_as(planner).get("/api/planning/workload", query)
    assert response.status_code == status, response.content
    error = response.json()
    assert field in [error.get("field")] + [e.get("field") for e in error.get("errors", [])], error


def test_a_simulation_is_run_saved_audited_and_read_back(recorded, planner, client_as, settings):
    settings.SMALL_CELL_THRESHOLD = 10
    client = client_as(planner)
    response = client.post("/api/planning/simulations", {
        **SPRING, "name": "春の検討", "seed": 4, "offices": ["nerima", "seki"],
        "extra_counters": [{"office": "nerima", "from_hour": 9, "to_hour": 12, "count": 1}]}, content_type=JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    run = SimulationRun.objects.get()
    assert body["id"] == run.pk and body["name"] == "春の検討" and body["seed"] == 4
    assert run.scenario["extra_counters"][0]["count"] == 1
    assert {o["office"] for o in body["offices"]} == {"nerima", "seki"}
    nerima = next(o for o in body["offices"] if o["office"] == "nerima")
    assert nerima["name"] == "練馬区民事務所" and nerima["arrivals"] > 10
    assert nerima["recorded"]["tickets"] == 5 * 8 * 6 * recorded["nerima"].services.count()
    assert body["totals"]["arrivals"] == run.results["totals"]["arrivals"]
    assert len(body["days"]) == 10 and body["hours"] is None
    assert AuditEvent.objects.filter(action="planning.simulation", actor_id=planner.pk).count() == 1
    again = client.get(f"/api/planning/simulations/{run.pk}", {"hours": "true"}).json()
    assert again["totals"] == body["totals"] and len(again["hours"]) > 0
    small = [h for h in run.results["hours"] if 0 < h["arrivals"] < 10]
    assert small, "the fixture's hours should include small cells"
    assert all(h["arrivals"] is None or h["arrivals"] == 0 or h["arrivals"] >= 10 for h in again["hours"])


@pytest.mark.parametrize(("extra", "status", "field", "words"), [
    ({"arrival_rates": [{"office": "nerima", "service": "todoke", "hour": 9, "rate": -3}]}, 400,
     "arrival_rates[0].rate", "負の値"),
    ({"service_minutes": {"todoke": 0}}, 400, "service_minutes.todoke", "0分より長く"),
    ({"extra_counters": [{"office": "nerima", "from_hour": 9, "to_hour": 12, "count": 500}]}, 400,
     "extra_counters[0].count", "以下"),
    ({"add_offices": [{"lat": 35.6896, "lon": 139.7006}]}, 400, "add_offices[0].lat", "区の外"),
    ({"date_from": "2025-03-02", "date_to": "2025-03-06"}, 400, "date_from", "番号札がありません"),
    ({"offices": ["nowhere"]}, 400, "offices", "見つかりません"),
    ({"seed": "abc"}, 422, "seed", ""),
    ({"arrival_rates": [{"office": "nerima", "service": "todoke", "hour": 9}]}, 422, "arrival_rates.0.rate", ""),
])
def test_bad_scenarios_are_refused_and_nothing_is_saved(recorded, planner, client_as, extra, status, field, words):
    response = client_as(planner).post("/api/planning/simulations", {**SPRING, **extra}, content_type=JSON)
    assert response.status_code == status, response.content
    error = response.json()
    assert field in [error.get("field")] + [e.get("field") for e in error.get("errors", [])], error
    assert words in error["message"]
    assert not SimulationRun.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="planning.").exists()


def test_a_recommendation_is_found_saved_and_read_back(recorded, planner, client_as):
    client = client_as(planner)
    response = client.post("/api/planning/recommendations", {**SPRING, "office": "seki", "target": 30, "seed": 2},
                           content_type=JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    run = SimulationRun.objects.get(kind=RunKind.RECOMMENDATION)
    assert body["id"] == run.pk and body["office"] == "seki" and body["office_name"] == "関区民事務所"
    assert body["met"] is True and body["target_p90_minutes"] == 30
    assert [s["hour"] for s in body["staffing"]] == list(range(9, 17))
    assert all(s["counters"] >= 1 and s["p90_wait"] <= 30 for s in body["staffing"])
    assert client.get(f"/api/planning/recommendations/{run.pk}").json() == body
    # A run of the other kind is not found under the wrong name.
    assert client.get(f"/api/planning/simulations/{run.pk}").status_code == 404
    assert client.get("/api/planning/recommendations/999999").status_code == 404


@pytest.mark.parametrize(("extra", "status", "field"), [
    ({"target": 0}, 400, "target"),
    ({"office": "nowhere"}, 400, "office"),
    ({"date_to": "2026-01-01"}, 400, "date_to"),
    ({"target": "soon"}, 422, "target"),
])
def test_bad_recommendation_requests_are_refused(recorded, planner, client_as, extra, status, field):
    response = client_as(planner).post("/api/planning/recommendations", {**SPRING, "office": "seki", **extra},
                                       content_type=JSON)
    assert response.status_code == status, response.content
    error = response.json()
    assert field in [error.get("field")] + [e.get("field") for e in error.get("errors", [])], error
    assert not SimulationRun.objects.exists()


def test_the_operations_are_in_the_openapi_description(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/planning/coverage", "/api/planning/coverage/what-if", "/api/planning/workload",
                 "/api/planning/simulations", "/api/planning/simulations/{run_id}", "/api/planning/recommendations",
                 "/api/planning/recommendations/{run_id}"):
        assert path in paths, path
