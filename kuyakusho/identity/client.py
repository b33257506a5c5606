"""The portal as an OpenID Connect client (Authlib), the way デジタル認証アプリ's guideline asks.

Authorization code flow; PKCE with ``S256``; ``state`` (bound to the browser by a cookie and usable once) and
``nonce``; the client authenticated at the token endpoint by ``private_key_jwt`` (ES256, RFC 7523); scopes
from settings (``openid`` to sign in; ``openid name address birthdate gender sign`` for the signing
certificate's 基本4情報); ``acr_values`` passed through. The ID token is checked against the provider's keys:
signature, issuer, audience (this client), expiry and the nonce of this attempt.

``HTTP`` is the requests session every call to the provider goes through; tests mount a transport on it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oidc.core import CodeIDToken
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from kuyakusho.audit.services import record_refusal
from kuyakusho.core.errors import ApplicationError, ErrorCode

from . import keys
from .models import Purpose, ResidentSession, SignInAttempt

log = logging.getLogger(__name__)

ATTEMPT_LIFETIME = timedelta(minutes=10)
STATE_COOKIE = "kuyakusho_oidc_state"
LEEWAY = 30  # seconds of clock skew allowed on the ID token

HTTP = requests.Session()


def _server_error(response, *args, **kwargs):
    if response.status_code >= 500:
        response.raise_for_status()


def _transport(session: requests.Session) -> requests.Session:
    """Every call goes through ``HTTP``'s adapters and counts a server error as the provider being down."""
    for prefix, adapter in HTTP.adapters.items():
        session.mount(prefix, adapter)
    session.hooks["response"].append(_server_error)
    return session


class ProviderDown(ApplicationError):
    """The identity provider did not answer (or answered with a server error)."""


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


@dataclass(frozen=True)
class SignedIn:
    attempt: SignInAttempt
    issuer: str
    subject: str
    claims: dict


def provider_for(request) -> Provider:
    if settings.IDENTITY_ISSUER:
        issuer = settings.IDENTITY_ISSUER
        return Provider(issuer, settings.IDENTITY_AUTHORIZATION_ENDPOINT or issuer + "/authorize",
                        settings.IDENTITY_TOKEN_ENDPOINT or issuer + "/token",
                        settings.IDENTITY_JWKS_URI or issuer + "/jwks")
    if settings.IDENTITY_SANDBOX:
        from .sandbox import issuer_for  # the sandbox is this app's own module

        issuer = issuer_for(request)
        return Provider(issuer, issuer + "/authorize", issuer + "/token", issuer + "/jwks")
    raise ApplicationError(ErrorCode.CLOSED,
        _("マイナンバーカードでのログインは現在ご利用いただけません。窓口をご利用ください。"))


def scopes_for(purpose: str) -> str:
    signing = purpose in (Purpose.LINK, Purpose.SIGN)
    return settings.IDENTITY_SIGN_SCOPES if signing else settings.IDENTITY_SIGNIN_SCOPES


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _session(provider: Provider, redirect_uri: str) -> OAuth2Session:
    client = OAuth2Session(settings.IDENTITY_CLIENT_ID, keys.client_key(), token_endpoint_auth_method="private_key_jwt",  # noqa: S106
                           redirect_uri=redirect_uri, code_challenge_method="S256")
    client.register_client_auth_method(PrivateKeyJWT(provider.token_endpoint, alg="ES256"))
    return _transport(client)


def start(request, *, purpose: str, session: ResidentSession | None = None, next_url: str = "",
          document: str = "") -> tuple[str, str]:
    """A new authorization request: (the provider's URL to send the browser to, the state for its cookie)."""
    provider = provider_for(request)
    redirect_uri = request.build_absolute_uri("/identity/callback")
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    SignInAttempt.objects.create(state_hash=_hash(state), purpose=purpose, issuer=provider.issuer,
                                 redirect_uri=redirect_uri, nonce=nonce, code_verifier=verifier, next_url=next_url,
                                 document=document, session=session, created_at=timezone.now())
    extra: dict[str, str | int] = {"nonce": nonce}
    if settings.IDENTITY_ACR_VALUES:
        extra["acr_values"] = settings.IDENTITY_ACR_VALUES
    if purpose in (Purpose.REAUTH, Purpose.SIGN):  # the card is read again, whatever the provider's session
        extra.update(prompt="login", max_age=0)
    url, _state = _session(provider, redirect_uri).create_authorization_url(
        provider.authorization_endpoint, state=state, code_verifier=verifier, scope=scopes_for(purpose), **extra)
    return url, state


def _refuse(action: str, message, *, code=ErrorCode.REFUSED, detail=None) -> ApplicationError:
    with transaction.atomic():
        record_refusal(actor=None, action=action, detail=detail or {})
    return ApplicationError(code, message)


def _consume(state: str, cookie_state: str) -> SignInAttempt:
    """The attempt this state belongs to, used up now. Forged, replayed, expired or another browser's: refused."""
    if not state or not cookie_state or not hmac.compare_digest(state, cookie_state):
        raise _refuse("identity.state_mismatch",
            _("ログインの手続きを確認できませんでした。最初からやり直してください。"))
    now = timezone.now()
    h = _hash(state)
    used = SignInAttempt.objects.filter(state_hash=h, used_at__isnull=True,
                                        created_at__gte=now - ATTEMPT_LIFETIME).update(used_at=now)
    if used != 1:
        raise _refuse("identity.state_replayed",
            _("ログインの手続きが無効か期限切れです。最初からやり直してください。"))
    return SignInAttempt.objects.select_related("session").get(state_hash=h)


_jwks_cache: dict[str, tuple[float, KeySet]] = {}
JWKS_TTL = 300


def _jwks(provider: Provider, *, force: bool = False) -> KeySet:
    cached = _jwks_cache.get(provider.jwks_uri)
    if cached and not force and cached[0] > time.monotonic():
        return cached[1]
    answer = _call(lambda: _transport(requests.Session()).get(provider.jwks_uri,
                                                              timeout=settings.IDENTITY_HTTP_TIMEOUT))
    keyset = KeySet.import_key_set(answer.json())
    _jwks_cache[provider.jwks_uri] = (time.monotonic() + JWKS_TTL, keyset)
    return keyset


def _call(fn):
    try:
        answer = fn()
    except requests.RequestException as e:
        log.warning("identity provider unreachable: %s", type(e).__name__)
        raise _down() from e
    return answer


def _down() -> ProviderDown:
    with transaction.atomic():
        record_refusal(actor=None, action="identity.provider_down")
    return ProviderDown(ErrorCode.CLOSED, _(
        "マイナンバーカードでのログインが現在ご利用いただけません（認証サービスに接続できません）。"
        "時間をおいてお試しいただくか、区民事務所の窓口をご利用ください。"))


def finish(request, params, *, cookie_state: str) -> SignedIn:
    """Check the provider's answer, exchange the code and verify the ID token."""
    attempt = _consume(params.get("state", ""), cookie_state)
    if params.get("error"):
        raise _refuse("identity.provider_refused", _("マイナンバーカードでの認証が完了しませんでした。"),
                      detail={"error": str(params.get("error"))[:64]})
    code = params.get("code", "")
    if not code:
        raise _refuse("identity.no_code", _("マイナンバーカードでの認証が完了しませんでした。"))
    provider = provider_for(request)
    if provider.issuer != attempt.issuer:
        raise _refuse("identity.issuer_changed",
            _("ログインの手続きを確認できませんでした。最初からやり直してください。"))
    client = _session(provider, attempt.redirect_uri)
    try:
        token = _call(lambda: client.fetch_token(provider.token_endpoint, code=code,
                                                 code_verifier=attempt.code_verifier,
                                                 redirect_uri=attempt.redirect_uri,
                                                 timeout=settings.IDENTITY_HTTP_TIMEOUT))
    except ProviderDown:
        raise
    except Exception as e:
        raise _refuse("identity.token_refused",
            _("マイナンバーカードでの認証が完了しませんでした。最初からやり直してください。"),
                      detail={"error": type(e).__name__}) from e
    claims = verify_id_token(provider, token, nonce=attempt.nonce)
    return SignedIn(attempt=attempt, issuer=provider.issuer, subject=str(claims["sub"]), claims=dict(claims))


def verify_id_token(provider: Provider, token: dict, *, nonce: str) -> dict:
    raw = token.get("id_token")
    if not raw:
        raise _refuse("identity.id_token_missing", _("マイナンバーカードでの認証が完了しませんでした。"))
    try:
        try:
            decoded = jwt.decode(raw, _jwks(provider), algorithms=["ES256", "RS256"])
        except JoseError:
            decoded = jwt.decode(raw, _jwks(provider, force=True), algorithms=["ES256", "RS256"])
        claims = CodeIDToken(decoded.claims, decoded.header,
                             {"iss": {"essential": True, "values": [provider.issuer]},
                              "aud": {"essential": True, "values": [settings.IDENTITY_CLIENT_ID]},
                              "nonce": {"essential": True}},
                             {"nonce": nonce, "client_id": settings.IDENTITY_CLIENT_ID,
                              "access_token": token.get("access_token")})
        claims.validate(leeway=LEEWAY)
    except (JoseError, ValueError) as e:
        raise _refuse("identity.id_token_refused",
            _("認証サービスからの応答を確認できませんでした。最初からやり直してください。"),
                      detail={"error": type(e).__name__}) from e
    return claims
