"""A form refused because the session (and its CSRF token) ended meanwhile: the ward's page in both languages,
then back to the form, signed in again, and what was typed is there again (never the password)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


def _login(page):
    log_in(page, "clerk")  # the password, then the authenticator's code


def test_an_expired_session_keeps_the_typed_form(page, clerk, shot):
    page.goto("/console/residents/")
    _login(page)
    page.get_by_role("link", name="転入届（新しい世帯）").click()
    form_url = page.url
    page.get_by_label("転出元の市区町村").fill("東京都杉並区")
    page.get_by_label("前住所（市区町村より後）").fill("阿佐谷南1丁目14番2号")
    first = page.locator("fieldset.res-person").nth(0)
    first.get_by_label(re.compile(r"^氏名( ※)?$")).fill("山田 太郎")

    page.context.clear_cookies()  # the session ends (timeout, or signed out in another tab)
    page.get_by_role("button", name="確認する").click()
    expect(page.get_by_role("heading", name="送信を確認できませんでした")).to_be_visible()
    expect(page.get_by_text("Your submission could not be verified")).to_be_visible()
    shot(page, "csrf-failure-page")

    page.get_by_role("link", name=re.compile("入力画面に戻る")).click()
    _login(page)  # back to the form it came from
    expect(page).to_have_url(form_url)
    expect(page.get_by_label("転出元の市区町村")).to_have_value("東京都杉並区")
    expect(page.get_by_label("前住所（市区町村より後）")).to_have_value("阿佐谷南1丁目14番2号")
    expect(page.locator("fieldset.res-person").nth(0).get_by_label(re.compile(r"^氏名( ※)?$"))).to_have_value(
        "山田 太郎")
    expect(page.locator("#kept-form-note")).to_be_visible()
    shot(page, "csrf-form-restored")
    # Kept once: reloading shows the empty form again.
    page.reload()
    expect(page.get_by_label("転出元の市区町村")).to_have_value("")
