"""Residents' identities: accounts, their link to the register, sessions, sign-in attempts; the sandbox
provider's authorization codes.

A resident is not a member of staff: nothing here touches ``accounts.Staff``. A resident's session is a
``ResidentSession`` row found by the SHA-256 of a random token kept in its own cookie
(``settings.RESIDENT_SESSION_COOKIE_NAME``), never Django's staff session.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.actors import ActorKind


class AccountKind(models.TextChoices):
    CARD = "card", _("マイナンバーカード")
    EMAIL = "email", _("メールアドレス")


class PortalAccount(models.Model):
    """Someone who signs in on the resident site: with the card (``subject`` from the identity provider) or,
    without a card, with an e-mail address, a password and an authenticator app."""

    kind = models.CharField(max_length=8, choices=AccountKind.choices)
    issuer = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    email = models.EmailField(_("メールアドレス"), blank=True)
    password = models.CharField(max_length=128, blank=True)
    totp_key = models.CharField(max_length=80, blank=True)  # hex, django_otp.oath.TOTP
    totp_confirmed = models.BooleanField(default=False)
    totp_last_t = models.BigIntegerField(default=-1)  # the last time step accepted (a code is used once)
    notify_email = models.EmailField(_("お知らせを受け取るメールアドレス"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], condition=Q(kind="card"),
                                    name="identity_account_subject_unique"),
            models.UniqueConstraint(fields=["email"], condition=Q(kind="email"), name="identity_account_email_unique"),
            models.CheckConstraint(condition=Q(kind="card", email="", password="") & ~Q(subject="")
                                   | Q(kind="email", subject="") & ~Q(email="") & ~Q(password=""),
                                   name="identity_account_kind_consistent"),
        ]

    def __str__(self) -> str:
        return f"portal account #{self.pk}"

    actor_kind = ActorKind.RESIDENT  # kuyakusho.core.actors: what this actor is

    @property
    def actor_label(self) -> str:
        """The audit trail's label for this account (no personal data)."""
        return f"portal:{self.pk}"


class ResidentLink(models.Model):
    """The account of a card holder matched to one current resident of the register (once, audited)."""

    account = models.OneToOneField(PortalAccount, on_delete=models.PROTECT, related_name="link")
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resident"], name="identity_link_one_account")]

    def __str__(self) -> str:
        return f"link #{self.pk}"


class ResidentSession(models.Model):
    key_hash = models.CharField(max_length=64, unique=True)
    account = models.ForeignKey(PortalAccount, on_delete=models.CASCADE, related_name="sessions")
    created_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    card_verified_at = models.DateTimeField(null=True, blank=True)  # the last sign-in with the card
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="identity_session_expires")]

    def __str__(self) -> str:
        return f"resident session #{self.pk}"


class Purpose(models.TextChoices):
    SIGN_IN = "sign_in", _("ログイン")
    LINK = "link", _("住民記録との連携")
    REAUTH = "reauth", _("再認証")
    SIGN = "sign", _("申請への署名")


class SignInAttempt(models.Model):
    """One authorization request: its ``state`` (stored as SHA-256), ``nonce`` and PKCE verifier, bound to
    the browser by a cookie carrying the state. Used once."""

    state_hash = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=8, choices=Purpose.choices)
    issuer = models.CharField(max_length=200)
    redirect_uri = models.CharField(max_length=300)
    nonce = models.CharField(max_length=64)
    code_verifier = models.CharField(max_length=128)
    next_url = models.CharField(max_length=200, blank=True)
    #: What a 署名 attempt signs (an area's document reference and digest, e.g. an online request's).
    document = models.CharField(max_length=200, blank=True)
    session = models.ForeignKey(ResidentSession, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sign-in attempt #{self.pk}"


class SandboxCode(models.Model):
    """An authorization code of the sandbox identity provider (demo ward only)."""

    code = models.CharField(max_length=120, unique=True)
    client_id = models.CharField(max_length=100)
    card = models.ForeignKey("certificates.Card", on_delete=models.CASCADE, related_name="+")
    redirect_uri = models.CharField(max_length=300)
    scope = models.CharField(max_length=200)
    nonce = models.CharField(max_length=120, blank=True)
    acr = models.CharField(max_length=120, blank=True)
    code_challenge = models.CharField(max_length=128)
    code_challenge_method = models.CharField(max_length=8)
    auth_time = models.PositiveBigIntegerField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"sandbox code #{self.pk}"

    # authlib's AuthorizationCodeMixin / OIDC AuthorizationCodeMixin
    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce or None

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str | None:
        return self.acr or None

    def get_amr(self) -> list[str]:
        return ["hwk", "pin"]


class SandboxAssertion(models.Model):
    """A client assertion (private_key_jwt) the sandbox provider has accepted: its ``jti`` is used once."""

    jti_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"sandbox assertion #{self.pk}"
