"""Pages and API: vacancy for anyone, the resident's steps, the console's steps, refusals."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest

from kuyakusho.facilities import booking, services
from kuyakusho.facilities.models import Application, Booking, Registrant

from .conftest import TODAY, make_account, make_registrant, resident_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        yield


def test_vacancy_month_grid_for_anyone_walkable_and_not_colour_only(client, halls, django_assert_max_num_queries):
    fac, (hall, _room) = halls
    booking.book_first_come(actor=(g := make_registrant()).account, registrant=g, room=hall, day=date(2026, 12, 20),
                            period="pm", attendees=5, purpose="", today=TODAY)
    with django_assert_max_num_queries(12):
        r = client.get(f"/facilities/f/{fac.code}/?month=2026-12")
    html = r.content.decode()
    assert r.status_code == 200
    assert '<caption>集会室の空き状況（2026年12月）</caption>' in html
    assert '<th scope="row">12/20（日）' in html and '<th scope="col">午後' in html
    cell = html.split('data-testid="cell-hall-2026-12-20-pm">')[1].split("</td>")[0]
    assert "× 予約済" in cell
    assert "○ 空き" in html.split('data-testid="cell-hall-2026-12-21-pm">')[1].split("</td>")[0]
    assert "年末年始" in html  # the schedule's closure, named
    r = client.get(f"/facilities/f/{fac.code}/?month=2027-02")
    assert "この月は抽選です" not in r.content.decode()  # no round opened: not yet
    assert "受付前" in r.content.decode()


def test_facility_list_filters_and_the_api(client, halls):
    fac, _rooms = halls
    assert fac.name_ja in client.get("/facilities/?kind=kuminkan").content.decode()
    assert fac.name_ja not in client.get("/facilities/?kind=gym").content.decode()
    r = client.get("/api/facilities/")
    assert r.status_code == 200 and r.json()[0]["code"] == fac.code
    r = client.get(f"/api/facilities/{fac.code}/vacancy?month=2026-12")
    assert r.status_code == 200
    cells = r.json()["rooms"][0]["cells"]
    assert {"date": "2026-12-20", "period": "pm", "state": "free"} in cells
    for bad in ("2026-13", "9999-12", "0-1", "x"):
        assert client.get(f"/api/facilities/{fac.code}/vacancy?month={bad}").status_code == 400, bad
        assert client.get(f"/facilities/f/{fac.code}/?month={bad}").status_code == 200, bad
    assert client.get("/api/facilities/nope/vacancy").status_code == 404


def test_resident_registers_and_is_told_what_is_wrong_without_losing_input(halls):
    account = make_account()
    c = resident_client(account)
    form = {"kind": "group", "name": "練馬コーラスの会", "kana": "ネリマコーラスノカイ", "member_count": "10",
            "ward_member_count": "12", "senior_member_count": "0", "representative_name": "練馬 花子",
            "representative_birth_date": "昭和50年1月1日", "phone": "03-1111-2222"}
    r = c.post("/facilities/my/register", form)
    html = r.content.decode()
    assert r.status_code == 200 and "構成員数以下" in html and 'value="練馬コーラスの会"' in html
    r = c.post("/facilities/my/register", {**form, "ward_member_count": "8"})
    assert r.status_code == 302
    assert Registrant.objects.get(account=account).representative_birth_date == date(1975, 1, 1)


def test_resident_pages_need_a_resident_session(client, halls, supervisor):
    r = client.get("/facilities/my/")
    assert r.status_code == 302 and "/identity/" in r["Location"]
    client.force_login(supervisor)  # a staff session opens no resident page
    assert client.get("/facilities/my/").status_code == 302


def test_apply_in_the_window_and_first_come_outside_it(halls, supervisor):
    fac, (hall, _room) = halls
    services.open_round(actor=supervisor, kind=fac.kind, month=date(2027, 2, 1), seed_sources="数字")
    g = make_registrant()
    c = resident_client(g.account)
    r = c.get(f"/facilities/my/slot?room={hall.pk}&date=2027-02-06&period=am")
    assert "抽選に申し込む" in r.content.decode()
    r = c.post("/facilities/my/slot", {"registrant": g.pk, "room": hall.pk, "date": "2027-02-06", "period": "am",
                                       "attendees": "8"})
    assert r.status_code == 302 and Application.objects.filter(registrant=g).count() == 1
    app = Application.objects.get(registrant=g)
    assert resident_client(make_account()).post(f"/facilities/my/applications/{app.pk}/withdraw").status_code == 404
    assert "取り下げる" in c.get("/facilities/my/").content.decode()
    c.post(f"/facilities/my/applications/{app.pk}/withdraw")
    assert not Application.objects.filter(registrant=g).exists()
    c.post("/facilities/my/slot", {"registrant": g.pk, "room": hall.pk, "date": "2027-02-06", "period": "am",
                                   "attendees": "8"})
    r = c.post("/facilities/my/slot", {"registrant": g.pk, "room": hall.pk, "date": "2027-02-06", "period": "am",
                                       "attendees": "8"})
    assert "すでに申し込んでいます" in r.content.decode()
    r = c.post("/facilities/my/slot", {"registrant": g.pk, "room": hall.pk, "date": "2026-12-21", "period": "am",
                                       "attendees": "8", "purpose": "練習"})
    assert r.status_code == 302
    assert Booking.objects.get(registrant=g).status == "provisional"
    # Someone else's registrant is not offered, and not accepted.
    other = resident_client(make_account())
    r = other.post("/facilities/my/slot", {"registrant": g.pk, "room": hall.pk, "date": "2026-12-22", "period": "am",
                                           "attendees": "8"})
    assert "承認済の利用者登録がありません" in r.content.decode()
    assert Booking.objects.count() == 1
    assert other.get(f"/facilities/my/bookings/{Booking.objects.get().pk}/permit.pdf").status_code == 404


def test_pay_goes_to_the_payments_bill_page(halls):
    _fac, (hall, _room) = halls
    g = make_registrant()
    b = booking.book_first_come(actor=g.account, registrant=g, room=hall, day=date(2026, 12, 21), period="am",
                                attendees=5, purpose="", today=TODAY)
    r = resident_client(g.account).post(f"/facilities/my/bookings/{b.pk}/pay")
    assert r.status_code == 302 and r["Location"].startswith("/payments/bills/")


def test_console_review_and_draw_pages(client, halls, supervisor, clerk):
    fac, (hall, _room) = halls
    pending = make_registrant(status="pending")
    client.force_login(clerk)
    assert client.get("/console/facilities/").status_code == 403
    client.force_login(supervisor)
    assert pending.number in client.get("/console/facilities/").content.decode()
    r = client.post(f"/console/facilities/registrants/{pending.pk}/", {"decision": "reject", "reason": ""})
    assert "不承認の理由を入力してください" in r.content.decode()
    r = client.post(f"/console/facilities/registrants/{pending.pk}/", {"decision": "approve", "reason": ""})
    assert r.status_code == 302 and Registrant.objects.get(pk=pending.pk).status == "approved"
    r = client.post("/console/facilities/lottery/", {"kind": fac.kind.pk, "month": "2027-02-01",
                                                     "seed_sources": "2026年12月11日のナンバーズ4"})
    assert r.status_code == 302
    rnd = fac.kind.rounds.get()
    pending.refresh_from_db()
    services.apply(actor=pending.account, registrant=pending, room=hall, day=date(2027, 2, 6), period="am",
                   attendees=5)
    r = client.post(f"/console/facilities/lottery/{rnd.pk}/", {"seed_values": "1234"})
    assert "申込期間が終わるまで抽選できません" in r.content.decode()
    assert client.get(f"/console/facilities/f/{fac.code}/day?date=2026-12-21").status_code == 200
    from kuyakusho.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="facilities.registrant_viewed", actor=supervisor).count() == 2
    assert AuditEvent.objects.filter(action="facilities.day_list_viewed", kind="read").count() == 1
    assert client.get("/console/facilities/report?date=2026-12-03").status_code == 200
    assert client.get(f"/console/facilities/f/{fac.code}/").status_code == 200
    r = client.post(f"/console/facilities/f/{fac.code}/", {"form": "event", "event-room": hall.pk,
                                                           "event-date": "令和8年12月23日", "event-period": "pm",
                                                           "event-purpose": "区民まつり"})
    assert r.status_code == 302
    assert Booking.objects.get(source="staff").purpose == "区民まつり"
    r = client.post(f"/console/facilities/f/{fac.code}/", {"form": "closure", "closure-date_from": "令和8年12月23日",
                                                           "closure-date_to": "令和8年12月23日",
                                                           "closure-reason": "点検"})
    assert r.status_code == 302 and Booking.objects.get(source="staff").status == "cancelled"


def test_permit_verification_page(client, halls):
    _fac, (hall, _room) = halls
    g = make_registrant(seniors=8)  # fees waived: confirmed at once, with its permit
    b = booking.book_first_come(actor=g.account, registrant=g, room=hall, day=date(2026, 12, 21), period="am",
                                attendees=5, purpose="", today=TODAY)
    assert b.status == "confirmed" and b.fee == 0
    b.refresh_from_db()
    r = client.get(f"/facilities/verify/{b.permit_code}")
    assert r.status_code == 200 and "有効なもの" in r.content.decode()
    assert g.name not in r.content.decode()  # the page names no one
    assert client.get("/facilities/verify/F-0000").status_code == 404


def test_staff_change_a_fee_audited_and_bad_amounts_are_refused(client, halls, supervisor):
    from kuyakusho.audit.models import AuditEvent
    from kuyakusho.facilities.models import Fee

    fac, (hall, _room) = halls
    client.force_login(supervisor)
    url = f"/console/facilities/f/{fac.code}/"
    r = client.post(url, {"form": "fee", "room": hall.pk, "period": "night", "resident": "1500", "group": "1100",
                          "nonresident": "2200"})
    assert r.status_code == 302
    fee = Fee.objects.get(room=hall, period="night")
    assert (fee.resident, fee.group, fee.nonresident) == (1500, 1100, 2200)
    event = AuditEvent.objects.get(action="facilities.fee_set")
    assert event.changes["resident"] == [1200, 1500] and event.actor == supervisor
    r = client.post(url, {"form": "fee", "room": hall.pk, "period": "night", "resident": "-1", "group": "0",
                          "nonresident": "0"}, follow=True)
    assert "0円以上100万円以下" in r.content.decode()
    r = client.post(url, {"form": "fee", "room": hall.pk, "period": "h09", "resident": "1", "group": "1",
                          "nonresident": "1"}, follow=True)
    assert "この部屋にない利用区分です" in r.content.decode()
    assert Fee.objects.get(room=hall, period="night").resident == 1500


def test_the_open_data_catalogue_lists_the_facilities_in_its_public_facilities_file(halls):
    """公共施設一覧 is generated from the offices and, through the catalogue's registry, the facilities."""
    import csv
    import io

    from kuyakusho.opendata import generators, services

    generated = services.regenerate(actor=None, key=generators.STANDARD_FACILITIES).resources[0]
    rows = list(csv.reader(io.StringIO(bytes(generated.content.data).decode("utf-8"))))
    header = rows[0]
    hall = [r for r in rows[1:] if r[header.index("NO")] == "131202-F0001"]
    assert len(hall) == 1
    assert hall[0][header.index("名称")] == "豊玉北地区区民館"
    assert hall[0][header.index("住所")] == "東京都練馬区豊玉北一丁目1番1号"
    # the hours come from the facility's schedule (every day 9:00–21:30, closed at the year end)
    hours = [hall[0][header.index(c)] for c in ("利用可能曜日", "開始時間", "終了時間")]
    assert hours == ["月火水木金土日祝", "09:00", "21:30"]
    assert "12月29日〜1月3日は休み" in hall[0][header.index("利用可能日時特記事項")]
