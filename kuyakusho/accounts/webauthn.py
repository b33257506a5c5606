"""Passkeys (WebAuthn) as a second factor, through django-otp-webauthn.

The library's four JSON endpoints are declared here with the console's access rules (a logged-in member of
staff; registering a new passkey needs a session already verified by a second factor, which the library
checks) and record what they change in the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import views as library

from kuyakusho.audit.models import Kind
from kuyakusho.audit.services import append, record_write
from kuyakusho.core.access import public, staff
from kuyakusho.core.ward import ward

from .actors import as_staff
from .capabilities import Capability


def relying_party_id(request: HttpRequest) -> str:
    """The host the console is served from (already checked against ALLOWED_HOSTS), without its port."""
    domain, _port = split_domain_port(request.get_host())
    return domain


def relying_party_name(request: HttpRequest) -> str:
    return f"{ward().name_en} Kuyakusho"


class _Registered(library.CompleteCredentialRegistrationView):  # type: ignore[misc]  # the library is untyped
    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().post(*args, **kwargs)
        if response.status_code == 200:
            member = as_staff(self.request.user)
            record_write(actor=member, action="staff.second_factor.add", target=member,
                         detail={"method": "webauthn"})
        return response


class _Verified(library.CompleteCredentialAuthenticationView):  # type: ignore[misc]  # the library is untyped
    def complete_auth(self, device: Any) -> None:
        super().complete_auth(device)
        append(actor=device.user, kind=Kind.AUTH, action="login.succeeded", target=device.user,
               detail={"method": "webauthn"})


def _second_factor_step[F: Callable[..., Any]](view: F) -> F:
    """A view that a member of staff may open between the password and the second factor."""
    view.second_factor_step = True  # type: ignore[attr-defined]  # read by SecondFactorMiddleware
    return view


_console = staff(Capability.USE_CONSOLE)

begin_registration = _console(library.BeginCredentialRegistrationView.as_view())
complete_registration = _console(_Registered.as_view())
begin_authentication = _second_factor_step(_console(library.BeginCredentialAuthenticationView.as_view()))
complete_authentication = _second_factor_step(_console(_Verified.as_view()))
# The library's script messages (its own catalogue, with the Japanese of this app's djangojs catalogue).
javascript_catalog = _second_factor_step(public(JavaScriptCatalog.as_view(
    packages=["django_otp_webauthn", "kuyakusho.accounts"])))
