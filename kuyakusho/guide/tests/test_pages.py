"""The resident site's information pages: an office, certificates, the procedure guide, notices, search."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from kuyakusho.certificates.models import ChannelPolicy
from kuyakusho.guide.models import Notice, Procedure
from kuyakusho.residents import deadlines

pytestmark = pytest.mark.django_db


@pytest.fixture
def offices(db):
    from kuyakusho.demo.offices import create_offices

    return {o.code: o for o in create_offices()}


def test_an_office_page_answers_where_when_and_what(client, offices):
    page = client.get("/offices/nerima/").content.decode()
    assert "練馬区民事務所" in page and "〒176-8501" in page and "03-3993-1111" in page and "練馬」駅" in page
    assert "今週の開庁時間" in page and page.count("<tr") >= 8  # a header and seven days
    assert "届出" in page and "印鑑登録" in page  # services handled
    assert "車いす使用者用トイレ" in page  # barrier-free information
    assert "いまの混雑状況" in page
    assert "北緯" not in page and "35.73" not in page.split("data-lat")[0]  # no raw coordinates in the text
    assert 'data-map' in page and 'data-boundary="/ward-boundary.geojson"' in page
    assert client.get("/offices/nowhere/").status_code == 404


def test_an_office_page_in_english(client, offices):
    page = client.get("/offices/nerima/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Nerima Service Center" in page and "This week" in page and "Nerima Station" in page
    assert "Wheelchair-accessible toilet" in page


def test_the_week_shows_closed_days_with_their_reason(offices, administrator):
    from kuyakusho.guide.selectors import office_facts
    from kuyakusho.offices import services
    from kuyakusho.offices.models import Office, Schedule

    tomorrow = timezone.localdate() + timedelta(days=1)
    services.add_special_day(actor=administrator, schedule=Schedule.objects.get(code="offices"), kind="closed",
                             date_from=tomorrow, office=offices["nerima"], reason_ja="システム更新")
    nerima = Office.objects.select_related("schedule").get(code="nerima")  # as a request reads it, after the change
    week = office_facts(nerima)["week"]
    assert len(week) == 7 and week[0]["is_today"]
    assert week[1]["hours"] == "" and week[1]["closed_reason"] == "システム更新"


def test_where_to_get_a_certificate_reads_the_channel_policies(client, offices):
    page = client.get("/certificates/").content.decode()
    for label in ("窓口", "自動交付機", "コンビニ交付", "郵便局", "郵送請求"):
        assert label in page
    assert "マイナンバーカード" in page and "区民カードと4桁の暗証番号" in page and "200円" in page
    policy = ChannelPolicy.objects.get(channel="konbini")
    policy.fees = {**policy.fees, "juminhyo": 150}
    policy.save()
    assert "150円" in client.get("/certificates/").content.decode()
    policy.enabled = False
    policy.save()
    assert "コンビニ交付" not in client.get("/certificates/").content.decode()


def test_the_procedure_guide_reads_the_registers_deadlines(client, offices):
    page = client.get("/procedures/").content.decode()
    assert all(t in page for t in ("転入届", "転出届", "転居届", "出生届", "死亡届", "婚姻届", "印鑑登録"))
    page = client.get("/procedures/tennyu/").content.decode()
    assert "住み始めた日から14日以内" in page and "転出証明書" in page and "練馬区民事務所" in page
    assert "受付場所と時間" in page and "17:00〜19:00" in page  # weekday nights for notifications
    assert "死亡の事実を知った日から7日以内" in client.get("/procedures/shibo/").content.decode()
    assert "期限はありません" in client.get("/procedures/inkan/").content.decode()
    # One table: change the period and both the guide and the register's lateness follow.
    from kuyakusho.residents.services.common import is_late

    original = deadlines.DEADLINES["move_in"]
    moved, notified = date(2026, 4, 1), date(2026, 4, 16)  # 15 days later
    assert is_late(moved, notified, "move_in")
    try:
        deadlines.DEADLINES["move_in"] = deadlines.Deadline(15, original.counted_from, original.basis)
        assert "住み始めた日から15日以内" in client.get("/procedures/tennyu/").content.decode()
        assert not is_late(moved, notified, "move_in")
    finally:
        deadlines.DEADLINES["move_in"] = original
    english = client.get("/procedures/tennyu/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Moving in from another municipality" in english and "within 14 days" in english


def test_every_standard_procedure_finds_a_counter(offices):
    assert not Procedure.objects.filter(services__isnull=True).exists()
    assert set(Procedure.objects.values_list("deadline", flat=True)) - {""} <= set(deadlines.DEADLINES)


def test_notices_are_dated_and_only_published_ones_show(client, offices):
    today = timezone.localdate()
    shown = Notice.objects.create(published_on=today, title_ja="年末年始の休業", title_en="New Year closure",
                                  body_ja="本文", body_en="Body")
    hidden = Notice.objects.create(published_on=today, title_ja="下書き", title_en="Draft", body_ja="x", body_en="x",
                                   published=False)
    future = Notice.objects.create(published_on=today + timedelta(days=3), title_ja="予告", title_en="Later",
                                   body_ja="x", body_en="x")
    home = client.get("/").content.decode()
    assert "年末年始の休業" in home and "下書き" not in home and "予告" not in home
    assert client.get(f"/news/{shown.pk}/").status_code == 200
    assert client.get(f"/news/{hidden.pk}/").status_code == 404
    assert client.get(f"/news/{future.pk}/").status_code == 404


def test_home_page_is_rendered_once_per_period_and_shows_a_new_notice_from_the_next(client, offices, monkeypatch,
                                                                                     django_assert_num_queries):
    from kuyakusho.core import recent
    from kuyakusho.portal.views import HOME_SECONDS

    period = [recent.period(HOME_SECONDS)]
    monkeypatch.setattr(recent, "period", lambda seconds: period[0])
    assert "年末年始の休業" not in client.get("/").content.decode()
    Notice.objects.create(published_on=timezone.localdate(), title_ja="年末年始の休業", title_en="New Year closure",
                          body_ja="本文", body_en="Body")
    with django_assert_num_queries(0):  # the kept rendering: no query for the notices
        assert "年末年始の休業" not in client.get("/").content.decode()
    assert "New Year closure" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()  # (its own language)
    period[0] += 1
    assert "年末年始の休業" in client.get("/").content.decode()


@pytest.mark.parametrize(("q", "expected"), [
    ("てんにゅう", "/procedures/tennyu/"),  # reading in hiragana
    ("テンニュウ", "/procedures/tennyu/"),  # and katakana
    ("転出", "/procedures/tenshutsu/"),
    ("コンビニ", "/certificates/"),
    ("光が丘", "/offices/hikarigaoka/"),
    ("seal", "/procedures/inkan/"),
])
def test_site_search(client, offices, q, expected):
    page = client.get("/search/", {"q": q}).content.decode()
    assert f'href="{expected}"' in page


def test_site_search_finds_nothing_politely(client, offices):
    page = client.get("/search/", {"q": "存在しないことば"}).content.decode()
    assert "見つかりませんでした" in page
    assert client.get("/search/", {"q": "x" * 5000}).status_code == 200


def test_the_home_page_links_only_to_what_works(client, offices):
    page = client.get("/").content.decode()
    assert 'href="/procedures/"' in page and 'href="/certificates/"' in page and 'href="/congestion"' in page
    # every area the home page names is installed now: each is a card with its link, none "in preparation"
    for url in ("/facilities/", "/reports/", "/opendata/", "/mypage/"):
        assert f'href="{url}' in page, url
    assert "準備中" not in page
    assert page.count('class="card__link"') == page.count('<li class="card">')


def test_the_accessibility_statement_lists_the_tested_pages(client, offices):
    page = client.get("/accessibility/").content.decode()
    assert "JIS X 8341-3:2016" in page and "令和8年12月6日" in page
    assert 'href="/procedures/tennyu/"' in page and 'href="/verify/"' in page


def test_the_ward_boundary_is_served_for_maps(client, settings, tmp_path):
    r = client.get("/ward-boundary.geojson")
    assert r.status_code == 200 and r["Content-Type"] == "application/geo+json"
    assert b'"Polygon"' in r.content
    settings.WARD_BOUNDARY = tmp_path / "missing.geojson"
    assert client.get("/ward-boundary.geojson").status_code == 404


def test_verification_takes_a_typed_code(client):
    page = client.get("/verify/").content.decode()
    assert "検証コード" in page and 'name="code"' in page
    r = client.get("/verify/", {"code": "abcd efgh-jk１m"})
    assert r.status_code == 302 and r["Location"] == "/verify/ABCD-EFGH-JK1M"
    r = client.get("/verify/", {"code": "12345"})
    assert r.status_code == 400 and "12文字" in r.content.decode()
    r = client.get("/verify/", {"code": ""})
    assert r.status_code == 400 and "入力してください" in r.content.decode()


def test_deadline_texts():
    assert deadlines.DEADLINES["move_out"].text() == "転出する日の前に、または転出する日から14日以内"
    assert "定めはありません" in deadlines.DEADLINES["marriage"].text()
    assert deadlines.DEADLINES["move_in"].days == deadlines.DEADLINES["move_within"].days == 14
    assert date(2026, 1, 1)  # the module imports without a database


def test_the_console_forms_show_the_same_deadline_as_the_guide(client, offices, client_as, clerk):
    guide = client.get("/procedures/tennyu/").content.decode()
    assert "住み始めた日から14日以内" in guide
    form = client_as(clerk).get("/console/residents/move-in/").content.decode()
    assert "届出期限：住み始めた日から14日以内（住民基本台帳法第22条）" in form
    original = deadlines.DEADLINES["move_in"]
    try:
        deadlines.DEADLINES["move_in"] = deadlines.Deadline(15, original.counted_from, original.basis)
        assert "住み始めた日から15日以内" in client_as(clerk).get("/console/residents/move-in/").content.decode()
        assert "住み始めた日から15日以内" in client.get("/procedures/tennyu/").content.decode()
    finally:
        deadlines.DEADLINES["move_in"] = original
