"""Pages and API: kiosk, ticket holder, display, congestion, calling screen; refusals in the user's language."""

from __future__ import annotations

import pytest

from kuyakusho.accounts.capabilities import Role
from kuyakusho.queues.models import Status, Ticket

pytestmark = pytest.mark.django_db


def test_kiosk_issues_a_ticket_with_a_qr_code(client, open_now):
    assert "練馬区民事務所" in client.get("/kiosk/tickets/").content.decode()
    page = client.get("/kiosk/nerima/ticket").content.decode()
    assert "届出" in page and "優先受付" in page
    r = client.post("/kiosk/nerima/ticket", {"service": "todoke", "priority": "disability"})
    t = Ticket.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/kiosk/tickets/{t.token}"
    page = client.get(r["Location"]).content.decode()
    assert "A-001" in page and "<svg" in page and f"/tickets/{t.token}" in page and t.priority == "disability"


def test_kiosk_refusals(client, closed_now):
    r = client.post("/kiosk/nerima/ticket", {"service": "todoke"})
    assert r.status_code == 400 and "受付時間外" in r.content.decode()
    assert client.get("/kiosk/nowhere/ticket").status_code == 404
    r = client.post("/kiosk/nerima/ticket", {"service": "nothing"})
    assert r.status_code == 404 and "見つかりません" in r.content.decode()
    assert not Ticket.objects.exists()


def test_kiosk_refusal_in_english(client, closed_now):
    r = client.post("/kiosk/nerima/ticket", {"service": "todoke"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "outside" in r.content.decode().lower() or "hours" in r.content.decode().lower()


def test_ticket_holder_sees_position_and_other_days(client, open_now):
    from datetime import timedelta

    from django.utils import timezone

    from kuyakusho.queues import services

    o, s = open_now.offices["nerima"], open_now.services["todoke"]
    services.issue_ticket(actor=None, office=o, service=s)
    mine = services.issue_ticket(actor=None, office=o, service=s)
    page = client.get(f"/tickets/{mine.token}").content.decode()
    assert "前に 1人" in page and "data-live-ticket" in page
    data = client.get(f"/tickets/{mine.token}/status.json").json()
    assert data["state"] == "waiting" and data["ahead"] == 1 and data["wait_minutes"] > 0
    old = services.issue_ticket(actor=None, office=o, service=s, at=timezone.now() - timedelta(days=2),
                                check_hours=False)
    assert "本日の順番ではありません" in client.get(f"/tickets/{old.token}").content.decode()
    assert client.get("/tickets/not-a-token").status_code == 404


def test_display_and_congestion(client, open_now, clerk):
    from kuyakusho.queues import services

    services.issue_ticket(actor=None, office=open_now.offices["nerima"], service=open_now.services["todoke"])
    services.call_next(actor=clerk, counter=open_now.counter("nerima", 2))
    page = client.get("/display/nerima").content.decode()
    assert "A-001" in page and "2番窓口" in page
    page = client.get("/congestion").content.decode()
    assert "data-live-summary" in page and "練馬区民事務所" in page
    assert client.get("/congestion/nerima/best-time").status_code == 200


def test_congestion_api_is_public_and_cacheable(client, open_now, django_assert_max_num_queries):
    with django_assert_max_num_queries(26):  # the snapshot (and all offices' rates) built, kept in the shared cache
        r = client.get("/api/queues/congestion")
    with django_assert_max_num_queries(3):  # then read from it
        assert client.get("/api/queues/congestion").json() == r.json()
    assert r.status_code == 200 and "public" in r["Cache-Control"] and "max-age=10" in r["Cache-Control"]
    offices = r.json()["offices"]
    assert len(offices) == 6 and {"waiting", "wait_minutes", "is_open"} <= set(offices[0]["services"][0])


def test_api_issue_and_call(client, client_as, open_now, make_staff, ticket_machine):
    r = client.post("/api/queues/offices/nerima/tickets", {"service": "shomei"}, content_type="application/json",
                    HTTP_AUTHORIZATION=ticket_machine)
    assert r.status_code == 201 and r.json()["label"] == "B-001"
    r = client.post("/api/queues/offices/nerima/tickets", {"service": "zzz"}, content_type="application/json",
                    HTTP_AUTHORIZATION=ticket_machine)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    c = client_as(make_staff(Role.CLERK, offices=[open_now.offices["nerima"]]))
    r = c.post("/api/queues/offices/nerima/counters/1/call-next", {}, content_type="application/json")
    assert r.status_code == 400 and "お待ちの方はいません" in r.json()["message"]  # 届出 only
    r = c.post("/api/queues/offices/nerima/counters/4/call-next", {}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == Status.CALLED
    tid = r.json()["id"]
    r = c.post(f"/api/queues/offices/nerima/counters/4/tickets/{tid}/finish", content_type="application/json")
    assert r.status_code == 409
    for step in ("start", "finish"):
        assert c.post(f"/api/queues/offices/nerima/counters/4/tickets/{tid}/{step}").status_code == 200
    r = c.post("/api/queues/offices/seki/counters/1/call-next", {}, content_type="application/json")
    assert r.status_code == 403


def test_calling_screen(client_as, open_now, make_staff):
    from kuyakusho.queues import services

    services.issue_ticket(actor=None, office=open_now.offices["nerima"], service=open_now.services["todoke"])
    c = client_as(make_staff(Role.CLERK, offices=[open_now.offices["nerima"]]))
    page = c.get("/console/queues/").content.decode()
    assert "練馬区民事務所" in page and "関区民事務所" not in page
    assert "A-001" in c.get("/console/queues/nerima/1").content.decode()
    assert c.get("/console/queues/seki/1").status_code == 403
    r = c.post("/console/queues/nerima/1/call_next", follow=True)
    assert "A-001 を呼び出しました" in r.content.decode()
    r = c.post("/console/queues/nerima/4/call_next", {"service": "todoke"}, follow=True)
    assert "取り扱っていません" in r.content.decode()
    t = Ticket.objects.get()
    assert t.status == Status.CALLED and t.counter.number == 1


def test_a_closed_office_says_so_in_words_not_with_zeros(client, ward, administrator):
    """Outside opening hours the congestion page reads "本日の受付は終了しました / 次の受付: …", not "0人 約0分"."""
    from datetime import date, datetime, time
    from zoneinfo import ZoneInfo

    from kuyakusho.offices.hours import Calendar
    from kuyakusho.offices.models import OpeningRule, Schedule, SpecialDay
    from kuyakusho.queues.snapshot import closed_headline, snapshots

    schedule = Schedule.objects.get(code="offices")
    OpeningRule.objects.filter(schedule=schedule).delete()
    SpecialDay.objects.filter(schedule=schedule).delete()
    OpeningRule.objects.create(schedule=schedule, days="mon,tue,wed,thu,fri", opens=time(8, 30), closes=time(17))
    cal, office = Calendar.load(schedule), ward.offices["nerima"]
    tokyo = ZoneInfo("Asia/Tokyo")
    tuesday = datetime(2026, 12, 8, tzinfo=tokyo)
    assert closed_headline(cal, office, tuesday.replace(hour=7)) == "本日の受付は08:30からです"
    assert closed_headline(cal, office, tuesday.replace(hour=18)) == "本日の受付は終了しました"
    assert closed_headline(cal, office, datetime(2026, 12, 6, 12, tzinfo=tokyo)) == "本日は受付を行っていません"
    SpecialDay.objects.create(schedule=schedule, kind="closed", date_from=date(2026, 12, 9), date_to=date(2026, 12, 9),
                              reason_ja="システム更新", created_by=administrator)
    cal = Calendar.load(Schedule.objects.get(code="offices"))
    assert closed_headline(cal, office, datetime(2026, 12, 9, 12, tzinfo=tokyo)) == "本日は閉庁日です（システム更新）"

    evening = snapshots(now=tuesday.replace(hour=18))
    assert evening and all(not o["is_open"] and o["headline"] == "本日の受付は終了しました" for o in evening)
    assert all(o["next_text"].startswith("次の受付: ") and "09日" not in o["next_text"] for o in evening)
    open_at_noon = snapshots(now=tuesday.replace(hour=12))
    assert all(o["is_open"] and o["headline"] == "" for o in open_at_noon)


def test_the_congestion_page_hides_the_zero_rows_of_a_closed_office(client, closed_now):
    page = client.get("/congestion").content.decode()
    assert 'data-field="closed">' in page  # shown
    assert 'data-field="table" hidden' in page  # the rows of zeros are not
    assert "次の受付" in page
    client.cookies["django_language"] = "en"
    english = client.get("/congestion", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The office is closed today." in english and "Next opening: " in english
    api = client.get("/api/queues/congestion").json()["offices"][0]
    assert api["is_open"] is False and api["headline"] and api["next_text"]


def test_the_calling_pages_do_not_query_per_ticket_or_office(client_as, open_now, make_staff, monkeypatch):
    """The offices list and a counter's screen read a bounded number of queries (selectors fetch the counters'
    services and each waiting ticket's service with the rows)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kuyakusho.queues import estimates, services

    # one period of the kept averages for the whole test: the first view of a new period computes them again
    monkeypatch.setattr(estimates, "RATES_SNAPSHOT_SECONDS", 10**6)

    c = client_as(make_staff(Role.CLERK))
    office, todoke = open_now.offices["nerima"], open_now.services["todoke"]
    services.issue_ticket(actor=None, office=office, service=todoke)
    for url in ("/console/queues/", "/console/queues/nerima/1"):
        c.get(url)  # the session's first look-ups
        counts = []
        for n in (2, 8):
            while Ticket.objects.count() < n:
                services.issue_ticket(actor=None, office=office, service=todoke)
            with CaptureQueriesContext(connection) as ctx:
                assert c.get(url).status_code == 200
            counts.append(len(ctx))
        assert counts[0] == counts[1], url
    assert "A-008" in c.get("/console/queues/nerima/1").content.decode()


def test_an_action_at_a_counter_that_does_not_exist_answers_404(client_as, open_now, make_staff):
    c = client_as(make_staff(Role.CLERK))
    r = c.post("/console/queues/nerima/99/call_next")
    assert r.status_code == 404 and "99番窓口はありません" in r.content.decode()
    assert c.get("/console/queues/nerima/1/call_next").status_code == 405
