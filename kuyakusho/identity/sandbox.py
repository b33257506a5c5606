"""The demo ward's sandbox identity provider: what デジタル認証アプリ answers, for the demo cards.

Built on Authlib's OAuth 2.0 / OpenID Connect server: the authorization code grant with PKCE (``S256`` only,
required of every client), ``nonce`` and OpenID ID tokens signed ES256, and clients authenticated by
``private_key_jwt`` (RFC 7523) only. The one client is the portal itself (``settings.IDENTITY_CLIENT_ID``, its
public key from ``keys.client_key()``), so no registration table is needed.

The resident "holds a card" by giving a demo My Number card's number and its PIN; the PIN is checked by the
certificates' card service (``authenticate_card``, channel ``online``), which locks the card after three
wrong PINs exactly as at the kiosk. Answers:

* 認証 (scope ``openid``): a stable subject for the card (an HMAC of the card number under the server's
  secret), never the card number;
* 署名 (scope ``sign`` with ``name address birthdate gender``): the 基本4情報 of the signing certificate in
  the ID token (the register's current entries, as a newly issued certificate would carry them).

Nothing here is mounted unless ``settings.IDENTITY_SANDBOX`` is on (``urls.py``; the views answer 404 too).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import TYPE_CHECKING

from authlib.integrations.django_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from kuyakusho.audit.services import record_read

from . import keys
from .models import SandboxAssertion, SandboxCode
from .selectors import card_holder_claims

if TYPE_CHECKING:
    from joserfc.jwk import ECKey

    from kuyakusho.certificates.models import Card

CODE_LIFETIME = 60  # seconds
ID_TOKEN_LIFETIME = 300
SIGN_CLAIMS = ("name", "address", "birthdate", "gender")


def issuer_for(request) -> str:
    return request.build_absolute_uri("/identity/sandbox").rstrip("/")


def subject_for(card) -> str:
    key = hashlib.sha256(("kuyakusho-sandbox-subject:" + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, card.number.encode(), hashlib.sha256).hexdigest()


class PortalClient:
    """The portal as the sandbox knows it (authlib's ClientMixin)."""

    token_endpoint_auth_method = "private_key_jwt"  # noqa: S105 (a method name)
    id_token_signed_response_alg = "ES256"  # noqa: S105 (an algorithm)

    def __init__(self, client_id: str, issuer: str) -> None:
        self.client_id = client_id
        self.callback = issuer.rsplit("/identity/sandbox", 1)[0] + "/identity/callback"

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope) -> str:
        allowed = {"openid", "sign", *SIGN_CLAIMS}
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri) -> bool:
        # The portal's callback on the host the sandbox serves, nothing else (no code goes to another site).
        return redirect_uri == self.callback

    def check_client_secret(self, client_secret) -> bool:
        return False

    def check_endpoint_auth_method(self, method, endpoint) -> bool:
        return method == "private_key_jwt" if endpoint == "token" else True

    def check_response_type(self, response_type) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type) -> bool:
        return grant_type == "authorization_code"

    def public_key(self) -> ECKey:
        return keys.client_key()


class PrivateKeyJWTAuth(JWTBearerClientAssertion):
    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, audiences) -> None:
        super().__init__(validate_jti=True)
        self._audiences = audiences

    def get_audiences(self) -> list[str]:
        return self._audiences

    def resolve_client_public_key(self, client) -> ECKey:
        return client.public_key()

    def validate_jti(self, claims, jti) -> bool:
        # A client assertion is used once: its jti is kept.
        try:
            with transaction.atomic():
                SandboxAssertion.objects.create(
                    jti_hash=hashlib.sha256(f"{claims['sub']}:{jti}".encode()).hexdigest(), created_at=timezone.now())
        except IntegrityError:
            return False
        return True


class StrictCodeChallenge(CodeChallenge):
    """PKCE for every client, ``S256`` only (the guideline's rule), at the authorization request already."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE with code_challenge_method=S256 is required")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant, result) -> None:
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier'")
        super().validate_code_verifier(grant, result)

    def get_authorization_code_challenge(self, authorization_code) -> str:
        return authorization_code.code_challenge

    def get_authorization_code_challenge_method(self, authorization_code) -> str:
        return authorization_code.code_challenge_method


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["private_key_jwt"]

    def save_authorization_code(self, code, request) -> SandboxCode:
        data = request.payload.data
        return SandboxCode.objects.create(
            code=code, client_id=request.client.get_client_id(), card=request.user,
            redirect_uri=request.payload.redirect_uri or "", scope=request.payload.scope or "",
            nonce=data.get("nonce", ""), acr=(data.get("acr_values") or "").split(" ")[0][:120],
            code_challenge=data["code_challenge"], code_challenge_method=data["code_challenge_method"],
            auth_time=int(time.time()), created_at=timezone.now())

    def query_authorization_code(self, code, client) -> SandboxCode | None:
        found = SandboxCode.objects.select_related("card").filter(code=code, client_id=client.get_client_id()).first()
        if found is None or (timezone.now() - found.created_at).total_seconds() > CODE_LIFETIME:
            return None
        return found

    def delete_authorization_code(self, authorization_code) -> None:
        # Used once: a second exchange of the same code finds nothing.
        SandboxCode.objects.filter(pk=authorization_code.pk).delete()

    def authenticate_user(self, authorization_code) -> Card:
        return authorization_code.card


class SandboxOpenIDCode(OpenIDCode):
    def __init__(self, issuer: str) -> None:
        super().__init__(require_nonce=True)
        self.issuer = issuer

    def exists_nonce(self, nonce, request) -> bool:
        return SandboxCode.objects.filter(client_id=request.payload.client_id, nonce=nonce).exists()

    def resolve_client_private_key(self, client) -> ECKey:
        return keys.sandbox_key()

    def get_client_algorithm(self, client) -> str:
        return "ES256"

    def get_encode_header(self, client) -> dict[str, str | None]:
        return {"alg": "ES256", "kid": keys.sandbox_key().kid}

    def get_client_claims(self, client) -> dict[str, object]:
        return {"iss": self.issuer, "aud": [client.get_client_id()], "exp": int(time.time()) + ID_TOKEN_LIFETIME}

    def generate_user_info(self, user, scope) -> UserInfo:
        info = UserInfo(sub=subject_for(user))
        scopes = set((scope or "").split())
        if "sign" in scopes:
            claims = card_holder_claims(user)
            # The sandbox reads the register to stand in for the certificate on the card: recorded.
            record_read(actor=None, action="identity.sandbox_certificate", subject_id=user.resident_id,
                        purpose="self", detail={"scope": "sign"})
            info.update({k: v for k, v in claims.items() if k in scopes})
        return info


class SandboxServer(AuthorizationServer):
    def __init__(self, issuer: str) -> None:
        super().__init__(client_model=None, token_model=None)
        self.issuer = issuer
        self.register_grant(CodeGrant, [StrictCodeChallenge(required=True), SandboxOpenIDCode(issuer)])
        self.register_client_auth_method("private_key_jwt", PrivateKeyJWTAuth([issuer + "/token", issuer]))

    def query_client(self, client_id) -> PortalClient | None:
        return PortalClient(client_id, self.issuer) if client_id == settings.IDENTITY_CLIENT_ID else None

    def save_token(self, token, request) -> None:
        # The sandbox serves no resources: the ID token carries every claim, so access tokens are not kept.
        return None


def server_for(request) -> SandboxServer:
    return SandboxServer(issuer_for(request))


def discovery(issuer: str) -> dict:
    return {
        "issuer": issuer,
        "authorization_endpoint": issuer + "/authorize",
        "token_endpoint": issuer + "/token",
        "jwks_uri": issuer + "/jwks",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "sign", *SIGN_CLAIMS],
        "claims_supported": ["sub", *SIGN_CLAIMS],
    }
