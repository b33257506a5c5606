"""A new clerk's first login in a real browser: the password, enrolment of an authenticator app from the QR
code's key, the recovery codes, then a second login with a code; a passkey (Chromium's virtual authenticator)
added afterwards and used instead of the code."""

from __future__ import annotations

import base64
import re

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD, totp_code
from kuyakusho.accounts.capabilities import Role
from kuyakusho.audit.models import AuditEvent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


def _password(page, username):
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()


def test_enrol_an_authenticator_then_log_in_with_it(page, make_staff, shot):
    newcomer = make_staff(Role.CLERK, "shinjin", second_factor=False, display_name="新人 花子")
    page.goto("/console/residents/")
    _password(page, "shinjin")

    # 1. Enrolment comes first: the QR code and the key to type.
    expect(page.get_by_role("heading", name="二要素認証の登録")).to_be_visible()
    expect(page.get_by_role("img", name="認証アプリに登録するQRコード")).to_be_visible()
    shot(page, "second-factor-1-enrol")
    page.goto("/console/residents/")  # nothing else is reachable yet
    expect(page.get_by_role("heading", name="二要素認証の登録")).to_be_visible()
    shown = page.locator("#totp-secret").inner_text().replace(" ", "")
    key = base64.b32decode(shown + "=" * (-len(shown) % 8)).hex()
    page.get_by_label("確認コード").fill(totp_code(key=key))
    page.get_by_role("button", name="登録する").click()

    # 2. The recovery codes, shown once.
    expect(page.get_by_role("heading", name="回復コード")).to_be_visible()
    assert len(re.findall(r"^[a-z2-7]{8}$", page.locator("#recovery-codes").inner_text(), re.M)) == 10
    shot(page, "second-factor-2-recovery-codes")
    page.get_by_role("link", name="保管しました。続ける").click()
    expect(page.get_by_role("heading", name="住民の検索")).to_be_visible()
    page.get_by_role("button", name="ログアウト").click()

    # 3. The next login asks for the code.
    page.goto("/console/")
    _password(page, "shinjin")
    expect(page.get_by_role("heading", name="確認コードの入力")).to_be_visible()
    shot(page, "second-factor-3-code-entry")
    page.get_by_label("確認コード").fill("000000")
    page.get_by_role("button", name="確認してログイン").click()
    expect(page.get_by_label("確認コード")).to_have_accessible_description(re.compile("コードが正しくありません"))
    page.wait_for_timeout(1100)  # django-otp waits 1 s after a wrong code before it takes another
    page.get_by_label("確認コード").fill(totp_code(newcomer))
    shot(page, "second-factor-3-code-entry-after-a-wrong-code")
    page.get_by_role("button", name="確認してログイン").click()
    expect(page.get_by_role("heading", name="ダッシュボード")).to_be_visible()
    shot(page, "second-factor-4-console")
    methods = [e.detail["method"] for e in AuditEvent.objects.filter(action="login.succeeded", actor=newcomer)]
    assert methods == ["totp", "totp"]


def test_add_a_passkey_then_verify_with_it(page, clerk, live_server, settings, shot):
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})

    from .conftest import log_in

    page.goto("/console/account/second-factor/")
    log_in(page, "clerk")
    expect(page.get_by_role("heading", name="二要素認証の設定")).to_be_visible()
    page.get_by_role("button", name="パスキーを登録").click()
    expect(page.locator("#passkey-register-status-message")).not_to_be_empty()
    page.reload()
    expect(page.get_by_text("登録されていません。")).to_have_count(0)
    shot(page, "second-factor-5-passkey-registered")
    page.get_by_role("button", name="ログアウト").click()

    page.goto("/console/")
    _password(page, "clerk")
    expect(page.get_by_role("button", name="パスキーで確認")).to_be_visible()
    shot(page, "second-factor-6-code-or-passkey")
    page.get_by_role("button", name="パスキーで確認").click()
    expect(page.get_by_role("heading", name="ダッシュボード")).to_be_visible()
    assert AuditEvent.objects.filter(action="staff.second_factor.add", actor=clerk,
                                     detail={"method": "webauthn"}).exists()
    last = AuditEvent.objects.filter(action="login.succeeded", actor=clerk).latest("seq")
    assert last.detail == {"method": "webauthn"}
