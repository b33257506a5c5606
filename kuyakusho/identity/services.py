"""Signing residents in and linking them to the register. Every write is audited in its transaction.

* ``card_signed_in``: the identity provider's verified answer for one attempt (``client.finish``) becomes a
  session (sign-in), a link to the register (the signing certificate's 基本4情報 matched to exactly one
  current resident), or a fresh card check of the current session (re-authentication).
* Card-less accounts (people who are not residents): e-mail, password and an authenticator app (TOTP through
  django-otp's ``TOTP``, as the staff's second factor). They are never linked to the register.
"""

from __future__ import annotations

import base64
import binascii
import os
from datetime import date
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from django_otp.oath import TOTP

from kuyakusho.audit.models import Kind
from kuyakusho.audit.services import append, record_refusal, record_write
from kuyakusho.certificates.services import online
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.residents.portal_selectors import BasicFour, residents_matching

from .client import SignedIn
from .models import AccountKind, PortalAccount, Purpose, ResidentLink, ResidentSession
from .selectors import account_for_subject
from .sessions import card_verified

COUNTER_ROUTE = _("お手数ですが、本人確認書類をお持ちのうえ区民事務所の窓口でご相談ください。")


class LinkRefused(ApplicationError):
    """No current resident, or more than one, matches the certificate: the counter, never a guess."""


def _sign_in_event(account: PortalAccount, *, method: str, resident_id: int | None = None) -> None:
    append(actor=account, kind=Kind.AUTH, action="identity.sign_in", subject_id=resident_id or "",
           detail={"method": method})


def sign_in_with_card(signed: SignedIn) -> PortalAccount:
    with transaction.atomic():
        account = account_for_subject(signed.issuer, signed.subject)
        if account is None:
            account = PortalAccount.objects.create(kind=AccountKind.CARD, issuer=signed.issuer, subject=signed.subject)
            record_write(actor=account, action="identity.account_create", target=account,
                         changes={"kind": [None, AccountKind.CARD]})
        link = ResidentLink.objects.filter(account=account).first()
        _sign_in_event(account, method="card", resident_id=link.resident_id if link else None)
    return account


def _basic_four(claims: dict[str, Any]) -> BasicFour | None:
    try:
        address = claims["address"]
        address = address.get("formatted", "") if isinstance(address, dict) else str(address)
        return BasicFour(name=str(claims["name"]), birth_date=date.fromisoformat(str(claims["birthdate"])),
                         sex=str(claims["gender"]), address=address)
    except (KeyError, TypeError, ValueError):
        return None


def _same_card(session: ResidentSession, signed: SignedIn) -> None:
    a = session.account
    if a.kind != AccountKind.CARD or a.issuer != signed.issuer or a.subject != signed.subject:
        with transaction.atomic():
            record_refusal(actor=a, action="identity.other_card")
        raise ApplicationError(ErrorCode.REFUSED,
            _("ログインしたときと別のカードで認証されました。同じカードでやり直してください。"))


def link_to_register(*, session: ResidentSession, signed: SignedIn) -> ResidentLink:
    """Match the signing certificate's 基本4情報 to exactly one current resident and record the link."""
    _same_card(session, signed)
    account = session.account
    four = _basic_four(signed.claims)
    if four is None:
        with transaction.atomic():
            record_refusal(actor=account, action="identity.link_no_certificate")
        raise LinkRefused(ErrorCode.REFUSED,
            _("署名用電子証明書の基本4情報を受け取れませんでした。") + str(COUNTER_ROUTE))
    matches = residents_matching(four)
    if len(matches) != 1:
        with transaction.atomic():
            record_refusal(actor=account, action="identity.link_no_match" if not matches else "identity.link_ambiguous",
                           detail={"matches": "0" if not matches else "2+"})
        message = (_("基本4情報（氏名・生年月日・性別・住所）に一致する住民記録が見つかりませんでした。") if not matches
                   else _("基本4情報に一致する住民記録を一つに特定できませんでした。"))
        raise LinkRefused(ErrorCode.NOT_FOUND if not matches else ErrorCode.CONFLICT, message + str(COUNTER_ROUTE))
    resident = matches[0]
    try:
        with transaction.atomic():
            link = ResidentLink.objects.create(account=account, resident=resident)
            record_write(actor=account, action="identity.link", target=link, subject_id=resident.pk,
                         changes={"resident": [None, resident.pk]}, detail={"matched": ["name", "birthdate", "gender",
                                                                                       "address"]})
    except IntegrityError:
        with transaction.atomic():
            record_refusal(actor=account, action="identity.link_taken", subject_id=resident.pk)
        raise LinkRefused(ErrorCode.CONFLICT, _("この住民記録はすでに別のアカウントと連携されています。")
                          + str(COUNTER_ROUTE)) from None
    card_verified(session)
    return link


def reauthenticate(*, session: ResidentSession, signed: SignedIn) -> None:
    _same_card(session, signed)
    with transaction.atomic():
        append(actor=session.account, kind=Kind.AUTH, action="identity.reauth", detail={"method": "card"})
    card_verified(session)


def sign_document(*, session: ResidentSession, signed: SignedIn) -> None:
    """The signing certificate's answer for a document the resident signs (an online certificate request):
    the same card as her sign-in, the 基本4情報 present; the area the document belongs to checks them against
    the register and records the signature."""
    _same_card(session, signed)
    account = session.account
    four = _basic_four(signed.claims)
    if four is None:
        with transaction.atomic():
            record_refusal(actor=account, action="identity.sign_no_certificate")
        raise ApplicationError(ErrorCode.REFUSED, _("署名用電子証明書の基本4情報を受け取れませんでした。")
                               + str(COUNTER_ROUTE))
    online.record_signature(actor=account, account_ref=account.actor_label, document=signed.attempt.document,
                            signer=online.Signer(issuer=signed.issuer, subject=signed.subject, four=four))
    card_verified(session)


def handle(signed: SignedIn, session: ResidentSession | None) -> PortalAccount | None:
    """Route a verified answer by its attempt's purpose; returns the account for a new sign-in, else None."""
    purpose = signed.attempt.purpose
    if purpose == Purpose.SIGN_IN:
        return sign_in_with_card(signed)
    if session is None or signed.attempt.session_id != session.pk:
        with transaction.atomic():
            record_refusal(actor=None, action="identity.session_mismatch")
        raise ApplicationError(ErrorCode.REFUSED, _("ログインの有効期限が切れました。もう一度ログインしてください。"))
    if purpose == Purpose.LINK:
        link_to_register(session=session, signed=signed)
    elif purpose == Purpose.SIGN:
        sign_document(session=session, signed=signed)
    else:
        reauthenticate(session=session, signed=signed)
    return None


# --- accounts without a card --------------------------------------------------------------------------------

def is_linked(account: PortalAccount) -> bool:
    return ResidentLink.objects.filter(account=account).exists()


def totp_secret(account: PortalAccount) -> str:
    return base64.b32encode(binascii.unhexlify(account.totp_key)).decode().rstrip("=")


def totp_uri(account: PortalAccount) -> str:
    label = quote(f"{settings.WARD['name_ja']}:{account.email}")
    return f"otpauth://totp/{label}?secret={totp_secret(account)}&issuer={quote(settings.WARD['name_ja'])}&digits=6"


def _totp(account: PortalAccount) -> TOTP:
    return TOTP(binascii.unhexlify(account.totp_key), step=30, digits=6)


def _code_ok(account: PortalAccount, code: str) -> bool:
    """The authenticator's code, one step of drift either way, each step's code accepted once."""
    code = (code or "").strip()
    if not (code.isdigit() and len(code) == 6):
        return False
    totp = _totp(account)
    if not totp.verify(int(code), tolerance=1, min_t=account.totp_last_t + 1):
        return False
    step = totp.t()
    used = PortalAccount.objects.filter(pk=account.pk, totp_last_t__lt=step).update(totp_last_t=step)
    return used == 1


def register_email(*, email: str, password: str) -> PortalAccount:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ApplicationError(ErrorCode.INVALID_INPUT,
            _("メールアドレスの形式が正しくありません。"), field="email") from None
    try:
        validate_password(password)
    except ValidationError as e:
        raise ApplicationError(ErrorCode.INVALID_INPUT, " ".join(e.messages), field="password") from None
    try:
        with transaction.atomic():
            account = PortalAccount.objects.create(kind=AccountKind.EMAIL, email=email,
                                                   password=make_password(password),
                                                   totp_key=binascii.hexlify(os.urandom(20)).decode())
            record_write(actor=account, action="identity.account_create", target=account,
                         changes={"kind": [None, AccountKind.EMAIL]})
    except IntegrityError:
        raise ApplicationError(ErrorCode.DUPLICATE,
            _("このメールアドレスはすでに登録されています。"), field="email") from None
    return account


def confirm_totp(*, account: PortalAccount, code: str) -> None:
    if not _code_ok(account, code):
        raise ApplicationError(ErrorCode.REFUSED, _("確認コードが違います。認証アプリの6桁の数字を入力してください。"),
                               field="code")
    with transaction.atomic():
        PortalAccount.objects.filter(pk=account.pk).update(totp_confirmed=True)
        record_write(actor=account, action="identity.totp_confirm", target=account)
    account.totp_confirmed = True


def sign_in_with_email(*, email: str, password: str, code: str) -> PortalAccount:
    account = PortalAccount.objects.filter(kind=AccountKind.EMAIL, email=(email or "").strip().lower()).first()
    if (account is None or not check_password(password, account.password) or not account.totp_confirmed
            or not _code_ok(account, code)):
        with transaction.atomic():
            record_refusal(actor=account, action="identity.email_sign_in_refused")
        raise ApplicationError(ErrorCode.REFUSED,
            _("メールアドレス、パスワードまたは確認コードが違います。"), field="email")
    with transaction.atomic():
        _sign_in_event(account, method="email")
    return account
