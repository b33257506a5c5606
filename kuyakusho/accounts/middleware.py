"""Staff who need a second factor reach nothing but the second-factor pages until it is verified."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect

from .second_factor import has_second_factor, requires_second_factor


def _access(view_func):
    return getattr(view_func, "access", None) or getattr(getattr(view_func, "view_class", None), "access", None)


class SecondFactorMiddleware:
    """After ``django_otp.middleware.OTPMiddleware``: a session signed in with the password only, for a role that
    needs a second factor,

    - on a console page (a view declared with ``access.staff``) is sent to enrol a factor, or to enter a code;
    - on anything else but the second-factor pages themselves (the API, the resident site) is anonymous, so a staff
      API operation answers 401 and nothing is done on that member's behalf.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not requires_second_factor(user) or user.is_verified():
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


async def _anonymous():
    return AnonymousUser()
