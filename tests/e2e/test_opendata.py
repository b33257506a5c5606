"""The open data catalogue in a browser: a kana search narrowed by facets, a dataset page with its preview and
downloads, the tombstone of a withdrawn dataset, publishing from the console; axe-core on the public pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import log_in
from .test_accessibility import Scanner

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


@pytest.fixture
def catalogue():
    from kuyakusho.demo.offices import create_offices
    from kuyakusho.opendata import services
    from kuyakusho.opendata.demo import create_demo_catalogue
    from kuyakusho.opendata.tests.factories import dataset
    from kuyakusho.residents.tests.factories import HouseholdFactory, ResidentFactory

    create_offices()
    for town, chome in (("旭丘", 1), ("旭丘", 2), ("小竹町", 1)):
        household = HouseholdFactory(town=town, chome=chome)
        for n in range(12):
            ResidentFactory(household=household, is_head=n == 0, sex="male" if n % 2 else "female")
    create_demo_catalogue()
    gone = dataset("old-nursery-list", "旧保育園一覧", title_en="Former nursery list")
    services.withdraw_dataset(actor=None, dataset=gone, reason="「保育園一覧」に統合しました")


def test_search_with_facets_and_a_dataset_page(page, shot, catalogue):
    page.goto("/")
    page.get_by_role("link", name="オープンデータ").first.click()
    expect(page.get_by_role("heading", level=1, name="オープンデータ")).to_be_visible()
    page.get_by_label("キーワード（ひらがなでも検索できます）").fill("ほいくえん")
    page.get_by_role("button", name="検索").click()
    expect(page.get_by_role("heading", name="1件のデータセット")).to_be_visible()
    page.get_by_label("キーワード（ひらがなでも検索できます）").fill("")
    page.get_by_role("button", name="検索").click()
    facets = page.get_by_role("complementary")
    facets.get_by_role("link", name="防災 2件").click()  # a tag
    expect(page.get_by_role("heading", name="2件のデータセット")).to_be_visible()
    expect(page.get_by_role("link", name="タグ: 防災 （条件を外す）")).to_be_visible()
    shot(page, "opendata-search-facets")
    page.get_by_role("link", name="指定緊急避難場所一覧").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("指定緊急避難場所一覧")
    expect(page.get_by_role("region", name="プレビュー（先頭の行）")).to_be_visible()
    expect(page.get_by_role("link", name="CSVをダウンロード")).to_be_visible()
    shot(page, "opendata-dataset")
    with page.expect_download() as info:
        page.get_by_role("link", name="Excel用（Shift_JIS）").click()
    assert info.value.suggested_filename.endswith("_sjis.csv")
    page.goto("/opendata/dataset/population-by-area-and-age/")
    expect(page.get_by_role("region", name="プレビュー（先頭の行）")).to_contain_text("旭丘一丁目")
    shot(page, "opendata-population")
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name="English").click()
    page.goto("/opendata/?q=hoikuen")
    page.goto("/opendata/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Open data")
    shot(page, "opendata-search-en-390")


def test_a_withdrawn_dataset_keeps_a_tombstone(page, shot, catalogue):
    response = page.goto("/opendata/dataset/old-nursery-list/")
    assert response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text("このデータセットは公開を終了しました")
    expect(page.get_by_text("「保育園一覧」に統合しました")).to_be_visible()
    shot(page, "opendata-tombstone")


def test_publishing_from_the_console(page, shot, catalogue, make_staff):
    make_staff("admin", "odadmin")
    page.goto("/console/opendata/")
    log_in(page, "odadmin")
    expect(page.get_by_role("heading", level=1, name="オープンデータ")).to_be_visible()
    page.get_by_role("link", name="データセットを公開").click()
    page.get_by_label("名前（URL）").fill("bicycle-parking")
    page.locator("#id_title").fill("駐輪場一覧")
    page.get_by_label("組織").select_option(label="こども家庭部 保育課")
    page.get_by_label("タグ").fill("自転車、交通")
    page.get_by_role("button", name="公開する", exact=True).click()
    expect(page.get_by_text("データセットを公開しました。")).to_be_visible()
    shot(page, "opendata-console-edit")
    page.goto("/opendata/?q=ちゅうりんじょう")
    expect(page.get_by_role("link", name="駐輪場一覧")).to_be_visible()


def test_no_accessibility_violations(browser, live_server, catalogue):
    findings, scanned = [], []
    for language in ("ja", "en"):
        for width in (390, 1280):
            scanner = Scanner(browser, live_server.url, language, width, "opendata-")
            try:
                scanner.visit("/opendata/", "search")
                scanner.visit("/opendata/?tags=防災", "search-facet")
                scanner.visit("/opendata/dataset/population-by-area-and-age/", "dataset")
                scanner.visit("/opendata/dataset/old-nursery-list/", "tombstone", status=410)
            finally:
                scanner.close()
            findings += scanner.findings
            scanned += scanner.scanned
    assert len(scanned) == 16
    assert not findings, "\n".join(findings)
