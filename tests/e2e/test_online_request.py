"""An online certificate request in a real browser: a resident signs in with a demo card at the sandbox identity
provider, links to the register, sees who looked at her record after a clerk opened it in another browser,
requests a 住民票の写し, signs it with the card's signing certificate, pays on the sandbox's hosted page; the
clerk finds it in the postal desk's list with its verified signature and issues it; she sees it issued."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import log_in
from .test_accessibility import AXE, RUN_AXE, TAGS
from .test_portal import hold_card, sandbox  # noqa: F401 (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


def no_axe_violations(page) -> None:
    """axe-core (WCAG 2.0/2.1 A and AA) finds nothing on the page as it is now."""
    result = page.evaluate(RUN_AXE, TAGS)
    assert result["engine"] == "axe-core"
    assert not result["violations"], [(v["id"], v["help"], v["targets"][:3]) for v in result["violations"]]


def test_resident_requests_a_certificate_online_and_the_desk_issues_it(page, browser, live_server, clerk, sandbox,  # noqa: F811
                                                                        settings, shot):
    from kuyakusho.certificates.models import CardKind, Issuance, OnlineRequest
    from kuyakusho.certificates.services.cards import issue_card
    from kuyakusho.residents.tests.factories import family

    settings.PAYMENTS_WEBHOOK_URL = f"{live_server.url}/payments/webhook/sandbox"
    page.context.add_init_script(AXE)  # before the page's own scripts, as the accessibility test does
    _head, wife = family(3)[:2]
    issue_card(actor=None, kind=CardKind.MY_NUMBER_CARD, number="MN96000001", resident=wife, pin="1234")

    # Sign in with the card, link to the register.
    page.goto("/mypage/")
    page.get_by_role("button", name="マイナンバーカードでログイン").click()
    hold_card(page, "MN96000001")
    expect(page.get_by_role("heading", name="住民記録との連携")).to_be_visible()
    page.get_by_role("button", name="署名用電子証明書で連携する").click()
    hold_card(page, "MN96000001")
    expect(page.get_by_role("heading", name="マイページ", exact=True)).to_be_visible()

    # A clerk opens her record in another browser; she sees that read.
    staff = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    staff.add_init_script(AXE)
    console = staff.new_page()
    console.goto(f"/console/residents/{wife.pk}/")
    log_in(console, "clerk")
    console.get_by_label("閲覧の目的").select_option("certificate")
    console.get_by_role("button", name="記録を開く").click()
    expect(console.get_by_role("heading", name=wife.name)).to_be_visible()
    page.get_by_role("link", name="わたしの記録を見た人", exact=True).click()
    expect(page.locator("table")).to_contain_text("窓口職員")
    expect(page.locator("table")).not_to_contain_text("clerk")
    shot(page, "online-who-looked")

    # She asks for a 住民票の写し with the household head and relationship.
    page.get_by_role("link", name="証明書のオンライン申請").click()
    expect(page.get_by_role("heading", name="証明書のオンライン申請")).to_be_visible()
    page.get_by_role("link", name="証明書を申請する").click()
    expect(page.get_by_role("radio", name="印鑑登録証明書")).to_have_count(0)
    page.get_by_role("radio", name="住民票の写し（1通300円）").check()
    page.get_by_role("radio", name=f"{wife.name} — ご本人").check()
    page.get_by_role("checkbox", name="世帯主・続柄").check()
    no_axe_violations(page)
    shot(page, "online-request-form")
    page.get_by_role("button", name="内容を確認する").click()
    expect(page.get_by_test_id("request-status")).to_have_text("署名待ち")
    expect(page.get_by_test_id("fee")).to_have_text("300円")
    no_axe_violations(page)
    shot(page, "online-request-to-sign")

    # She signs it with the card's signing certificate at the identity provider.
    page.get_by_role("button", name="マイナンバーカードで署名する").click()
    expect(page.get_by_text("署名用電子証明書で署名します")).to_be_visible()
    hold_card(page, "MN96000001")
    expect(page.get_by_test_id("request-status")).to_have_text("支払待ち")
    expect(page.get_by_text("署名を確認しました")).to_be_visible()
    shot(page, "online-request-signed")

    # She pays on the sandbox's hosted page; the signed webhook receives the request.
    page.get_by_role("button", name="手数料の支払いへ進む").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("お支払い")
    page.get_by_label("カード番号").fill("4242 4242 4242 4242")
    page.get_by_label("有効期限（MM/YY）").fill("12/30")
    page.get_by_label("セキュリティコード").fill("123")
    page.get_by_role("button", name="支払う", exact=True).click()
    expect(page.get_by_test_id("request-status")).to_have_text("受付")
    expect(page.get_by_text("申請を受け付けました")).to_be_visible()
    no_axe_violations(page)
    shot(page, "online-request-received")
    # The same page in English, every word translated (names as registered).
    page.get_by_role("button", name="English").click()
    expect(page.get_by_test_id("request-status")).to_have_text("Received")
    no_axe_violations(page)
    shot(page, "online-request-received-en")
    page.get_by_role("button", name="日本語").click()
    reference = OnlineRequest.objects.get().reference

    # The clerk finds it in the postal desk's list as an online request and issues it.
    console.goto("/console/certificates/postal/")
    online_table = console.get_by_role("table", name="オンライン申請（電子署名・オンライン決済済み）")
    expect(online_table).to_contain_text(reference)
    expect(online_table).to_contain_text("署名検証済")
    shot(console, "online-desk-list")
    online_table.get_by_role("link", name=reference).click()
    expect(console.get_by_test_id("signature")).to_contain_text("署名用電子証明書で署名済み・検証済み")
    no_axe_violations(console)
    shot(console, "online-desk-detail")
    console.get_by_role("button", name="証明書を交付する").click()
    expect(console.get_by_test_id("online-status")).to_have_text("交付済")
    shot(console, "online-desk-issued")
    assert Issuance.objects.get().channel == "online"

    # She sees it issued, then mailed.
    page.reload()
    expect(page.get_by_test_id("request-status")).to_have_text("交付済")
    shot(page, "online-request-issued")
    console.get_by_role("button", name="発送済みにする").click()
    expect(console.get_by_test_id("online-status")).to_have_text("発送済")
    staff.close()
    page.get_by_role("link", name="申請の一覧へ").click()
    expect(page.get_by_test_id("request-status")).to_have_text("発送済")
    page.get_by_role("link", name="お知らせ", exact=True).click()
    expect(page.locator("main")).to_contain_text("証明書を発送しました")
    shot(page, "online-request-notices")
