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
    # The whole household starts ticked (a 転居 usually moves everyone): the husband stays, so untick him.
    expect(page.get_by_label("山田 太郎（世帯主）")).to_be_checked()
    expect(page.get_by_label("山田 花子（妻）")).to_be_checked()
    page.get_by_label("山田 太郎（世帯主）").uncheck()
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


def _search_as_clerk(page):
    page.goto("/console/residents/")
    log_in(page, "clerk")
    expect(page.get_by_role("heading", name="住民の検索")).to_be_visible()
    page.get_by_label("閲覧の目的").select_option("consultation")  # asked before anything is listed


@pytest.mark.parametrize("birth_date", ["令和0年1月1日", "2月30日"])
def test_an_invalid_birth_date_in_the_search_is_shown_beside_the_field(page, clerk, shot, birth_date):
    from kuyakusho.residents.tests.factories import family

    head, _wife = family(2)
    _search_as_clerk(page)
    page.get_by_label(re.compile(r"^氏名")).fill(head.name)
    page.get_by_label("生年月日").fill(birth_date)
    page.get_by_role("button", name="検索").click()  # htmx redraws the form with its results
    field = page.get_by_label("生年月日")
    expect(page.locator("#id_birth_date_error")).to_be_visible()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", re.compile(r"\bid_birth_date_error\b"))
    expect(field).to_be_focused()
    expect(field).to_have_value(birth_date)
    expect(page.get_by_role("alert")).to_contain_text("入力内容に誤りがあります")
    expect(page.locator("#results")).to_contain_text("検索していません")
    expect(page.locator("#results")).not_to_contain_text(head.name)
    assert page.evaluate("document.querySelectorAll('#search-area').length") == 1  # swapped, not nested
    shot(page, f"residents-search-invalid-birth-date-{'era' if '令和' in birth_date else 'day'}")
    # Corrected, the same form searches and the error goes.
    field.fill(format_wareki(head.birth_date))
    page.get_by_role("button", name="検索").click()
    expect(page.locator("#results").get_by_role("link", name=head.name)).to_be_visible()
    expect(page.locator("#id_birth_date_error")).to_have_count(0)
    expect(page.get_by_label("生年月日")).not_to_have_attribute("aria-invalid", "true")


def test_the_search_error_without_javascript(browser, live_server, clerk, shot):
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900},
                                  base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        _search_as_clerk(page)
        page.get_by_label("生年月日").fill("令和0年1月1日")
        page.get_by_role("button", name="検索").click()
        expect(page).to_have_url(re.compile(r"birth_date="))  # a whole page, not a redrawn part
        expect(page.locator("#id_birth_date_error")).to_have_text("令和0年という年はありません。")
        expect(page.get_by_label("生年月日")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#results")).to_contain_text("検索していません")
        shot(page, "residents-search-invalid-birth-date-no-js")
    finally:
        context.close()


def test_the_move_within_form_moves_the_household_and_shows_only_real_changes(page, clerk, shot):
    from kuyakusho.residents.models import EventEntry
    from kuyakusho.residents.tests.factories import family

    head, wife, child = family(3)
    # Stored snapshots without 世帯主の氏名 for the members, as the synthetic ward wrote them until now.
    for entry in EventEntry.objects.filter(resident__in=[wife, child]):
        entry.snapshot = {**entry.snapshot, "head_name": ""}
        entry.save(update_fields=["snapshot"])
    page.goto(f"/console/residents/{wife.pk}/")
    log_in(page, "clerk")
    page.get_by_label("閲覧の目的").select_option("notification")
    page.get_by_role("button", name="記録を開く").click()
    items = page.locator(".res-items")
    expect(items.locator("div", has=page.locator("dt", has_text="世帯主の氏名"))).to_contain_text(head.name)
    page.get_by_role("link", name="転居届").click()
    for m in (head, wife, child):
        expect(page.get_by_label(f"{m.name}（{m.relationship}）")).to_be_checked()
    selects = page.get_by_label("移った先での続柄")
    expect(selects).to_have_count(3)
    # Wide enough for the longest 続柄 offered, in the text size around it (what the clerk reads); 44 px high.
    widest = page.evaluate("""(sel) => {
        const s = document.querySelector(sel), span = document.createElement('span');
        span.style.whiteSpace = 'nowrap'; span.style.position = 'absolute';
        s.parentElement.append(span);
        const widths = [...s.options].map(o => { span.textContent = o.text; return span.offsetWidth; });
        span.remove();
        return Math.max(...widths);
    }""", f"#id_r{head.pk}")
    assert widest > 40, widest  # a label was measured (e.g. 妻（未届）), not an empty string
    for i in range(3):
        box = selects.nth(i).bounding_box()
        assert box["width"] >= widest + 24 and box["height"] >= 44, (box, widest)
    shot(page, "residents-move-within-form")
    page.get_by_label("転居した日（異動日）").fill(format_wareki(timezone.localdate()))
    page.get_by_label(re.compile(r"^町名( ※)?$")).select_option("桜台")
    page.get_by_label(re.compile(r"^丁目( ※)?$")).select_option("2")
    page.get_by_label(re.compile(r"^番地( ※)?$")).fill("5")
    page.get_by_label(re.compile(r"^号( ※)?$")).fill("3")
    page.get_by_role("button", name="確認する").click()
    confirm = page.locator(".res-confirm")
    expect(confirm.locator("h3")).to_have_count(3)
    expect(confirm).to_contain_text("東京都練馬区桜台2丁目5番3号")
    expect(confirm).not_to_contain_text("世帯主の氏名")
    shot(page, "residents-move-within-confirm")
    page.get_by_role("button", name="この内容で確定する").click()
    expect(page.get_by_role("heading", name="受付完了")).to_be_visible()
    page.get_by_role("link", name=wife.name).click()
    timeline = page.locator(".res-timeline")
    expect(timeline).to_contain_text("→ 東京都練馬区桜台2丁目5番3号")
    expect(timeline).not_to_contain_text("世帯主の氏名")
    expect(page.locator(".res-items")).to_contain_text(head.name)
