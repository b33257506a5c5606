"""The resident site's information pages in a browser: an office with its map, the procedure guide, search,
and checking a certificate by its typed code."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


@pytest.fixture
def offices():
    from kuyakusho.demo.offices import create_offices

    return create_offices()


def test_an_office_page_with_its_map(page, shot, offices):
    page.goto("/offices/")
    page.get_by_role("link", name="光が丘区民事務所").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("光が丘区民事務所")
    expect(page.get_by_role("heading", name="今週の開庁時間")).to_be_visible()
    # Leaflet drew the ward's boundary (an SVG path) and the office's marker, from our own files only.
    expect(page.locator(".guide-map .leaflet-overlay-pane path")).to_have_count(1)
    expect(page.locator(".guide-map .leaflet-marker-icon")).to_have_count(1)
    expect(page.locator(".guide-map .leaflet-tile")).to_have_count(0)  # no tile server configured
    shot(page, "guide-office-ja")
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hikarigaoka Service Center")
    shot(page, "guide-office-en-390")


def test_the_procedure_guide_and_search(page, shot, offices):
    page.goto("/")
    page.get_by_label("サイト内検索").fill("てんにゅう")
    page.get_by_role("button", name="検索").click()
    page.get_by_role("link", name="転入届（他の市区町村からの引っ越し）").click()
    expect(page.get_by_text("住み始めた日から14日以内")).to_be_visible()
    expect(page.get_by_role("heading", name="受付場所と時間")).to_be_visible()
    shot(page, "guide-procedure-tennyu")


def test_a_typed_verification_code(page, shot):
    page.goto("/verify/")
    page.get_by_label("検証コード（12文字）").fill("abcd")
    page.get_by_role("button", name="確認する").click()
    expect(page.get_by_text("検証コードは英字と数字の12文字です。")).to_be_visible()
    page.get_by_label("検証コード（12文字）").fill("abcd efgh jklm")
    page.get_by_role("button", name="確認する").click()
    expect(page.get_by_text("この検証コードの証明書は見つかりません。")).to_be_visible()
    assert page.url.endswith("/verify/ABCD-EFGH-JKLM")
    shot(page, "guide-verify-not-found")
