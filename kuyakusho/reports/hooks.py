"""How the resident site reaches this area, which sits below it (``kuyakusho.core.layers``): who is signed in,
where to sign in, and how a notice reaches a resident's inbox. The portal registers the three in its
``AppConfig.ready()`` (``kuyakusho.portal.reports``); this area imports neither ``identity`` nor ``portal``.

Until they are registered (an installation without the resident site) resident pages answer 404 and notices go
nowhere.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from kuyakusho.core.access import Access
from kuyakusho.core.actors import Principal


class ResidentAccount(Principal, Protocol):
    """A resident's account on the resident site (card or e-mail): an actor (``kuyakusho.core.actors``) with its
    id, its kind (resident) and its label in the audit trail."""


Resolver = Callable[[HttpRequest], ResidentAccount | None]
SignInUrl = Callable[[HttpRequest], str]
Delivery = Callable[[Sequence[int], str, str], None]

_hooks: dict[str, Any] = {}


def register(*, resolver: Resolver, sign_in_url: SignInUrl, deliver: Delivery) -> None:
    _hooks.update(resolver=resolver, sign_in_url=sign_in_url, deliver=deliver)


def current_account(request: HttpRequest) -> ResidentAccount | None:
    """The resident signed in on this request, or None."""
    resolver: Resolver | None = _hooks.get("resolver")
    return resolver(request) if resolver is not None else None


def deliver(account_ids: Sequence[int], title: str, body: str) -> None:
    """One notice to each account (My page's inbox, and e-mail where she gave an address)."""
    delivery: Delivery | None = _hooks.get("deliver")
    if delivery is not None and account_ids:
        delivery(account_ids, title, body)


def resident(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page for a signed-in resident: others go to the sign-in page. The account is ``request.resident_account``."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "resolver" not in _hooks:
            raise Http404
        account = current_account(request)
        if account is None:
            sign_in: SignInUrl = _hooks["sign_in_url"]
            return redirect(sign_in(request))
        request.resident_account = account  # type: ignore[attr-defined]
        response = view(request, *args, **kwargs)
        response.headers["Cache-Control"] = "no-store"
        return response

    wrapper.access = Access("resident")  # type: ignore[attr-defined]
    return wrapper
