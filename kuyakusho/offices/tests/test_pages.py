from __future__ import annotations

import pytest

from kuyakusho.accounts.capabilities import Role
from kuyakusho.demo.offices import create_offices
from kuyakusho.offices.models import SpecialDay

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def ward():
    create_offices()


def test_guide_lists_the_six_offices_with_hours(client):
    r = client.get("/offices/")
    body = r.content.decode()
    assert r.status_code == 200
    for name in ["練馬区民事務所", "光が丘区民事務所", "石神井区民事務所", "大泉区民事務所", "関区民事務所"]:
        assert name in body
    assert "17:00〜19:00" in body and "年末年始" in body


def test_guide_in_english(client):
    client.cookies["django_language"] = "en"
    r = client.get("/offices/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Nerima Service Center" in r.content.decode()


def test_admin_adds_and_removes_a_closed_day(client_as, make_staff):
    c = client_as(make_staff(Role.ADMIN))
    r = c.post("/offices/manage/", {"schedule": 1, "kind": "closed", "date_from": "令和8年12月3日",
                                    "reason_ja": "庁舎点検"})
    assert r.status_code == 302
    day = SpecialDay.objects.get(reason_ja="庁舎点検")
    assert c.get("/offices/manage/").status_code == 200
    assert c.post(f"/offices/manage/special-days/{day.pk}/remove").status_code == 302
    assert not SpecialDay.objects.filter(pk=day.pk).exists()


def test_bad_input_keeps_the_form(client_as, make_staff):
    c = client_as(make_staff(Role.ADMIN))
    r = c.post("/offices/manage/", {"schedule": 1, "kind": "open", "date_from": "令和8年12月6日",
                                    "reason_ja": "臨時"})
    assert r.status_code == 400
    assert "開始時刻と終了時刻を入力してください" in r.content.decode()
    assert 'value="臨時"' in r.content.decode()


def test_schedule_status_api(client):
    r = client.get("/api/offices/schedules/kiosk/status", {"at": "2026-11-25T20:30:00+09:00"})
    assert r.status_code == 200 and r.json()["is_open"] is True
    r = client.get("/api/offices/schedules/nope/status")
    assert r.status_code == 404 and "見つかりません" in r.json()["message"]
    r = client.get("/api/offices/")
    assert r.status_code == 200 and len(r.json()) == 6 and "max-age=60" in r["Cache-Control"]
