"""Passkeys (WebAuthn) as a second factor, through django-otp-webauthn.

The library's four JSON endpoints are declared here with the console's access rules (a logged-in member of
staff; registering a new passkey needs a session already verified by a second factor, which the library
checks) and record what they change in the audit trail.
"""

from __future__ import annotations

from django.http.request import split_domain_port
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import views as library

from kuyakusho.audit.models import Kind
from kuyakusho.audit.services import append, record_write
from kuyakusho.core.access import public, staff
from kuyakusho.core.ward import ward

from .capabilities import Capability


def relying_party_id(request) -> str:
    """The host the console is served from (already checked against ALLOWED_HOSTS), without its port."""
    domain, _port = split_domain_port(request.get_host())
    return domain


def relying_party_name(request) -> str:
    return f"{ward().name_en} Kuyakusho"


class _Registered(library.CompleteCredentialRegistrationView):
    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        if response.status_code == 200:
            record_write(actor=self.request.user, action="staff.second_factor.add", target=self.request.user,
                         detail={"method": "webauthn"})
        return response


class _Verified(library.CompleteCredentialAuthenticationView):
    def complete_auth(self, device):
        super().complete_auth(device)
        append(actor=device.user, kind=Kind.AUTH, action="login.succeeded", target=device.user,
               detail={"method": "webauthn"})


def _second_factor_step(view):
    """A view that a member of staff may open between the password and the second factor."""
    view.second_factor_step = True
    return view


_console = staff(Capability.USE_CONSOLE)

begin_registration = _console(library.BeginCredentialRegistrationView.as_view())
complete_registration = _console(_Registered.as_view())
begin_authentication = _second_factor_step(_console(library.BeginCredentialAuthenticationView.as_view()))
complete_authentication = _second_factor_step(_console(_Verified.as_view()))
# The library's script messages (its own catalogue, with the Japanese of this app's djangojs catalogue).
javascript_catalog = _second_factor_step(public(JavaScriptCatalog.as_view(
    packages=["django_otp_webauthn", "kuyakusho.accounts"])))
