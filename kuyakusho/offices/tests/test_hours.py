"""The one opening-hours function: offices, their services, kiosks and convenience stores."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from kuyakusho.demo.offices import create_offices, peak_saturdays
from kuyakusho.offices.hours import Calendar, day_code, office_status, status
from kuyakusho.offices.models import Office, OpeningRule, Service, SpecialDay

T = ZoneInfo("Asia/Tokyo")
pytestmark = pytest.mark.django_db


def at(y, m, d, hh, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=T)


@pytest.fixture
def ward():
    create_offices()
    return {o.code: o for o in Office.objects.all()} | {s.code: s for s in Service.objects.all()}


def test_weekday_daytime_and_night_for_notifications_only(ward):
    nerima, todoke, shomei = ward["nerima"], ward["todoke"], ward["shomei"]
    wed = (2026, 11, 25)
    assert office_status(nerima, at(*wed, 8, 29)).is_open is False
    day = office_status(nerima, at(*wed, 10), shomei)
    assert day.is_open and day.closes_at == at(*wed, 17)
    night = office_status(nerima, at(*wed, 18), todoke)
    assert night.is_open and night.closes_at == at(*wed, 19)  # 8:30–17:00 and 17:00–19:00 merge
    closed = office_status(nerima, at(*wed, 18), shomei)
    assert not closed.is_open and closed.next_opens_at == at(2026, 11, 26, 8, 30)


def test_saturdays_only_at_nerima_except_in_the_peak(ward):
    sat = at(2026, 11, 28, 10)
    assert office_status(ward["nerima"], sat).is_open
    other = office_status(ward["oizumi"], sat)
    assert not other.is_open and other.next_opens_at == at(2026, 11, 30, 8, 30)
    for d in peak_saturdays(2026):
        assert office_status(ward["oizumi"], datetime.combine(d, time(10), T)).is_open, d


def test_national_holidays_and_the_year_end(ward):
    holiday = office_status(ward["nerima"], at(2026, 11, 23, 10))  # 勤労感謝の日 (Monday)
    assert not holiday.is_open and holiday.closed_reason == "勤労感謝の日"
    assert day_code(date(2026, 11, 23)) == "hol"
    new_year = office_status(ward["nerima"], at(2026, 12, 30, 10))
    assert not new_year.is_open and new_year.closed_reason == "年末年始"
    assert new_year.next_opens_at == at(2027, 1, 4, 8, 30)
    assert not status("kiosk", at(2027, 1, 2, 10)).is_open
    assert not status("konbini", at(2026, 12, 29, 12)).is_open


def test_channels_share_the_function():
    assert status("kiosk", at(2026, 11, 25, 20, 30)).is_open  # weekdays until 21:00
    assert not status("kiosk", at(2026, 11, 25, 21)).is_open
    sunday = status("kiosk", at(2026, 11, 29, 18))
    assert not sunday.is_open and sunday.next_opens_at == at(2026, 11, 30, 8, 30)
    assert status("kiosk", at(2026, 11, 23, 9)).is_open  # holidays 9:00–17:00
    assert status("konbini", at(2026, 11, 29, 6, 30)).is_open
    late = status("konbini", at(2026, 11, 29, 23, 0))
    assert not late.is_open and late.next_opens_at == at(2026, 11, 30, 6, 30)


def test_an_administrator_closed_day_and_an_extra_opening(ward, administrator):
    from kuyakusho.audit.models import AuditEvent
    from kuyakusho.offices import services
    from kuyakusho.offices.models import Schedule

    schedule = Schedule.objects.get(code="offices")
    services.add_special_day(actor=administrator, schedule=schedule, kind="closed", date_from=date(2026, 12, 2),
                             office=ward["seki"], reason_ja="システム更新")
    assert not office_status(ward["seki"], at(2026, 12, 2, 10)).is_open
    assert office_status(ward["nerima"], at(2026, 12, 2, 10)).is_open
    services.add_special_day(actor=administrator, schedule=schedule, kind="open", date_from=date(2026, 12, 6),
                             opens=time(9), closes=time(12), services=[ward["todoke"]], reason_ja="臨時窓口")
    sunday = datetime(2026, 12, 6, 10, tzinfo=T)
    assert office_status(ward["daini"], sunday, ward["todoke"]).is_open
    assert not office_status(ward["daini"], sunday, ward["shomei"]).is_open
    assert AuditEvent.objects.filter(action="offices.special_day.add").count() == 2


def test_refusals_change_nothing(ward, administrator):
    from kuyakusho.core.errors import ApplicationError
    from kuyakusho.offices import services
    from kuyakusho.offices.models import Schedule

    schedule = Schedule.objects.get(code="offices")
    before = SpecialDay.objects.count()
    with pytest.raises(ApplicationError) as e:
        services.add_special_day(actor=administrator, schedule=schedule, kind="open", date_from=date(2026, 12, 6),
                                 reason_ja="時刻なし")
    assert e.value.field == "opens"
    with pytest.raises(ApplicationError):
        services.add_special_day(actor=administrator, schedule=schedule, kind="closed", date_from=date(2026, 12, 6),
                                 date_to=date(2026, 12, 1), reason_ja="逆")
    annual = SpecialDay.objects.get(schedule=schedule, annual=True)
    with pytest.raises(ApplicationError):
        services.remove_special_day(actor=administrator, special_day=annual)
    assert SpecialDay.objects.count() == before


def test_a_calendar_answers_many_questions_from_memory(ward, django_assert_num_queries):
    with django_assert_num_queries(5):  # the schedule, its rules and special days (each with services)
        cal = Calendar.load("offices")
    with django_assert_num_queries(0):
        answers = [cal.status(at(2026, 11, 25, h), office=ward["nerima"], service=ward["todoke"]) for h in range(24)]
    assert sum(a.is_open for a in answers) == 10  # 8:30–19:00: on the hour from 9:00 to 18:00


def test_rules_are_validated_by_the_database(ward):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        OpeningRule.objects.create(schedule_id=ward["nerima"].schedule_id, days="mon", opens=time(17), closes=time(9))


def test_a_loaded_calendar_is_reused_until_a_rule_changes(ward, django_assert_num_queries):
    from django.db import transaction

    from kuyakusho.offices.models import Schedule

    kiosk = Schedule.objects.get(code="kiosk")
    wed = at(2026, 11, 25, 10)
    assert Calendar.load(kiosk).status(wed).is_open
    with django_assert_num_queries(0):
        assert Calendar.load(kiosk).status(wed).is_open
    # A closure added in another request (this process reads the schedule row again) applies at once.
    SpecialDay.objects.create(schedule=kiosk, kind=SpecialDay.Kind.CLOSED, date_from=wed.date(), date_to=wed.date(),
                              reason_ja="点検")
    assert not status(Schedule.objects.get(code="kiosk"), wed).is_open
    # A change that is rolled back takes its token back: the earlier calendar answers again.
    before = Schedule.objects.get(code="kiosk").rules_token
    with transaction.atomic():
        OpeningRule.objects.filter(schedule=kiosk).first().delete()
        assert Schedule.objects.get(code="kiosk").rules_token != before
        transaction.set_rollback(True)
    assert Schedule.objects.get(code="kiosk").rules_token == before
    # Services added to a rule from the service's side change the token too.
    rule = OpeningRule.objects.filter(schedule=kiosk).first()
    Service.objects.first().rules.add(rule)
    assert Schedule.objects.get(code="kiosk").rules_token != before


def test_a_calendar_change_reaches_the_live_queues_after_commit(ward, administrator, monkeypatch,
                                                                django_capture_on_commit_callbacks):
    """offices knows nothing of queues: the queues app listens through ``on_schedule_changed``."""
    from kuyakusho.offices import services
    from kuyakusho.offices.models import Schedule
    from kuyakusho.queues.live import publish

    pushed: list[str] = []
    monkeypatch.setattr(publish, "notify_now", pushed.append)
    schedule = Schedule.objects.get(code="offices")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.add_special_day(actor=administrator, schedule=schedule, kind="closed", date_from=date(2026, 12, 2),
                                 office=ward["seki"], reason_ja="システム更新")
    assert pushed == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert sorted(pushed) == sorted(schedule.offices.values_list("code", flat=True))
    assert ward["seki"].code in pushed


def test_the_demo_ward_can_open_everything_today_and_nothing_else_can(ward, administrator, settings, client):
    from django.utils import timezone

    from kuyakusho.audit.models import AuditEvent
    from kuyakusho.core.errors import ApplicationError
    from kuyakusho.offices import services
    from kuyakusho.offices.hours import status
    from kuyakusho.offices.models import Schedule, SpecialDay

    settings.DEMO_MODE = False
    with pytest.raises(ApplicationError):
        services.open_today_for_demo(actor=administrator)
    assert not SpecialDay.objects.filter(reason_ja=services.DEMO_REASON_JA).exists()
    client.force_login(administrator)
    assert "終日開庁にする" not in client.get("/offices/manage/").content.decode()

    settings.DEMO_MODE = True
    assert "終日開庁にする" in client.get("/offices/manage/").content.decode()
    r = client.post("/offices/manage/open-for-demo")
    assert r.status_code == 302
    schedules = Schedule.objects.count()
    assert SpecialDay.objects.filter(reason_ja=services.DEMO_REASON_JA).count() == schedules >= 3
    assert AuditEvent.objects.filter(action="offices.special_day.add").count() == schedules
    night = timezone.localtime().replace(hour=3, minute=0)
    for code in ("offices", "kiosk", "konbini"):
        assert status(Schedule.objects.get(code=code), night).is_open
    assert services.open_today_for_demo(actor=administrator) == []  # once a day is enough
