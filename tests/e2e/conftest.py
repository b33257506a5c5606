"""Browser tests: Playwright (Python) driving Debian's chromium, headless. No browser download."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-test-tools (Debian package 'chromium')")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                  "--no-first-run", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    requests_elsewhere = []
    page.on("request", lambda r: None if r.url.startswith(live_server.url) or r.url.startswith("data:")
            else requests_elsewhere.append(r.url))
    yield page
    context.close()
    assert not requests_elsewhere, f"the page fetched from other hosts: {requests_elsewhere}"


@pytest.fixture
def shot():
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def log_in(page, username: str, *, password: str | None = None, code: str | None = None) -> None:
    """Sign in on the login page the browser is on: the password, then the code from the authenticator app
    (computed from the test accounts' key, ``conftest.TOTP_KEY``; pass ``code`` when the server's database is
    another process's)."""
    from playwright.sync_api import expect

    from conftest import PASSWORD, totp_code
    from kuyakusho.accounts.models import Staff

    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(password or PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("heading", name="確認コードの入力")).to_be_visible()
    page.get_by_label("確認コード").fill(code or totp_code(Staff.objects.get(username=username)))
    page.get_by_role("button", name="確認してログイン").click()
