"""Public facilities in a real browser: a group registers, staff approve it, it applies in the lottery window, the
draw runs, the group confirms its win, pays in the payment sandbox and downloads its 利用許可書; another group then
sees the slot as taken. The vacancy grid and the group's pages are checked with axe-core."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
RUN_AXE = """async () => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                                     resultTypes: ['violations']});
  return r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '));
}"""


def _resident_context(browser, live_server, email: str):
    """A browser signed in on the resident site with an e-mail account (the sign-in itself is the portal's
    own browser test)."""
    from kuyakusho.identity.models import PortalAccount, ResidentSession

    account = PortalAccount.objects.create(kind="email", email=email, password="!")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    ResidentSession.objects.create(key_hash=hashlib.sha256(token.encode()).hexdigest(), account=account,
                                   created_at=now, last_seen_at=now, expires_at=now + timedelta(hours=2))
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.add_cookies([{"name": django_settings.RESIDENT_SESSION_COOKIE_NAME, "value": token,
                          "url": live_server.url}])
    context.add_init_script(script=AXE)
    return context, account


def _axe(page) -> None:
    violations = page.evaluate(RUN_AXE)
    assert violations == [], (page.url, violations)


def test_a_group_wins_the_lottery_pays_and_prints_its_permit(browser, live_server, supervisor, settings, shot,
                                                             isolated_ward_key, tmp_path):
    from kuyakusho.certificates.documents import verify_pdf
    from kuyakusho.facilities.demo import create_demo_facilities
    from kuyakusho.facilities.models import Booking, Facility, LotteryRound

    settings.PAYMENTS_WEBHOOK_URL = f"{live_server.url}/payments/webhook/sandbox"
    settings.PUBLIC_BASE_URL = live_server.url
    today = timezone.localdate()
    create_demo_facilities(today)
    facility = Facility.objects.filter(kind__code="kuminkan").order_by("code").first()
    rnd = LotteryRound.objects.get(kind__code="kuminkan")
    # The window is open today, whatever day of the month the test runs on.
    LotteryRound.objects.filter(pk=rnd.pk).update(window_opens=today - timedelta(days=5), window_closes=today,
                                                  draw_on=today + timedelta(days=1))
    day = rnd.month.replace(day=10)

    # 1. The group registers.
    group, _account = _resident_context(browser, live_server, "chorus@example.jp")
    page = group.new_page()
    page.goto("/facilities/my/register")
    page.get_by_label("団体", exact=True).check()
    page.get_by_label("団体名（個人は氏名）").fill("練馬コーラスの会")
    page.get_by_label("フリガナ").fill("ネリマコーラスノカイ")
    page.get_by_label("活動内容").fill("合唱の練習")
    page.get_by_label("構成員数").fill("12")
    page.get_by_label("うち区内在住・在勤の人数").fill("9")
    page.get_by_label("代表者氏名").fill("練馬 花子")
    page.get_by_label("代表者の生年月日").fill("昭和50年4月1日")
    page.get_by_label("代表者は区内に住んでいる・勤めている").check()
    page.get_by_label("連絡先電話番号").fill("03-1234-5678")
    page.get_by_role("button", name="登録を申し込む").click()
    expect(page.get_by_text("利用者登録を受け付けました")).to_be_visible()
    expect(page.get_by_test_id("registrant-status")).to_have_text("審査中")
    shot(page, "facilities-registered")

    # 2. Staff approve it after checking identity documents at the counter.
    staff = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    console = staff.new_page()
    console.goto("/console/login/?next=/console/facilities/")
    log_in(console, "supervisor")
    expect(console.get_by_role("heading", name="審査待ちの利用者登録")).to_be_visible()
    console.get_by_role("row", name="練馬コーラスの会").get_by_role("link").click()
    expect(console.get_by_test_id("members")).to_contain_text("12人")
    console.get_by_label("承認", exact=True).check()
    console.get_by_label("窓口で本人確認書類を確認した").check()
    shot(console, "facilities-console-review")
    console.get_by_role("button", name="審査結果を登録").click()
    expect(console.get_by_text("審査結果を登録しました。")).to_be_visible()

    # 3. The group applies for a slot in the window, from the public vacancy grid.
    page.goto(f"/facilities/f/{facility.code}/?month={rnd.month:%Y-%m}")
    expect(page.get_by_test_id("mode")).to_contain_text("この月は抽選です")
    _axe(page)
    shot(page, "facilities-vacancy-lottery")
    page.get_by_test_id(f"cell-hall-{day:%Y-%m-%d}-pm").get_by_role("link").click()
    expect(page.get_by_role("heading", name="抽選の申込")).to_be_visible()
    page.get_by_label("利用人数").fill("12")
    _axe(page)
    page.get_by_role("button", name="抽選に申し込む").click()
    expect(page.get_by_text("抽選に申し込みました。")).to_be_visible()
    expect(page.get_by_test_id("application-result")).to_contain_text("抽選前")
    expect(page.get_by_role("button", name="取り下げる")).to_be_visible()

    # 4. The window closes; staff run the draw with the announced numbers.
    LotteryRound.objects.filter(pk=rnd.pk).update(window_opens=today - timedelta(days=5),
                                                  window_closes=today - timedelta(days=1), draw_on=today)
    console.goto(f"/console/facilities/lottery/{rnd.pk}/")
    console.get_by_label("公表された乱数の元の値（1行に1つ）").fill("4821\n3 11 19 24 36 42")
    console.get_by_role("button", name="抽選を行う").click()
    expect(console.get_by_test_id("round-status")).to_have_text("抽選済")
    expect(console.get_by_test_id("digest")).to_have_text(LotteryRound.objects.get(pk=rnd.pk).result_digest)
    shot(console, "facilities-console-drawn")

    # 5. The group confirms its win, then pays in the sandbox.
    page.goto("/facilities/my/")
    expect(page.get_by_test_id("application-result")).to_contain_text("当選")
    page.get_by_role("button", name="当選を確認する").click()
    expect(page.get_by_test_id("booking-status")).to_contain_text("仮予約")
    shot(page, "facilities-provisional")
    _axe(page)
    page.get_by_role("button", name="使用料を支払う").click()
    expect(page.get_by_test_id("amount")).to_have_text(f"{Booking.objects.get().fee}円")
    page.get_by_role("button", name="支払手続きへ進む").click()
    page.get_by_label("カード番号").fill("4242 4242 4242 4242")
    page.get_by_label("有効期限（MM/YY）").fill("12/30")
    page.get_by_label("セキュリティコード").fill("123")
    page.get_by_role("button", name="支払う", exact=True).click()
    expect(page.get_by_test_id("status")).to_have_text("納付済")

    # 6. 本予約: the permit downloads, signed, its QR's page says it is valid.
    page.goto("/facilities/my/")
    expect(page.get_by_test_id("booking-status")).to_have_text("本予約")
    shot(page, "facilities-confirmed")
    with page.expect_download() as download:
        page.get_by_role("link", name="利用許可書（PDF）").click()
    pdf = Path(download.value.path()).read_bytes()
    result = verify_pdf(pdf)
    booking = Booking.objects.get()
    assert result.valid and result.verification_code == booking.permit_code
    page.goto(f"/facilities/verify/{booking.permit_code}")
    expect(page.get_by_test_id("verdict")).to_contain_text("有効なもの")

    # 7. Another group sees the slot as taken.
    other, _ = _resident_context(browser, live_server, "tennis@example.jp")
    second = other.new_page()
    second.goto(f"/facilities/f/{facility.code}/?month={rnd.month:%Y-%m}")
    expect(second.get_by_test_id(f"cell-hall-{day:%Y-%m-%d}-pm")).to_have_text("× 予約済")
    expect(second.get_by_test_id(f"cell-hall-{day:%Y-%m-%d}-am")).not_to_have_text("× 予約済")
    shot(second, "facilities-vacancy-taken")

    # 8. Once the confirmation period is over, the group moves its booking to the next day's slot (same fee).
    LotteryRound.objects.filter(pk=rnd.pk).update(confirm_deadline=today - timedelta(days=1))
    page.goto("/facilities/my/")
    page.get_by_role("link", name="変更する").click()
    _axe(page)
    moved_to = day + timedelta(days=1)
    page.get_by_label("利用日").fill(moved_to.isoformat())
    page.get_by_label("区分").select_option("pm")
    page.get_by_role("button", name="この枠に変更する").click()
    expect(page.locator(".messages")).to_contain_text("予約を変更しました")
    shot(page, "facilities-changed")
    moved = Booking.objects.get()
    assert (moved.date, moved.status) == (moved_to, "confirmed") and moved.permit_code != booking.permit_code
    second.goto(f"/facilities/f/{facility.code}/?month={rnd.month:%Y-%m}")
    expect(second.get_by_test_id(f"cell-hall-{day:%Y-%m-%d}-pm")).not_to_have_text("× 予約済")
    expect(second.get_by_test_id(f"cell-hall-{moved_to:%Y-%m-%d}-pm")).to_have_text("× 予約済")
    for context in (group, staff, other):
        context.close()
