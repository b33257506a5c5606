"""The register in a real browser: a clerk files a 転入 for a two-person household, then a 転居 for one member,
and looks at the history timeline."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kuyakusho.core.wareki import format_wareki

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


def test_move_in_then_move_within(page, clerk, shot):
    today = format_wareki(timezone.localdate())
    page.goto("/console/residents/")
    log_in(page, "clerk")
    expect(page.get_by_role("heading", name="住民の検索")).to_be_visible()

    # 転入: a new household of two
    page.get_by_role("link", name="転入届（新しい世帯）").click()
    page.get_by_label("転入した日（異動日）").fill(today)
    page.get_by_label("転出元の市区町村").fill("東京都杉並区")
    page.get_by_label("前住所（市区町村より後）").fill("阿佐谷南1丁目14番2号")
    page.get_by_label("転出証明書の交付日（特例転入は転出届の日）").fill(today)
    page.get_by_label("転出予定日").fill(today)
    page.get_by_label(re.compile(r"^町名( ※)?$")).select_option("豊玉北")
    page.get_by_label(re.compile(r"^丁目( ※)?$")).select_option("6")
    page.get_by_label(re.compile(r"^番地( ※)?$")).fill("12")
    page.get_by_label(re.compile(r"^号( ※)?$")).fill("1")
    page.get_by_label("方書（建物名・部屋番号）").fill("ねりまハイツ 203")
    people = page.locator("fieldset.res-person")
    first, second = people.nth(0), people.nth(1)
    first.get_by_label(re.compile(r"^氏名( ※)?$")).fill("山田 太郎")
    first.get_by_label(re.compile(r"^フリガナ( ※)?$")).fill("ヤマダ タロウ")
    first.get_by_label("生年月日").fill("昭和60年4月2日")
    first.get_by_label("性別").select_option("male")
    first.get_by_label("続柄").select_option("世帯主")
    second.get_by_label(re.compile(r"^氏名( ※)?$")).fill("山田 花子")
    second.get_by_label(re.compile(r"^フリガナ( ※)?$")).fill("ヤマダ ハナコ")
    second.get_by_label("生年月日").fill("S62.8.1")
    second.get_by_label("性別").select_option("female")
    second.get_by_label("続柄").select_option("妻")
    page.get_by_role("button", name="確認する").click()
    expect(page.get_by_role("heading", name="確認：この届出で変わる内容")).to_be_visible()
    shot(page, "residents-move-in-confirm")
    page.get_by_role("button", name="この内容で確定する").click()
    expect(page.get_by_role("heading", name="受付完了")).to_be_visible()
    expect(page.locator(".res-receipt-number")).to_contain_text(re.compile(r"\d{4}-\d{6}"))

    # 転居 for the wife only: she becomes the head of a new household in 桜台
    page.get_by_role("link", name="山田 花子").click()
    expect(page).to_have_url(re.compile(r"pt="))  # the purpose given with the notification, carried signed
    page.get_by_role("link", name="転居届").click()
    page.get_by_label("山田 花子（妻）").check()
    page.locator("tr", has_text="山田 花子").get_by_label("移った先での続柄").select_option("世帯主")
    page.get_by_label("転居した日（異動日）").fill(today)
    page.get_by_label(re.compile(r"^町名( ※)?$")).select_option("桜台")
    page.get_by_label(re.compile(r"^丁目( ※)?$")).select_option("2")
    page.get_by_label(re.compile(r"^番地( ※)?$")).fill("5")
    page.get_by_label(re.compile(r"^号( ※)?$")).fill("3")
    page.get_by_role("button", name="確認する").click()
    expect(page.locator(".res-confirm")).to_contain_text("桜台")
    page.get_by_role("button", name="この内容で確定する").click()
    expect(page.get_by_role("heading", name="受付完了")).to_be_visible()

    page.get_by_role("link", name="山田 花子").click()
    timeline = page.locator(".res-timeline")
    expect(timeline.locator(".res-timeline__item")).to_have_count(2)
    expect(timeline).to_contain_text("転居")
    expect(timeline).to_contain_text("転入")
    expect(timeline).to_contain_text("→ 東京都練馬区桜台2丁目5番3号")
    shot(page, "residents-history-timeline")


def test_a_record_asks_the_purpose_and_shows_the_my_number_only_on_request(page, clerk, shot):
    from kuyakusho.audit.models import AuditEvent
    from kuyakusho.residents.tests.factories import family

    head, _wife = family(2)
    page.goto(f"/console/residents/{head.pk}/")
    log_in(page, "clerk")
    expect(page.get_by_role("heading", name="閲覧の目的")).to_be_visible()
    page.get_by_label("閲覧の目的").select_option("certificate")
    page.get_by_role("button", name="記録を開く").click()
    expect(page.get_by_role("heading", name=head.name)).to_be_visible()
    expect(page).to_have_url(re.compile(r"pt="))
    expect(page.locator(".res-items")).to_contain_text("********" + head.my_number[-4:])
    expect(page.locator(".res-items")).not_to_contain_text(head.my_number)
    shot(page, "residents-record-my-number-masked")
    page.get_by_role("button", name="個人番号を表示する").click()
    expect(page.locator(".res-my-number__value")).to_have_text(head.my_number)
    shot(page, "residents-my-number-shown")
    assert AuditEvent.objects.filter(action="residents.my_number", subject_id=str(head.pk),
                                     purpose="my_number_use").count() == 1
    page.get_by_role("link", name="記録に戻る").click()
    expect(page.locator(".res-items")).not_to_contain_text(head.my_number)
