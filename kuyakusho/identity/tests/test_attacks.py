"""Refusals of the sign-in: forged or replayed state, wrong nonce, another client's or expired tokens, a
provider that is down, PKCE missing, the sandbox switched off, PIN lockout."""

from __future__ import annotations

import json
import time

import pytest
from joserfc import jwt

from kuyakusho.audit.models import AuditEvent
from kuyakusho.certificates.models import CardLock
from kuyakusho.identity import keys
from kuyakusho.identity.client import STATE_COOKIE
from kuyakusho.identity.models import PortalAccount, ResidentSession, SignInAttempt
from kuyakusho.residents.tests.factories import ResidentFactory

from .conftest import at_provider, card_for, local, query, to_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(db):
    return card_for(ResidentFactory(), "MN91000001")


def callback_path(client, number="MN91000001", start="/identity/start"):
    r = at_provider(client, to_provider(client, start), number)
    assert r.status_code == 302
    return local(r["Location"])


def resign(transport, **changes):
    """The provider's ID token with other claims, validly signed by the provider's key."""
    def rewrite(path, content):
        if not path.endswith("/token"):
            return content
        data = json.loads(content)
        key = keys.sandbox_key()
        claims = {**jwt.decode(data["id_token"], key).claims, **changes}
        data["id_token"] = jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key)
        return json.dumps(data).encode()
    transport.rewrite = rewrite


def refused(r, text: str):
    assert r.status_code == 400, r.status_code
    assert text in r.content.decode()
    assert not ResidentSession.objects.exists()


def test_forged_state_is_refused(browser_client, provider, card):
    path = callback_path(browser_client)
    forged = path.replace(query(path)["state"], "forged-state-value")
    refused(browser_client.get(forged), "ログインの手続きを確認できませんでした")
    assert AuditEvent.objects.filter(action="identity.state_mismatch").exists()


def test_state_from_another_browser_is_refused(browser_client, provider, card):
    from django.test import Client

    path = callback_path(browser_client)
    refused(Client(SERVER_NAME="localhost").get(path), "ログインの手続きを確認できませんでした")


def test_replayed_state_is_refused(browser_client, provider, card):
    path = callback_path(browser_client)
    assert browser_client.get(path).status_code == 302
    ResidentSession.objects.all().delete()
    browser_client.cookies.clear()
    browser_client.cookies[STATE_COOKIE] = query(path)["state"]
    refused(browser_client.get(path), "無効か期限切れ")
    assert AuditEvent.objects.filter(action="identity.state_replayed").exists()


def test_expired_attempt_is_refused(browser_client, provider, card):
    path = callback_path(browser_client)
    from datetime import timedelta

    from django.utils import timezone
    SignInAttempt.objects.update(created_at=timezone.now() - timedelta(minutes=11))
    refused(browser_client.get(path), "無効か期限切れ")


def test_wrong_nonce_is_refused(browser_client, provider, card):
    path = callback_path(browser_client)
    SignInAttempt.objects.update(nonce="another-nonce")
    refused(browser_client.get(path), "認証サービスからの応答を確認できませんでした")
    assert AuditEvent.objects.filter(action="identity.id_token_refused").exists()


def test_token_for_another_client_is_refused(browser_client, provider, card):
    resign(provider, aud=["another-client"])
    refused(browser_client.get(callback_path(browser_client)), "認証サービスからの応答を確認できませんでした")


def test_token_from_another_issuer_is_refused(browser_client, provider, card):
    resign(provider, iss="https://idp.example.jp")
    refused(browser_client.get(callback_path(browser_client)), "認証サービスからの応答を確認できませんでした")


def test_expired_token_is_refused(browser_client, provider, card):
    now = int(time.time())
    resign(provider, iat=now - 3600, exp=now - 600)
    refused(browser_client.get(callback_path(browser_client)), "認証サービスからの応答を確認できませんでした")


def test_token_signed_by_another_key_is_refused(browser_client, provider, card):
    from joserfc.jwk import ECKey

    other = ECKey.generate_key("P-256", private=True)

    def rewrite(path, content):
        if not path.endswith("/token"):
            return content
        data = json.loads(content)
        claims = jwt.decode(data["id_token"], keys.sandbox_key()).claims
        data["id_token"] = jwt.encode({"alg": "ES256", "kid": keys.sandbox_key().kid}, claims, other)
        return json.dumps(data).encode()
    provider.rewrite = rewrite
    refused(browser_client.get(callback_path(browser_client)), "認証サービスからの応答を確認できませんでした")


def test_code_is_used_once(browser_client, provider, card):
    """The provider refuses a second exchange of the same code (and PKCE binds it to this attempt)."""
    path = callback_path(browser_client)
    assert browser_client.get(path).status_code == 302
    attempt = SignInAttempt.objects.get()
    SignInAttempt.objects.filter(pk=attempt.pk).update(used_at=None)
    browser_client.cookies[STATE_COOKIE] = query(path)["state"]
    r = browser_client.get(path)
    assert r.status_code == 400 and "認証が完了しませんでした" in r.content.decode()
    assert AuditEvent.objects.filter(action="identity.token_refused").exists()


@pytest.mark.parametrize("how", ["unreachable", "server_error"])
def test_provider_down_gives_a_clear_message_and_the_counter(browser_client, provider, card, how):
    path = callback_path(browser_client)
    if how == "unreachable":
        provider.down = True
    else:
        provider.status = 502
    r = browser_client.get(path)
    assert r.status_code == 503
    body = r.content.decode()
    assert "認証サービスに接続できません" in body and "窓口" in body
    assert not ResidentSession.objects.exists()
    assert AuditEvent.objects.filter(action="identity.provider_down").exists()


def test_pkce_s256_is_required_by_the_sandbox(browser_client, provider, card):
    path = to_provider(browser_client)
    q = query(path)
    without = path.split("?")[0] + "?" + "&".join(f"{k}={v}" for k, v in q.items()
                                                  if k not in ("code_challenge", "code_challenge_method"))
    r = browser_client.get(without)
    assert r.status_code == 400 and "PKCE" in r.content.decode()
    plain = path.replace("code_challenge_method=S256", "code_challenge_method=plain")
    assert browser_client.get(plain).status_code == 400


def test_token_endpoint_needs_private_key_jwt(provider, card):
    r = provider.client.post("/identity/sandbox/token", {"grant_type": "authorization_code", "code": "x",
                                                          "client_id": "kuyakusho-portal", "client_secret": "guess"})
    assert r.status_code in (400, 401) and b"invalid_client" in r.content


def test_sandbox_is_404_unless_enabled(browser_client, settings):
    settings.IDENTITY_SANDBOX = False
    for path in ("/identity/sandbox/authorize", "/identity/sandbox/jwks",
                 "/identity/sandbox/.well-known/openid-configuration"):
        assert browser_client.get(path).status_code == 404
    assert browser_client.post("/identity/sandbox/token").status_code == 404


def test_three_wrong_pins_lock_the_card(browser_client, provider, card):
    authorize = to_provider(browser_client)
    r = at_provider(browser_client, authorize, card.number, "0000")
    assert r.status_code == 400 and "あと2回" in r.content.decode()
    at_provider(browser_client, authorize, card.number, "0001")
    r = at_provider(browser_client, authorize, card.number, "0002")
    assert "3回間違えた" in r.content.decode()
    r = at_provider(browser_client, authorize, card.number, "1234")
    assert r.status_code == 400 and "窓口で解除" in r.content.decode()
    assert CardLock.objects.get(card=card).locked_at is not None
    assert not PortalAccount.objects.exists()


def test_cancel_at_the_provider(browser_client, provider, card):
    r = browser_client.post(to_provider(browser_client), {"cancel": "1"})
    assert r.status_code == 302 and "error=access_denied" in r["Location"]
    r = browser_client.get(local(r["Location"]))
    assert r.status_code == 400 and "認証が完了しませんでした" in r.content.decode()


def test_sandbox_sends_codes_only_to_the_portals_callback(browser_client, provider, card):
    path = to_provider(browser_client)
    evil = path.replace("redirect_uri=http%3A%2F%2Flocalhost%2Fidentity%2Fcallback",
                        "redirect_uri=https%3A%2F%2Fevil.example%2Fidentity%2Fcallback")
    assert evil != path
    r = browser_client.post(evil, {"card": card.number, "pin": "1234"})
    assert r.status_code == 400 and "evil.example" not in r.get("Location", "")
