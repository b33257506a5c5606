"""The resident portal in a real browser: a resident signs in with a demo card at the sandbox identity
provider, links to the register, and sees who looked at her record after a clerk opened it in another
browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


@pytest.fixture
def sandbox(settings, tmp_path):
    from kuyakusho.identity import client

    settings.IDENTITY_SANDBOX = True
    settings.IDENTITY_ISSUER = ""
    settings.IDENTITY_PRIVATE_KEY_FILE = tmp_path / "client-key.pem"
    client._jwks_cache.clear()


def hold_card(page, number: str, pin: str = "1234"):
    expect(page.get_by_role("heading", name="デモ用の認証サービス")).to_be_visible()
    page.get_by_label("カード番号").fill(number)
    page.get_by_label("暗証番号").fill(pin)
    page.get_by_role("button", name="カードで認証する").click()


def test_resident_signs_in_links_and_sees_a_clerks_read(page, browser, live_server, clerk, sandbox, shot):
    from kuyakusho.certificates.models import CardKind
    from kuyakusho.certificates.services.cards import issue_card
    from kuyakusho.residents.tests.factories import family

    _head, wife = family(2)[:2]
    issue_card(actor=None, kind=CardKind.MY_NUMBER_CARD, number="MN95000001", resident=wife, pin="1234")

    page.goto("/")
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="マイページ").click()
    expect(page.get_by_role("heading", name="ログイン", exact=True)).to_be_visible()
    shot(page, "portal-sign-in")
    page.get_by_role("button", name="マイナンバーカードでログイン").click()
    hold_card(page, "MN95000001", "9999")
    expect(page.get_by_role("alert")).to_contain_text("あと2回")
    shot(page, "portal-sandbox-wrong-pin")
    hold_card(page, "MN95000001")
    expect(page.get_by_role("heading", name="住民記録との連携")).to_be_visible()
    shot(page, "portal-link")
    page.get_by_role("button", name="署名用電子証明書で連携する").click()
    expect(page.get_by_text("署名用電子証明書で署名します")).to_be_visible()
    hold_card(page, "MN95000001")
    expect(page.get_by_role("heading", name="マイページ", exact=True)).to_be_visible()

    # A clerk opens her record in another browser.
    staff = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    console = staff.new_page()
    console.goto(f"/console/residents/{wife.pk}/")
    log_in(console, "clerk")
    expect(console.get_by_role("heading", name="閲覧の目的")).to_be_visible()
    console.get_by_label("閲覧の目的").select_option("certificate")
    console.get_by_role("button", name="記録を開く").click()
    expect(console.get_by_role("heading", name=wife.name)).to_be_visible()
    shot(console, "portal-clerk-opens-the-record")
    staff.close()

    page.get_by_role("link", name="わたしの記録を見た人", exact=True).click()
    table = page.locator("table")
    expect(table).to_contain_text("証明書交付")
    expect(table).to_contain_text("窓口職員")
    expect(table).to_contain_text("区役所の業務端末")
    expect(table).not_to_contain_text("clerk")
    shot(page, "portal-who-looked-at-my-record")

    page.get_by_role("link", name="この閲覧について問い合わせる").first.click()
    page.get_by_label("お問い合わせの内容（任意）").fill("心当たりがありません。")
    page.get_by_role("button", name="問い合わせる").click()
    expect(page.get_by_role("heading", name="閲覧についてのお問い合わせ")).to_be_visible()
    expect(page.locator("table")).to_contain_text("確認中")
    shot(page, "portal-inquiry-filed")

    page.get_by_role("link", name="住民票の記載事項", exact=True).click()
    expect(page.locator("dl.record")).to_contain_text(wife.name)
    shot(page, "portal-my-record")
