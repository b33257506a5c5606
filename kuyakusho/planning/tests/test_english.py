"""The planning pages in English: every word the software writes is translated (names stay as registered)."""

from __future__ import annotations

from django.urls import reverse

from kuyakusho.core.tests.test_english import English
from kuyakusho.planning.models import SimulationRun
from kuyakusho.planning.scenario import parse_scenario
from kuyakusho.planning.services import recommend_staffing, run_simulation


def test_planning_pages_in_english(recorded, planner, client):
    run = run_simulation(actor=planner, scenario=parse_scenario({"date_from": "2026-03-02", "date_to": "2026-03-06"}),
                         name="spring")
    staffing = recommend_staffing(actor=planner, scenario=parse_scenario(
        {"date_from": "2026-03-02", "date_to": "2026-03-06"}), office="seki", target_p90_minutes=30, name="seki")
    client.force_login(planner)
    check = English()
    for url in (reverse("planning:coverage"), reverse("planning:coverage") + "?new-lat=35.0&new-lon=139.0",
                reverse("planning:workload") + "?date_from=2026-03-01&date_to=2026-03-31",
                reverse("planning:simulations"), reverse("planning:recommend"),
                reverse("planning:run", args=[run.pk]), reverse("planning:run", args=[staffing.pk])):
        check(client, url)
    check.done(7)
    assert SimulationRun.objects.count() == 2
