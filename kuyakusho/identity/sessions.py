"""Residents' sessions, kept apart from the staff's.

Staff sign in through Django's auth and session framework (cookie ``sessionid``, eight hours). Residents are
not users of that framework: a resident's session is a ``ResidentSession`` row, found by the SHA-256 of a
random 256-bit token that lives only in the browser's ``settings.RESIDENT_SESSION_COOKIE_NAME`` cookie
(HttpOnly, SameSite=Lax, Secure under HTTPS). It ends after ``RESIDENT_SESSION_IDLE`` seconds without a
request, after ``RESIDENT_SESSION_AGE`` seconds in any case, and at sign-out. So a staff cookie opens no
resident page (the decorator below reads only the resident cookie) and a resident cookie opens no console page
(Django's auth never reads it). Sensitive steps ask for the card again when the last card sign-in is older
than ``RESIDENT_REAUTH_AGE`` (``needs_card``).

The API reads the same cookie: an operation declared ``@api_resident`` (``core.access``) is authenticated by
:class:`ResidentSessionAuth` (``config/api.py`` hands :func:`declared_resident_access` to
``core.api.enforce_declared_access``); its writes need Django's CSRF token, as the resident site's forms do.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from ninja.security import APIKeyCookie

from kuyakusho.core.access import Access

from .models import PortalAccount, ResidentSession

#: Update ``last_seen_at`` at most this often (a write per page view is not needed to keep the idle clock).
TOUCH_EVERY = timedelta(seconds=30)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def begin(response, *, account: PortalAccount, card: bool) -> ResidentSession:
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    session = ResidentSession.objects.create(
        key_hash=_hash(token), account=account, created_at=now, last_seen_at=now,
        expires_at=now + timedelta(seconds=settings.RESIDENT_SESSION_AGE), card_verified_at=now if card else None)
    _set_cookie(response, token)
    return session


def _set_cookie(response, token: str) -> None:
    response.set_cookie(settings.RESIDENT_SESSION_COOKIE_NAME, token, max_age=settings.RESIDENT_SESSION_AGE,
                        httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE, path="/")


def current(request) -> ResidentSession | None:
    """The request's live resident session (idle and absolute limits applied), or None."""
    if hasattr(request, "_resident_session"):
        return request._resident_session
    found = None
    token = request.COOKIES.get(settings.RESIDENT_SESSION_COOKIE_NAME)
    if token:
        now = timezone.now()
        s = (ResidentSession.objects.select_related("account", "account__link")
             .filter(key_hash=_hash(token), ended_at__isnull=True).first())
        if s and s.expires_at > now and now - s.last_seen_at <= timedelta(seconds=settings.RESIDENT_SESSION_IDLE):
            if now - s.last_seen_at >= TOUCH_EVERY:
                ResidentSession.objects.filter(pk=s.pk).update(last_seen_at=now)
                s.last_seen_at = now
            found = s
        elif s:
            ResidentSession.objects.filter(pk=s.pk).update(ended_at=now)
    request._resident_session = found
    return found


def end(request, response) -> None:
    s = current(request)
    if s is not None:
        ResidentSession.objects.filter(pk=s.pk).update(ended_at=timezone.now())
    response.delete_cookie(settings.RESIDENT_SESSION_COOKIE_NAME, path="/", samesite="Lax")


def card_verified(session: ResidentSession) -> None:
    now = timezone.now()
    ResidentSession.objects.filter(pk=session.pk).update(card_verified_at=now, last_seen_at=now)
    session.card_verified_at = now


def needs_card(session: ResidentSession) -> bool:
    return (session.card_verified_at is None
            or timezone.now() - session.card_verified_at > timedelta(seconds=settings.RESIDENT_REAUTH_AGE))


class ResidentRequest(HttpRequest):
    """The request of a page declared ``@resident``: ``resident_session`` is the resident's session."""

    resident_session: ResidentSession


def resident(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A page for a signed-in resident (or card-less account): others go to the sign-in page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        session = current(request)
        if session is None:
            to_sign_in = redirect(reverse("identity:sign_in") + "?" + urlencode({"next": request.get_full_path()}))
            if request.COOKIES.get(settings.RESIDENT_SESSION_COOKIE_NAME):
                to_sign_in.delete_cookie(settings.RESIDENT_SESSION_COOKIE_NAME, path="/", samesite="Lax")
            return to_sign_in
        request.resident_session = session  # type: ignore[attr-defined]  # what ResidentRequest declares
        response = view(request, *args, **kwargs)
        response.headers["Cache-Control"] = "no-store"
        return response

    wrapper.access = Access("resident")  # type: ignore[attr-defined]
    return wrapper


class ResidentSessionAuth(APIKeyCookie):
    """The resident session cookie for API operations declared ``@api_resident``: ``request.auth`` becomes the
    session's ``PortalAccount``; no live session, no access (401). Writes need the CSRF token."""

    param_name = settings.RESIDENT_SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> PortalAccount | None:
        session = current(request) if key else None
        return session.account if session is not None else None


def declared_resident_access(access: Access) -> ResidentSessionAuth:
    """The check ``core.api.enforce_declared_access`` runs before an ``@api_resident`` operation parses input."""
    if access.audience != "resident":
        raise ValueError(f"not a resident operation: {access}")
    return ResidentSessionAuth()
