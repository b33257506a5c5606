"""Staff who need a second factor reach nothing but the second-factor pages until it is verified."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django_otp.middleware import is_verified

from .actors import as_staff
from .second_factor import has_second_factor, requires_second_factor

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django.http.response import HttpResponseBase

    from kuyakusho.core.access import Access
    from kuyakusho.core.middleware import GetResponse


def _access(view_func: object) -> Access | None:
    access: Access | None = (getattr(view_func, "access", None)
                             or getattr(getattr(view_func, "view_class", None), "access", None))
    return access


class SecondFactorMiddleware:
    """After ``django_otp.middleware.OTPMiddleware``: a session signed in with the password only, for a role that
    needs a second factor,

    - on a console page (a view declared with ``access.staff``) is sent to enrol a factor, or to enter a code;
    - on anything else but the second-factor pages themselves (the API, the resident site) is anonymous, so a staff
      API operation answers 401 and nothing is done on that member's behalf.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: object, view_args: tuple[object, ...],
                     view_kwargs: dict[str, object]) -> HttpResponseBase | None:
        user = as_staff(request.user)
        if user is None or not requires_second_factor(user) or is_verified(user):
            return None
        if getattr(view_func, "second_factor_step", False):
            return None
        access = _access(view_func)
        if access is not None and access.audience == "staff":
            target = "accounts:second_factor" if has_second_factor(user) else "accounts:enrol"
            response = redirect(target)
            response["Location"] += "?" + urlencode({"next": request.get_full_path()})
            return response
        request.user = AnonymousUser()
        request.auser = _anonymous
        return None


async def _anonymous() -> AnonymousUser:
    return AnonymousUser()
