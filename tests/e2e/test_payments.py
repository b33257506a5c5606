"""A payer pays a bill on the sandbox provider's hosted page; the signed webhook reaches the platform and the
supervisor sees the payment and its history in the console."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kuyakusho.payments import selectors, services
from kuyakusho.payments.models import Bill, ProviderEvent

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


def test_payer_pays_a_bill_in_the_sandbox(page, browser, live_server, supervisor, settings, shot):
    settings.PAYMENTS_WEBHOOK_URL = f"{live_server.url}/payments/webhook/sandbox"
    bill = services.create_bill(actor=supervisor, purpose="住民票の写し 1通（オンライン請求）", amount=300,
                                payer_ref="online-1", source="e2e", source_ref="online-1")
    page.goto(f"/payments/bills/{selectors.bill_link_token(bill)}/")
    expect(page.get_by_test_id("amount")).to_have_text("300円")
    shot(page, "payments-bill-ja")
    page.get_by_role("button", name="支払手続きへ進む").click()

    # The provider's hosted page: a declined card first.
    expect(page.get_by_role("heading", level=1)).to_have_text("お支払い")
    qr = page.get_by_role("img", name="コード決済用のQRコード")
    expect(qr).to_be_visible()
    # The SVG loads (waiting for it if it has not yet).
    assert qr.evaluate("img => img.complete ? img.naturalWidth"
                       " : new Promise(done => { img.onload = () => done(img.naturalWidth); })") > 0
    page.get_by_label("カード番号").fill("4000 0000 0000 0002")
    page.get_by_label("有効期限（MM/YY）").fill("12/30")
    page.get_by_label("セキュリティコード").fill("123")
    page.get_by_role("button", name="支払う", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("カードが承認されませんでした")
    shot(page, "payments-sandbox-declined-ja")
    page.get_by_label("カード番号").fill("4242 4242 4242 4242")
    page.get_by_label("有効期限（MM/YY）").fill("12/30")
    page.get_by_label("セキュリティコード").fill("123")
    page.get_by_role("button", name="支払う", exact=True).click()

    # Back on the platform: the webhook (delivered twice) has been applied once.
    expect(page.get_by_role("heading", level=1)).to_have_text("お支払いの結果")
    expect(page.get_by_test_id("status")).to_have_text("納付済")
    shot(page, "payments-paid-ja")
    assert Bill.objects.get(pk=bill.pk).status == "paid"
    assert ProviderEvent.objects.filter(payment__bill=bill).count() == 1

    # The supervisor sees the payment and its history, in another browser.
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    console = context.new_page()
    console.goto(f"/console/login/?next=/console/payments/bills/{bill.pk}/")
    log_in(console, "supervisor")
    expect(console.get_by_test_id("bill-status")).to_have_text("納付済")
    expect(console.get_by_test_id("payment-state")).to_have_text("収納済")
    expect(console.get_by_text("作成 → 収納済")).to_be_visible()
    shot(console, "payments-console-bill-ja")
    context.close()
