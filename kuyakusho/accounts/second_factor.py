"""The second factor for staff sign-in (django-otp): authenticator apps (TOTP), passkeys (WebAuthn, see
``webauthn.py``) and single-use recovery codes.

Staff whose role reads personal data (``capabilities.SECOND_FACTOR_CAPABILITIES``) need one: after the password
they are signed in but *unverified*, and ``middleware.SecondFactorMiddleware`` lets them reach only the
enrolment or verification page until a factor is enrolled and a code (or passkey, or recovery code) is accepted.
Enrolments, the codes used and an administrator's reset are recorded in the audit trail.
"""

from __future__ import annotations

import base64
import unicodedata
from collections.abc import Iterable

import segno
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from kuyakusho.audit.models import Kind
from kuyakusho.audit.services import append, record_write
from kuyakusho.core.errors import ApplicationError, ErrorCode

from .actors import as_staff
from .capabilities import ROLE_CAPABILITIES, SECOND_FACTOR_CAPABILITIES
from .models import Staff

RECOVERY_DEVICE = "recovery"
RECOVERY_CODES = 10
TOTP_NAME = "authenticator"


def role_requires_second_factor(role: str) -> bool:
    return bool(ROLE_CAPABILITIES.get(role, frozenset()) & SECOND_FACTOR_CAPABILITIES)


def requires_second_factor(user: object) -> bool:
    staff = as_staff(user)
    return staff is not None and role_requires_second_factor(staff.role)


def has_second_factor(user: Staff) -> bool:
    """A confirmed authenticator app or passkey (recovery codes alone are not a factor)."""
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists()
                or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists())


def has_passkey(user: Staff) -> bool:
    return bool(WebAuthnCredential.objects.filter(user=user, confirmed=True).exists())


def pending_totp(*, staff: Staff) -> TOTPDevice:
    """The authenticator being enrolled: a new secret, kept (unconfirmed) until a code from it is accepted."""
    device = TOTPDevice.objects.filter(user=staff, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=staff, name=TOTP_NAME, confirmed=False)


def confirm_totp(*, request: HttpRequest, staff: Staff, code: str) -> list[str]:
    """The first code from the authenticator confirms it, verifies this session and returns new recovery codes."""
    device = TOTPDevice.objects.filter(user=staff, confirmed=False).order_by("pk").first()
    if device is None or not device.verify_token(_digits(code)):
        raise ApplicationError(
            ErrorCode.INVALID_INPUT,
            _("確認コードが正しくありません。アプリに表示されている6桁の数字を入力してください。"), field="code")
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(staff)
        record_write(actor=staff, action="staff.second_factor.add", target=staff, detail={"method": "totp"})
    otp_login(request, device)
    append(actor=staff, kind=Kind.AUTH, action="login.succeeded", target=staff, detail={"method": "totp"})
    return codes


def new_recovery_codes(*, staff: Staff) -> list[str]:
    """Replace the member's recovery codes (the old ones stop working)."""
    with transaction.atomic():
        codes = _new_recovery_codes(staff)
        record_write(actor=staff, action="staff.second_factor.recovery_codes", target=staff)
    return codes


def _new_recovery_codes(staff: Staff) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=staff, name=RECOVERY_DEVICE,
                                                          defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def recovery_codes_left(staff: Staff) -> int:
    left: int = StaticToken.objects.filter(device__user=staff, device__name=RECOVERY_DEVICE).count()
    return left


def verify(*, request: HttpRequest, staff: Staff, code: str) -> bool:
    """Accept a code from the authenticator app, or a recovery code (used once); verify the session.

    Each device throttles its own failures (django-otp: 1, 2, 4 … seconds between tries)."""
    code = code.strip()
    digits = _digits(code)
    device = None
    if digits.isdigit() and len(digits) == 6:
        device = next((d for d in TOTPDevice.objects.filter(user=staff, confirmed=True) if d.verify_token(digits)),
                      None)
        method = "totp"
    else:
        recovery = StaticDevice.objects.filter(user=staff, name=RECOVERY_DEVICE, confirmed=True).first()
        token = digits.lower().replace("-", "")
        if recovery is not None and recovery.verify_token(token):
            device = recovery
        method = "recovery_code"
    if device is None:
        append(actor=staff, kind=Kind.AUTH, action="login.second_factor_failed", target=staff,
               detail={"method": method})
        return False
    otp_login(request, device)
    append(actor=staff, kind=Kind.AUTH, action="login.succeeded", target=staff,
           detail={"method": method, **({"recovery_codes_left": recovery_codes_left(staff)}
                                        if method == "recovery_code" else {})})
    return True


def reset(*, actor: Staff, staff: Staff) -> int:
    """An administrator removes every factor of a member of staff (a lost phone): they enrol again at their
    next login, and their sessions verified by the removed factors are no longer verified."""
    if staff.pk == actor.pk:
        raise ApplicationError(ErrorCode.REFUSED, _("自分自身の二要素認証はリセットできません。"))
    with transaction.atomic():
        removed = [f"{d.__class__.__name__}:{d.name}" for d in devices_for_user(staff, confirmed=None)]
        TOTPDevice.objects.filter(user=staff).delete()
        StaticDevice.objects.filter(user=staff).delete()
        WebAuthnCredential.objects.filter(user=staff).delete()
        record_write(actor=actor, action="staff.second_factor.reset", target=staff,
                     changes={"factors": [sorted(removed), []]})
    return len(removed)


def _digits(code: str) -> str:
    """A code as typed: spaces and full-width digits allowed (１２３ ４５６)."""
    return unicodedata.normalize("NFKC", code or "").replace(" ", "").strip()


def secret_of(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


def qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// address as a QR code (PNG data URI: no script, allowed by the page's CSP)."""
    return segno.make(device.config_url, error="m").png_data_uri(scale=5, border=2)


def summary(staff: Staff) -> dict[str, object]:
    return {
        "authenticators": list(TOTPDevice.objects.filter(user=staff, confirmed=True).order_by("pk")),
        "passkeys": list(WebAuthnCredential.objects.filter(user=staff, confirmed=True).order_by("pk")),
        "recovery_codes_left": recovery_codes_left(staff),
    }


def enrolled_ids(members: Iterable[Staff]) -> set[int]:
    ids = [m.pk for m in members]
    return (set(TOTPDevice.objects.filter(user_id__in=ids, confirmed=True).values_list("user_id", flat=True))
            | set(WebAuthnCredential.objects.filter(user_id__in=ids, confirmed=True)
                  .values_list("user_id", flat=True)))
