"""The congestion page when offices are closed, on a phone: words, not rows of zeros; the chart scrolls by keyboard."""

from __future__ import annotations

from datetime import time

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


def test_closed_offices_on_a_phone(page, shot):
    from kuyakusho.demo.offices import create_offices
    from kuyakusho.offices.models import OpeningRule, Schedule, SpecialDay

    create_offices()
    schedule = Schedule.objects.get(code="offices")
    OpeningRule.objects.filter(schedule=schedule).delete()
    SpecialDay.objects.filter(schedule=schedule).delete()
    OpeningRule.objects.create(schedule=schedule, days="hol", opens=time(9), closes=time(9, 1))  # never today
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/congestion")
    first = page.locator("[data-office]").first
    expect(first.locator('[data-field="closed"]')).to_be_visible()
    expect(first.locator('[data-field="headline"]')).to_have_text("本日は受付を行っていません")
    expect(first.locator('[data-field="next_text"]')).to_contain_text("次の受付: ")
    expect(first.locator('[data-field="table"]')).to_be_hidden()
    expect(page.locator(".congestion-table:visible")).to_have_count(0)  # no "0人 約0分" anywhere
    shot(page, "congestion-closed-390")

    page.goto("/congestion/nerima/best-time")
    figure = page.locator(".best-time-figure")
    figure.focus()
    expect(figure).to_be_focused()
    shot(page, "congestion-best-time-390")
