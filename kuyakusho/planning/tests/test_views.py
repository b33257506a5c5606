"""Planning pages: for planners only, aggregates only, bad input kept on the form and nothing saved."""

from __future__ import annotations

import io
import json

from django.urls import reverse

from kuyakusho.accounts.capabilities import Role
from kuyakusho.planning.models import SimulationRun
from kuyakusho.residents.tests.factories import HouseholdFactory, ResidentFactory


def test_planning_pages_open_for_planners_and_not_for_clerks(recorded, planner, make_staff, client):
    client.force_login(make_staff(Role.CLERK, username="clerk1"))
    assert client.get(reverse("planning:coverage")).status_code == 403
    client.force_login(planner)
    for name in ("coverage", "workload", "simulations", "recommend"):
        assert client.get(reverse(f"planning:{name}")).status_code == 200, name


def test_coverage_what_if_moves_an_office_and_reports_outside_the_ward(recorded, planner, client):
    for _ in range(12):
        ResidentFactory(household=HouseholdFactory(town="関町北", chome=1))
    client.force_login(planner)
    page = client.get(reverse("planning:coverage")).content.decode()
    assert "1km以内" in page and "関区民事務所" in page
    moved = client.get(reverse("planning:coverage"), {"lat-seki": "35.7556", "lon-seki": "139.6369"},
                       headers={"HX-Request": "true"}).content.decode()
    assert "もしもの配置" in moved
    outside = client.get(reverse("planning:coverage"),
                         {"new-lat": "35.6896", "new-lon": "139.7006"}).content.decode()
    assert "区の外です" in outside


def test_coverage_csv_suppresses_small_cells(recorded, planner, client, settings):
    settings.SMALL_CELL_THRESHOLD = 10
    for _ in range(3):
        ResidentFactory(household=HouseholdFactory(town="関町北", chome=1))
    client.force_login(planner)
    body = client.get(reverse("planning:coverage"), {"format": "csv"}).content.decode("utf-8-sig")
    row = next(line for line in body.splitlines() if line.startswith("関町北1丁目"))
    assert row.split(",")[1] == ""  # 3 residents: suppressed


def test_workload_tables_and_csv(recorded, planner, client):
    client.force_login(planner)
    page = client.get(reverse("planning:workload"), {"date_from": "2026-03-01", "date_to": "2026-03-31"})
    assert page.status_code == 200
    text = page.content.decode()
    for title in ("事務所別・月別の来庁者数", "業務別の処理時間", "交付方法別・月別の交付件数",
                  "夜間窓口・土曜窓口の利用"):
        assert title in text
    csv = client.get(reverse("planning:workload"), {"date_from": "2026-03-01", "date_to": "2026-03-31",
                                                    "format": "csv", "table": "visits"}).content.decode("utf-8-sig")
    assert csv.splitlines()[1].startswith("2026-03,")


def test_simulation_form_runs_and_saves(recorded, planner, client):
    client.force_login(planner)
    r = client.post(reverse("planning:simulations"), {"date_from": "2026-03-02", "date_to": "2026-03-06", "seed": 3,
                                                      "extra_office": "nerima", "extra_count": 1, "extra_from": 9,
                                                      "extra_to": 12})
    assert r.status_code == 302
    run = SimulationRun.objects.get()
    assert run.scenario["extra_counters"][0]["count"] == 1
    page = client.get(r["Location"]).content.decode()
    assert "練馬区民事務所" in page and "記録の平均" in page


def test_a_bad_scenario_file_shows_its_message_and_saves_nothing(recorded, planner, client):
    client.force_login(planner)
    upload = io.BytesIO(json.dumps({"date_from": "2026-03-02", "date_to": "2026-03-06", "arrival_rates": [
        {"office": "nerima", "service": "todoke", "hour": 9, "rate": -1}]}).encode())
    upload.name = "scenario.json"
    r = client.post(reverse("planning:simulations"), {"date_from": "2026-03-02", "date_to": "2026-03-06", "seed": 1,
                                                      "scenario_file": upload})
    assert r.status_code == 400
    assert "負の値" in r.content.decode()
    assert SimulationRun.objects.count() == 0
    broken = io.BytesIO(b"{not json")
    broken.name = "broken.json"
    r = client.post(reverse("planning:simulations"), {"date_from": "2026-03-02", "date_to": "2026-03-06", "seed": 1,
                                                      "scenario_file": broken})
    assert r.status_code == 400 and "JSONとして読めません" in r.content.decode()


def test_the_report_is_a_one_page_pdf(recorded, planner, client):
    from pypdf import PdfReader

    client.force_login(planner)
    r = client.get(reverse("planning:report"), {"date_from": "2026-03-02", "date_to": "2026-03-06"})
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(r.content))
    assert len(pdf.pages) == 1
    assert "記録された待ち時間" in pdf.pages[0].extract_text()
