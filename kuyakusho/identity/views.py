"""Sign-in pages, the OpenID Connect callback and card-less accounts."""

from __future__ import annotations

import base64
import io

import segno
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from kuyakusho.core.access import public
from kuyakusho.core.errors import ApplicationError
from kuyakusho.identity.sessions import ResidentRequest

from . import client, services, sessions
from .client import STATE_COOKIE, ProviderDown
from .models import AccountKind, PortalAccount, Purpose, ResidentSession
from .sessions import resident


def _next(request, default: str = "") -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return nxt
    return default or reverse("portal:mypage")


@public
def sign_in(request: HttpRequest) -> HttpResponse:
    return render(request, "identity/sign_in.html", {"next": _next(request), "card_available":
                  bool(settings.IDENTITY_ISSUER or settings.IDENTITY_SANDBOX)})


def _to_provider(request: HttpRequest, *, purpose: str, session: ResidentSession | None = None, next_url: str = "",
                 document: str = "") -> HttpResponse:
    try:
        url, state = client.start(request, purpose=purpose, session=session, next_url=next_url, document=document)
    except ApplicationError as e:
        return render(request, "identity/failed.html", {"message": e.message}, status=503)
    response = HttpResponseRedirect(url)
    response.set_cookie(STATE_COOKIE, state, max_age=int(client.ATTEMPT_LIFETIME.total_seconds()), httponly=True,
                        samesite="Lax", secure=settings.SESSION_COOKIE_SECURE, path="/identity/")
    return response


@public
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    return _to_provider(request, purpose=Purpose.SIGN_IN, next_url=_next(request))


@resident
@require_POST
def start_link(request: ResidentRequest) -> HttpResponse:
    return _to_provider(request, purpose=Purpose.LINK, session=request.resident_session, next_url=_next(request))


@resident
@require_POST
def start_reauth(request: ResidentRequest) -> HttpResponse:
    return _to_provider(request, purpose=Purpose.REAUTH, session=request.resident_session, next_url=_next(request))


def sign_with_card(request: ResidentRequest, *, document: str, next_url: str) -> HttpResponse:
    """Send the signed-in resident to the identity provider to sign ``document`` with her card's signing
    certificate (for a resident page's POST); she comes back to ``next_url``."""
    return _to_provider(request, purpose=Purpose.SIGN, session=request.resident_session, next_url=next_url,
                        document=document)


@public
def callback(request: HttpRequest) -> HttpResponse:
    try:
        signed = client.finish(request, request.GET, cookie_state=request.COOKIES.get(STATE_COOKIE, ""))
        account = services.handle(signed, sessions.current(request))
    except ProviderDown as e:
        response = render(request, "identity/failed.html", {"message": e.message, "down": True}, status=503)
    except services.LinkRefused as e:
        response = render(request, "identity/failed.html", {"message": e.message, "link": True}, status=409)
    except ApplicationError as e:
        response = render(request, "identity/failed.html", {"message": e.message}, status=400)
    else:
        target = signed.attempt.next_url or reverse("portal:mypage")
        if account is not None and not services.is_linked(account):
            target = reverse("identity:link")
        response = redirect(target)
        if account is not None:
            old = sessions.current(request)
            if old is not None:
                sessions.end(request, response)
            sessions.begin(response, account=account, card=True)
    response.delete_cookie(STATE_COOKIE, path="/identity/", samesite="Lax")
    return response


@resident
def link(request: ResidentRequest) -> HttpResponse:
    return render(request, "identity/link.html", {"linked": services.is_linked(request.resident_session.account),
                                                  "card": request.resident_session.account.kind == AccountKind.CARD})


@resident
def reauth(request: ResidentRequest) -> HttpResponse:
    return render(request, "identity/reauth.html", {"next": _next(request)})


@public
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    response = redirect("portal:home")
    sessions.end(request, response)
    return response


# --- without a card ----------------------------------------------------------------------------------------

PENDING_COOKIE = "kuyakusho_pending_account"


@public
def register(request: HttpRequest) -> HttpResponse:
    form = {"email": request.POST.get("email", "")}
    if request.method == "POST":
        try:
            account = services.register_email(email=request.POST.get("email", ""),
                                              password=request.POST.get("password", ""))
        except ApplicationError as e:
            return render(request, "identity/register.html", {"form": form, "error": e}, status=400)
        response = redirect("identity:register_totp")
        response.set_signed_cookie(PENDING_COOKIE, str(account.pk), salt="identity.pending", max_age=900,
                                   httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        return response
    return render(request, "identity/register.html", {"form": form})


def _pending(request) -> PortalAccount | None:
    pk = request.get_signed_cookie(PENDING_COOKIE, default=None, salt="identity.pending", max_age=900)
    return PortalAccount.objects.filter(pk=pk, kind=AccountKind.EMAIL, totp_confirmed=False).first() if pk else None


@public
def register_totp(request: HttpRequest) -> HttpResponse:
    account = _pending(request)
    if account is None:
        return redirect("identity:register")
    error = None
    if request.method == "POST":
        try:
            services.confirm_totp(account=account, code=request.POST.get("code", ""))
        except ApplicationError as e:
            error = e
        else:
            response = redirect("portal:mypage")
            response.delete_cookie(PENDING_COOKIE)
            sessions.begin(response, account=account, card=False)
            return response
    uri = services.totp_uri(account)
    buf = io.BytesIO()
    segno.make(uri, error="m").save(buf, kind="png", scale=4)
    qr = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    return render(request, "identity/register_totp.html", {"qr": qr, "secret": services.totp_secret(account),
                                                           "error": error}, status=400 if error else 200)


@public
def email_sign_in(request: HttpRequest) -> HttpResponse:
    form = {"email": request.POST.get("email", "")}
    if request.method == "POST":
        try:
            account = services.sign_in_with_email(email=request.POST.get("email", ""),
                                                  password=request.POST.get("password", ""),
                                                  code=request.POST.get("code", ""))
        except ApplicationError as e:
            return render(request, "identity/email_sign_in.html", {"form": form, "error": e, "next": _next(request)},
                          status=400)
        response = redirect(_next(request))
        sessions.end(request, response)
        sessions.begin(response, account=account, card=False)
        return response
    return render(request, "identity/email_sign_in.html", {"form": form, "next": _next(request)})
