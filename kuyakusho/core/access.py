"""Every route states who may call it.

Views and API operations are wrapped by one of the decorators below, which
both enforce the rule and record it on the function as ``access`` so that a
test can walk all URL patterns and API routes and fail on any route that
declares nothing (``kuyakusho/core/tests/test_routes.py``).

    @public                       anyone, no login (resident site, kiosk shell)
    @staff(Capability.X)          logged-in staff holding capability X
    @api_public / @api_staff(X)   the same for django-ninja operations
    @api_device(kind, ...)        a registered terminal of that kind (bearer token; pass
                                  ``auth=terminal_auth`` to the router decorator)
    @api_resident                 a resident signed in on the resident site (the resident session cookie
                                  of ``identity``; ``core.api.enforce_declared_access`` is told how to find it)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from .actors import ActorKind, caller_kind
from .errors import ApplicationError, ErrorCode

if TYPE_CHECKING:
    from collections.abc import Callable, Collection

    from django.http import HttpRequest

    from .capabilities import Capability


@dataclass(frozen=True)
class Access:
    audience: str  # "public", "staff", "device" or "resident"
    capabilities: tuple[Capability, ...] = ()
    terminal_kinds: tuple[str, ...] = ()
    any_of: bool = False  # one of the capabilities suffices (e.g. statistics: supervisors or policy admins)

    def allows(self, user: Any) -> bool:
        """``user``: the caller, ``request.user`` or ``request.auth`` (a member of staff, a terminal, anonymous)."""
        if self.audience == "public":
            return True
        kind = caller_kind(user)
        if self.audience == "device":
            return kind is ActorKind.TERMINAL and user.kind in self.terminal_kinds
        if self.audience == "resident":
            return kind is ActorKind.RESIDENT
        if kind is not ActorKind.STAFF:
            return False
        check = any if self.any_of else all
        return check(user.has_capability(c) for c in self.capabilities)

    def allows_role(self, role_capabilities: Collection[Capability]) -> bool:
        check = any if self.any_of else all
        return check(c in role_capabilities for c in self.capabilities)


def _declare[F: Callable[..., Any]](func: F, access: Access) -> F:
    func.access = access  # type: ignore[attr-defined]  # the declaration travels on the function itself
    return func


def public[F: Callable[..., Any]](view: F) -> F:
    """A page anyone may open."""
    return _declare(view, Access("public"))


def staff[F: Callable[..., Any]](*capabilities: Capability, any_of: bool = False) -> Callable[[F], F]:
    """A console page: anonymous users go to the login page, others need the capabilities (or one of them)."""
    access = Access("staff", tuple(capabilities), any_of=any_of)

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not access.allows(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return _declare(cast("F", wrapper), access)

    return decorator


def api_public[F: Callable[..., Any]](func: F) -> F:
    return _declare(func, Access("public"))


def api_staff[F: Callable[..., Any]](*capabilities: Capability, any_of: bool = False) -> Callable[[F], F]:
    """A staff API operation (session auth); 401 if anonymous, 403 without the capability."""
    access = Access("staff", tuple(capabilities), any_of=any_of)

    def decorator(func: F) -> F:
        @functools.wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not access.allows(request.user):
                raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("この操作を行う権限がありません。"))
            return func(request, *args, **kwargs)

        return _declare(cast("F", wrapper), access)

    return decorator



def api_device[F: Callable[..., Any]](*terminal_kinds: str) -> Callable[[F], F]:
    """A device API operation: the caller is a registered, active terminal of one of these kinds."""
    access = Access("device", terminal_kinds=tuple(terminal_kinds))

    def decorator(func: F) -> F:
        @functools.wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not access.allows(getattr(request, "auth", None)):
                raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("この端末はこの操作を行えません。"))
            return func(request, *args, **kwargs)

        return _declare(cast("F", wrapper), access)

    return decorator


def api_resident[F: Callable[..., Any]](func: F) -> F:
    """A resident's API operation: the caller (``request.auth``) is a resident's account signed in on the resident
    site; 401 without a live resident session (the session of staff or a terminal's token is not one)."""
    access = Access("resident")

    @functools.wraps(func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not access.allows(getattr(request, "auth", None)):
            raise ApplicationError(ErrorCode.UNAUTHENTICATED, _("ログインが必要です。"))
        return func(request, *args, **kwargs)

    return _declare(cast("F", wrapper), access)
