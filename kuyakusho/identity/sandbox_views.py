"""The sandbox identity provider's endpoints (demo ward only: 404 unless ``settings.IDENTITY_SANDBOX``)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from authlib.oauth2 import OAuth2Error
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from kuyakusho.certificates.models import CardKind, Channel
from kuyakusho.certificates.services.cards import authenticate_card
from kuyakusho.core.access import public
from kuyakusho.core.errors import ApplicationError, ErrorCode

from . import keys
from .sandbox import discovery, issuer_for, server_for
from .selectors import my_number_card

#: The channel the card service counts wrong PINs under (its own lock, as each self-service channel has): the
#: online channel of the certificates' policy, whose requests are signed through this provider.
PIN_CHANNEL = Channel.ONLINE


def sandbox_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not settings.IDENTITY_SANDBOX:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@public
@require_GET
@sandbox_only
def configuration(request: HttpRequest) -> HttpResponse:
    return JsonResponse(discovery(issuer_for(request)))


@public
@require_GET
@sandbox_only
def jwks(request: HttpRequest) -> HttpResponse:
    return JsonResponse(keys.public_jwks(keys.sandbox_key()))


@public
@csrf_exempt  # called by the client's server with a signed client assertion, not by a browser
@require_POST
@sandbox_only
def token(request: HttpRequest) -> HttpResponse:
    response = server_for(request).create_token_response(request)
    response["Cache-Control"] = "no-store"
    return response


@public
@sandbox_only
def authorize(request: HttpRequest) -> HttpResponse:
    server = server_for(request)
    try:
        grant = server.get_consent_grant(request, end_user=None)
    except OAuth2Error as e:
        return render(request, "identity/sandbox_error.html", {"error": e.error, "description": e.description},
                      status=400)
    context = {"signing": "sign" in (grant.request.payload.scope or "").split(),
               "card_number": request.POST.get("card", "")}
    if request.method == "POST":
        if request.POST.get("cancel"):
            return server.create_authorization_response(request, grant_user=None, grant=grant)
        card = my_number_card(request.POST.get("card", ""))
        try:
            if card is None:
                raise ApplicationError(ErrorCode.REFUSED,
                    _("カードを確認できませんでした。カード番号をお確かめください。"))
            authenticate_card(kind=CardKind.MY_NUMBER_CARD, number=card.number, pin=request.POST.get("pin", ""),
                              channel=PIN_CHANNEL, terminal="identity-sandbox")
        except ApplicationError as e:
            context["error"] = e.message
            return render(request, "identity/sandbox_authorize.html", context, status=400)
        return server.create_authorization_response(request, grant_user=card, grant=grant)
    return render(request, "identity/sandbox_authorize.html", context)
