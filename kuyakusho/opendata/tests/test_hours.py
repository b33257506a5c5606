"""The hours columns of the standard datasets, from the offices' calendar (``opendata.hours``)."""

from __future__ import annotations

import datetime as dt

import pytest

from kuyakusho.demo.offices import create_offices
from kuyakusho.offices.models import Office, OpeningRule, Schedule, SpecialDay
from kuyakusho.offices.standard import ensure_standard_schedules
from kuyakusho.opendata.hours import NO_HOURS, standard_hours

pytestmark = pytest.mark.django_db

JUNE = dt.date(2026, 6, 1)  # a Monday, far from the March–April extra Saturdays and from the year end


@pytest.fixture
def offices() -> dict[str, Office]:
    create_offices()
    # read back, as the generators do: the offices create_offices returns hold their schedule as it was before
    # its rules were added (and so an older rules token, under which another test may have cached a calendar)
    return {o.code: o for o in Office.objects.select_related("schedule")}


def _hours(office: Office, on: dt.date = JUNE):
    return standard_hours(office.schedule, on=on, office=office, services=list(office.services.all()))


def test_an_office_with_a_saturday_and_an_evening_counter(offices):
    hours = _hours(offices["nerima"])
    assert (hours.days, hours.opens, hours.closes) == ("月火水木金土", "08:30", "17:00")
    notes = hours.note.split("。")
    assert "土は09:00〜17:00" in notes
    # 17:00–19:00 only for the notifications the evening rule names, so not the usual closing time
    assert "平日17:00〜19:00は一部の業務のみ" in notes
    assert "祝日は休み" in notes
    assert "12月29日〜1月3日は休み（年末年始）" in notes


def test_an_office_without_saturday(offices):
    hours = _hours(offices["hikarigaoka"])
    assert (hours.days, hours.opens, hours.closes) == ("月火水木金", "08:30", "17:00")
    assert "土は09:00〜17:00" not in hours.note


def test_a_weekly_rule_changes_the_columns(offices):
    schedule = offices["seki"].schedule
    OpeningRule.objects.create(schedule=schedule, office=offices["seki"], days="sun", opens=dt.time(10),
                               closes=dt.time(12), note_ja="日曜窓口")
    hours = _hours(Office.objects.get(code="seki"))
    assert hours.days == "月火水木金日"
    assert "日は10:00〜12:00" in hours.note.split("。")


def test_an_extra_opening_is_said_and_does_not_count_as_a_regular_saturday(offices):
    schedule = offices["seki"].schedule
    SpecialDay.objects.create(schedule=schedule, kind=SpecialDay.Kind.OPEN, date_from=dt.date(2026, 6, 6),
                              date_to=dt.date(2026, 6, 6), opens=dt.time(9), closes=dt.time(12),
                              reason_ja="臨時窓口")
    hours = _hours(Office.objects.get(code="seki"))
    assert hours.days == "月火水木金"  # 6 June is skipped: the Saturday read is an ordinary one
    assert "臨時開庁 臨時窓口：2026-06-06" in hours.note.split("。")


def test_a_holiday_week_and_the_year_end_do_not_hide_a_weekday():
    ensure_standard_schedules()
    kiosk = Schedule.objects.get(code="kiosk")
    # from 28 December: 29 Dec – 3 Jan are closed, 1 Jan is a holiday; each weekday is read after them
    hours = standard_hours(kiosk, on=dt.date(2026, 12, 28))
    assert (hours.days, hours.opens, hours.closes) == ("月火水木金土日祝", "08:30", "21:00")
    notes = hours.note.split("。")
    assert "土日は09:00〜17:00" in notes and "祝日は09:00〜17:00" in notes


def test_every_day_the_same_hours_needs_no_note_but_the_closure():
    ensure_standard_schedules()
    hours = standard_hours(Schedule.objects.get(code="konbini"), on=JUNE)
    assert (hours.days, hours.opens, hours.closes) == ("月火水木金土日祝", "06:30", "23:00")
    assert hours.note == "12月29日〜1月3日は休み（年末年始）"


def test_a_place_without_a_schedule_has_no_hours():
    assert standard_hours(None, on=JUNE) == NO_HOURS
    assert NO_HOURS.as_row() == {"利用可能曜日": "", "開始時間": "", "終了時間": "", "利用可能日時特記事項": ""}
