"""A planner's afternoon before the spring peak, in a real browser: the coverage map and its figures, an office
moved on the map (dragged, then typed) with the figures recalculated at once, and a peak simulation with one
extra counter at the 練馬 office compared with what the counters recorded. Screenshots in
tests/e2e/screenshots/planning-*.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


@pytest.fixture
def planning_ward(live_server, make_staff):
    from kuyakusho.accounts.capabilities import Role
    from kuyakusho.audit.context import audit_context
    from kuyakusho.demo.offices import create_offices
    from kuyakusho.demo.population.writer import generate
    from kuyakusho.offices.models import Office
    from kuyakusho.planning.tests.conftest import record_tickets

    with audit_context(channel="system", via="demo_ward"):
        create_offices()
        generate(residents=600, seed=1, today=__import__("datetime").date(2026, 12, 1))
    for o in Office.objects.filter(code__in=["nerima", "seki"]):
        record_tickets(o, per_hour=8 if o.code == "nerima" else 4, wait_minutes=25)
    return make_staff(Role.PLANNER, username="planner")


def test_coverage_what_if_and_a_peak_simulation(page, shot, planning_ward):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto("/console/planning/")
    log_in(page, "planner")
    page.goto("/console/planning/")
    expect(page.get_by_role("heading", level=1, name="事務所の配置と距離")).to_be_visible()
    bands = page.locator("#coverage-bands")
    expect(bands).to_contain_text("1km以内")
    expect(page.locator("#coverage-map canvas").first).to_be_visible()
    shot(page, "planning-1-coverage")

    # Drag the 関 office's marker north-east: the what-if answers without reloading the page.
    marker = page.locator(".leaflet-marker-icon[title='関区民事務所']")
    box = marker.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] - 4)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] - 60, steps=8)
    page.mouse.up()
    expect(page.locator("#coverage-figures")).to_contain_text("もしもの配置")
    assert re.match(r"35\.\d+", page.locator("#lat-seki").input_value())
    # …and typed: 関 moved to the centre of the ward.
    page.locator("#lat-seki").fill("35.7480")
    page.locator("#lon-seki").fill("139.6200")
    page.locator("#lon-seki").press("Tab")
    expect(page.locator("#coverage-figures")).to_contain_text("もしもの配置")
    page.get_by_label("事務所あたりの住民数").check()
    shot(page, "planning-2-moved")

    # A peak simulation with one extra counter at 練馬 in the morning.
    page.get_by_role("link", name="繁忙期シミュレーション").click()
    page.get_by_label("名前").fill("練馬に窓口1つ追加")
    page.get_by_label("開始日").fill("2026-03-02")
    page.get_by_label("終了日").fill("2026-03-06")
    page.get_by_label("窓口を増やす事務所").select_option("nerima")
    page.get_by_label("増やす窓口の数").fill("1")
    page.get_by_role("button", name="シミュレーションを実行").click()
    expect(page.get_by_role("heading", level=1, name="練馬に窓口1つ追加")).to_be_visible()
    offices = page.locator("#run-offices")
    expect(offices).to_contain_text("練馬区民事務所")
    expect(offices).to_contain_text("関区民事務所")
    expect(page.locator("[data-chart] canvas").first).to_be_visible()
    shot(page, "planning-3-simulation")
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems


def test_planning_pages_pass_axe(browser, live_server, planning_ward):
    """axe-core (WCAG 2.1 AA) and reflow on every planning page, Japanese and English, phone and desktop width."""
    from kuyakusho.planning.scenario import parse_scenario
    from kuyakusho.planning.services import recommend_staffing, run_simulation

    from .test_accessibility import Scanner

    period = {"date_from": "2026-03-02", "date_to": "2026-03-06"}
    run = run_simulation(actor=planning_ward, scenario=parse_scenario(period), name="axe")
    staffing = recommend_staffing(actor=planning_ward, scenario=parse_scenario(period), office="seki",
                                  target_p90_minutes=30)
    pages = [("/console/planning/", "coverage"), ("/console/planning/workload/?date_from=2026-03-01&date_to=2026-03-31",
                                                  "workload"),
             ("/console/planning/simulations/", "simulations"), (f"/console/planning/simulations/{run.pk}/", "run"),
             ("/console/planning/recommendations/", "recommend"),
             (f"/console/planning/simulations/{staffing.pk}/", "staffing")]
    findings: list[str] = []
    for width in (390, 1280):
        scanner = Scanner(browser, live_server.url, "ja", width, "planning-")
        try:
            scanner.goto("/console/login/?next=/console/planning/")
            log_in(scanner.page, "planner")
            for language in ("ja", "en"):
                scanner.language = language
                scanner.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
                for url, name in pages:
                    scanner.visit(url, name)
        finally:
            scanner.close()
        findings += scanner.findings
    assert not findings, "\n".join(findings)
