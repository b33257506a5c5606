"""Throttling failed staff logins (django-axes), counted by the client address of ``core.net.client_address``.

Each entry of ``AXES_LOCKOUT_PARAMETERS`` (username and address together, the address alone, the username
alone) has its own limit in ``LOGIN_FAILURE_LIMITS``; a login is refused while the failures of the last
``AXES_COOLOFF_TIME`` reach any of them. Unknown usernames count like known ones, and a refused login gets
the same message as a wrong password, so the throttle tells nobody whether an account exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from kuyakusho.core.net import client_address

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.core.checks import CheckMessage
    from django.http import HttpRequest


class LoginThrottle(AxesDatabaseHandler):  # type: ignore[misc]  # django-axes ships no type information
    """django-axes' database handler with one limit per lockout parameter (``LOGIN_FAILURE_LIMITS``)."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """1 when the failures counted by any lockout parameter reach that parameter's limit, else 0
        (``AXES_FAILURE_LIMIT`` is 1)."""
        groups = self.get_user_attempts(request, credentials)
        limits = settings.LOGIN_FAILURE_LIMITS
        return int(any((attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0) >= limit
                       for attempts, limit in zip(groups, limits, strict=True)))

    def user_logged_in(self, sender: object, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any) -> None:
        """A right password forgets that username's failures from that address, and nothing else: a member of
        staff cannot wipe the failures an address or a username gathered elsewhere by logging in."""
        super().user_logged_in(sender, request, user, **kwargs)
        AccessAttempt.objects.filter(username=user.get_username(),
                                     ip_address=getattr(request, "axes_ip_address", None)).delete()


def forget_failures(*, username: str) -> int:
    """An administrator lifts the throttle on one username (every address); returns the addresses cleared."""
    _total, per_model = AccessAttempt.objects.filter(username=username).delete()
    cleared: int = per_model.get(AccessAttempt._meta.label, 0)
    return cleared


def throttled_usernames(usernames: Iterable[str]) -> set[str]:
    """The usernames whose recent failures reach a limit that names them (from one address, or in all)."""
    since = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)
    pair_limit, _, name_limit = settings.LOGIN_FAILURE_LIMITS
    rows = (AccessAttempt.objects.filter(username__in=list(usernames), attempt_time__gte=since)
            .values_list("username", "ip_address").annotate(n=Sum("failures_since_start")))
    totals: dict[str, int] = {}
    throttled: set[str] = set()
    for username, _ip, n in rows:
        totals[username] = totals.get(username, 0) + n
        if n >= pair_limit or totals[username] >= name_limit:
            throttled.add(username)
    return throttled




def check_limits(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    """System check: one limit per lockout parameter, and the handler that reads them."""
    from django.core.checks import Error

    errors: list[CheckMessage] = []
    if len(settings.LOGIN_FAILURE_LIMITS) != len(settings.AXES_LOCKOUT_PARAMETERS):
        errors.append(Error("LOGIN_FAILURE_LIMITS needs one limit per entry of AXES_LOCKOUT_PARAMETERS",
                            id="accounts.E001"))
    if settings.AXES_HANDLER != f"{__name__}.LoginThrottle" or settings.AXES_FAILURE_LIMIT != 1:
        errors.append(Error(f"AXES_HANDLER must be {__name__}.LoginThrottle with AXES_FAILURE_LIMIT = 1 "
                            "(the limits are LOGIN_FAILURE_LIMITS)", id="accounts.E002"))
    return errors


def client_ip(request: HttpRequest) -> str | None:
    """The address django-axes records (``AXES_CLIENT_IP_CALLABLE``): the one client address of
    ``core.net.client_address``, or None where the server gave none (axes stores an IP address column)."""
    address = client_address(request)
    return None if address == "unknown" else address
