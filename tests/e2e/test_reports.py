"""ねりまちレポーター in a real browser at phone width (390 px): a resident reports a broken street light with two
photos without using the map (the 町丁目 picker); a neighbour starting a second report nearby is shown the first
and says 「わたしも」; staff triage it, fix it and add a photo of the repair, and publish it; the public page shows
the timeline; the reporter reopens it. axe-core checks the report form, the public list and the report page.
Screenshots: tests/e2e/screenshots/reports-*.png."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kuyakusho.accounts.capabilities import Role

from .test_accessibility import AXE, RUN_AXE, TAGS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]

PHONE = {"width": 390, "height": 844}


def _jpeg(color: tuple[int, int, int]) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1200, 900), color)
    draw = ImageDraw.Draw(image)
    draw.rectangle([500, 100, 560, 800], fill=(60, 60, 60))  # a pole
    draw.ellipse([440, 60, 620, 180], fill=(230, 230, 180))  # its lamp
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (35.0, 44.0, 8.0), 3: "E", 4: (139.0, 39.0, 6.0)}
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _photos_one_at_a_time(context) -> None:
    """The test server's threads share one in-memory SQLite connection (a real server has one per thread): the
    photos a page shows are fetched one after the other so that two never use it at once."""
    context.route("**/photos/**", lambda route: route.fulfill(response=route.fetch()))


def _settle(page) -> None:
    """Wait until the page has loaded its photos and map before the next click: the test server's threads share
    one in-memory SQLite connection, and a form posted while another request uses it can read nothing (the sign-in
    check then finds no second factor and sends the member back to enter a code)."""
    page.wait_for_load_state("networkidle")


def _resident(browser, live_server, account):
    """A phone browser signed in as that resident account (the session is begun as the sign-in page would)."""
    from django.conf import settings
    from django.http import HttpResponse

    from kuyakusho.identity import sessions

    response = HttpResponse()
    sessions.begin(response, account=account, card=False)
    context = browser.new_context(locale="ja-JP", viewport=PHONE, base_url=live_server.url)
    context.add_init_script(script=AXE)
    _photos_one_at_a_time(context)
    name = settings.RESIDENT_SESSION_COOKIE_NAME
    context.add_cookies([{"name": name, "value": response.cookies[name].value, "url": live_server.url}])
    return context, context.new_page()


def _axe(page) -> list[str]:
    result = page.evaluate(RUN_AXE, TAGS)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    found = [f"{page.url} {v['id']}: {v['help']}: {' | '.join(v['targets'][:3])}" for v in result["violations"]]
    return found + ([f"{page.url} is {overflow}px wider than the phone"] if overflow > 0 else [])


def test_report_duplicate_fix_timeline_reopen(browser, live_server, shot, make_staff, tmp_path):
    from kuyakusho.identity.models import PortalAccount
    from kuyakusho.reports.models import Report
    from kuyakusho.reports.standard import ensure_categories

    ensure_categories()
    hanako = PortalAccount.objects.create(kind="email", email="hanako@example.jp", password="x")
    taro = PortalAccount.objects.create(kind="email", email="taro@example.jp", password="x")
    make_staff(Role.REPORTS, "roads")
    photos = []
    for i, color in enumerate([(40, 40, 90), (30, 30, 60)]):
        path = Path(tmp_path) / f"light-{i}.jpg"
        path.write_bytes(_jpeg(color))
        photos.append(str(path))
    problems: list[str] = []

    # 1. Hanako reports a street light that is out, choosing the place from the 町丁目 list (no map).
    context, page = _resident(browser, live_server, hanako)
    page.goto("/reports/new")
    expect(page.get_by_role("heading", name="まちの困りごとを報告する")).to_be_visible()
    problems += _axe(page)
    page.get_by_label("街路灯").check()
    page.get_by_label("町丁目から選ぶ（地図を使わない方法）").select_option(label="豊玉北6丁目")
    shot(page, "reports-1-what-and-where")
    _settle(page)
    page.get_by_role("button", name="次へ").click()
    expect(page.get_by_text("手順2／2")).to_be_visible()
    page.get_by_label("写真（5枚まで").set_input_files(photos)
    page.get_by_label("内容").fill("交差点の角の街路灯が、夜になっても点いていません。")
    page.get_by_label("街路灯の柱に付いている番号（分かれば）").fill("N-0612")
    problems += _axe(page)
    shot(page, "reports-2-details")
    _settle(page)
    page.get_by_role("button", name="報告する").click()
    expect(page.get_by_text("報告を受け付けました")).to_be_visible()
    report = Report.objects.get()
    assert report.photos.count() == 2 and report.town == "豊玉北6丁目"
    shot(page, "reports-3-sent")

    # 2. Taro starts a report of the same kind nearby: the first one is suggested, with its photo; he says me too.
    context2, page2 = _resident(browser, live_server, taro)
    page2.goto("/reports/new")
    page2.get_by_label("街路灯").check()
    page2.get_by_label("町丁目から選ぶ（地図を使わない方法）").select_option(label="豊玉北6丁目")
    _settle(page2)
    page2.get_by_role("button", name="次へ").click()
    expect(page2.get_by_role("heading", name="近くに同じ種類の報告があります")).to_be_visible()
    # not yet approved for publication: its text and photos stay with the ward until staff publish it
    expect(page2.get_by_text("区が確認中のため、内容と写真はまだ公開していません。")).to_be_visible()
    shot(page2, "reports-4-duplicate-suggested")
    _settle(page2)
    page2.get_by_role("button", name=f"#{report.pk} に「わたしも」").click()
    expect(page2.get_by_text("「わたしも」を受け付けました")).to_be_visible()
    context2.unroute_all(behavior="wait")
    context2.close()

    # 3. Staff triage, fix with a photo of the repair, publish.
    from .conftest import log_in

    staff_context = browser.new_context(locale="ja-JP", viewport=PHONE, base_url=live_server.url)
    _photos_one_at_a_time(staff_context)
    sp = staff_context.new_page()
    sp.goto("/console/reports/")
    log_in(sp, "roads")
    sp.goto("/console/reports/")
    _settle(sp)
    sp.get_by_role("link", name=f"#{report.pk}").click()
    sp.get_by_label("新しい状況").select_option(label="対応中")
    sp.get_by_label("公開するコメント（報告者と公開ページに表示）").fill("電球の交換を業者に依頼しました。")
    _settle(sp)
    sp.get_by_role("button", name="状況を更新").click()
    expect(sp.get_by_text("更新しました。")).to_be_visible()
    sp.get_by_label("写真（JPEG・PNG・HEIC）").set_input_files(photos[0])
    _settle(sp)
    sp.get_by_role("button", name="写真を追加").click()
    expect(sp.get_by_text("更新しました。")).to_be_visible()
    sp.get_by_label("新しい状況").select_option(label="対応済")
    sp.get_by_label("公開するコメント（報告者と公開ページに表示）").fill("電球を交換し、点灯を確認しました。")
    _settle(sp)
    sp.get_by_role("button", name="状況を更新").click()
    expect(sp.get_by_text("更新しました。")).to_be_visible()
    sp.get_by_label("公開する", exact=True).check()
    _settle(sp)
    sp.get_by_role("button", name="公開の設定を保存").click()
    expect(sp.get_by_text("公開中")).to_be_visible()
    shot(sp, "reports-5-console")
    staff_context.unroute_all(behavior="wait")
    staff_context.close()

    # 4. Anyone reads the public page with its timeline.
    public = browser.new_context(locale="ja-JP", viewport=PHONE, base_url=live_server.url)
    public.add_init_script(script=AXE)
    _photos_one_at_a_time(public)
    pp = public.new_page()
    pp.goto(f"/reports/{report.pk}")
    timeline = pp.get_by_role("list", name="経過")
    expect(timeline).to_contain_text("受付")
    expect(timeline).to_contain_text("電球の交換を業者に依頼しました。")
    expect(timeline).to_contain_text("電球を交換し、点灯を確認しました。")
    fix_photo = pp.get_by_role("img", name="対応後の写真 1")
    expect(fix_photo).to_be_visible()
    assert fix_photo.evaluate("img => img.complete && img.naturalWidth > 0")  # loaded, not a broken image
    problems += _axe(pp)
    shot(pp, "reports-6-public-timeline")
    pp.goto("/reports/")
    expect(pp.get_by_role("link", name=f"#{report.pk}")).to_be_visible()
    problems += _axe(pp)
    shot(pp, "reports-7-public-list")
    public.unroute_all(behavior="wait")
    public.close()

    # 5. Hanako finds the light out again and reopens the report.
    page.goto(f"/reports/{report.pk}")
    page.get_by_label("まだ解決していない場合").fill("また夜に消えていました。")
    _settle(page)
    page.get_by_role("button", name="再開を求める").click()
    expect(page.get_by_text("再開を受け付けました")).to_be_visible()
    expect(page.get_by_role("list", name="経過")).to_contain_text("報告者による再開")
    shot(page, "reports-8-reopened")
    context.unroute_all(behavior="wait")
    context.close()
    report.refresh_from_db()
    assert report.status == "received" and report.reopened == 1 and report.me_too == 1
    assert not problems, "\n".join(problems)
