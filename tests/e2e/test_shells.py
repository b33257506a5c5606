"""The three shells in a real browser: login as a clerk, switch the language, keyboard focus, touch targets."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


def test_resident_site_in_japanese_then_english(page, shot):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", level=1)).to_have_text("くらしの手続きとサービス")
    shot(page, "portal-ja")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Procedures and services for daily life")
    shot(page, "portal-en")
    # The self-hosted font is the one in use (no system fallback, nothing from a CDN).
    assert page.evaluate("document.fonts.check('16px \"Noto Sans JP\"', '練馬')")


def test_clerk_logs_in_and_sees_the_console(page, clerk, shot):
    page.goto("/console/")
    expect(page).to_have_url(re.compile(r"/console/login/"))
    shot(page, "console-login-ja")
    log_in(page, "clerk")
    expect(page.get_by_role("heading", level=1)).to_have_text("ダッシュボード")
    expect(page.get_by_text("窓口職員")).to_be_visible()
    shot(page, "console-dashboard-ja")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    shot(page, "console-dashboard-en")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/console/login/"))


def test_wrong_password_shows_a_clear_message(page, clerk):
    page.goto("/console/login/")
    page.get_by_label("ユーザー名").fill("clerk")
    page.get_by_label("パスワード").fill("wrong")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("alert")).to_contain_text("ログインできませんでした。ユーザー名とパスワードを確かめてください。")


def test_kiosk_has_large_touch_targets(page, shot):
    page.goto("/kiosk/")
    expect(page.get_by_role("heading", level=1)).to_have_text("ご希望のサービスを選んでください")
    for el in page.locator(".kiosk-button, .lang-switch__button").all():
        box = el.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44
    shot(page, "kiosk-ja")


def test_keyboard_focus_is_visible_and_skip_link_works(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert "skip-link" in focused
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_text_contrast_is_at_least_4_5_to_1(page):
    """Computed colours of text against its background, on each shell (WCAG 2.1 AA)."""
    script = """() => {
      const lum = c => { const [r,g,b] = c.match(/\\d+(\\.\\d+)?/g).slice(0,3).map(Number).map(v => {
          v /= 255; return v <= 0.03928 ? v/12.92 : Math.pow((v+0.055)/1.055, 2.4); });
        return 0.2126*r + 0.7152*g + 0.0722*b; };
      const bgOf = el => { while (el) { const b = getComputedStyle(el).backgroundColor;
          if (b && !b.startsWith('rgba(0, 0, 0, 0)') && b !== 'transparent') return b; el = el.parentElement; }
        return 'rgb(255, 255, 255)'; };
      const bad = [];
      for (const el of document.querySelectorAll('body *')) {
        if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
        const s = getComputedStyle(el); if (s.visibility === 'hidden' || s.display === 'none') continue;
        const rect = el.getBoundingClientRect(); if (rect.width < 2 || rect.height < 2) continue;
        const a = lum(s.color), b = lum(bgOf(el));
        const ratio = (Math.max(a,b)+0.05)/(Math.min(a,b)+0.05);
        if (ratio < 4.5) bad.push(el.tagName + ' ' + el.textContent.trim().slice(0,30) + ' ' + ratio.toFixed(2));
      }
      return bad; }"""
    for url in ["/", "/kiosk/", "/console/login/"]:
        page.goto(url)
        assert page.evaluate(script) == [], url


def test_api_docs_render_from_local_files(page, shot):
    page.goto("/api/docs")
    expect(page.locator(".swagger-ui .title")).to_contain_text("Kuyakusho API")
    shot(page, "api-docs")
