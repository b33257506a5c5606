"""Terminal registration and bearer-token authentication for devices."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from kuyakusho.audit.services import record_write
from kuyakusho.core.actors import Actor
from kuyakusho.core.errors import ApplicationError, ErrorCode

from .models import Terminal

if TYPE_CHECKING:
    from django.http import HttpRequest

    from kuyakusho.core.access import Access


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def register_terminal(*, actor: Actor, code: str, kind: str, name: str,
                      office: Model | None = None) -> tuple[Terminal, str]:
    """Create a terminal; returns it with its token (shown once, never stored). ``office``: the
    ``offices.Office`` it stands in (typed as a model: accounts sits below offices)."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        terminal = Terminal.objects.create(code=code, kind=kind, name=name,
                                           office_id=office.pk if office is not None else None,
                                           token_sha256=_digest(token))
        record_write(actor=actor, action="terminal.register", target=terminal,
                     changes={"code": [None, code], "kind": [None, kind]})
    return terminal, token


def terminal_for_token(token: str) -> Terminal | None:
    if not token or len(token) > 200:
        return None
    return Terminal.objects.select_related("office").filter(token_sha256=_digest(token), active=True).first()


class TerminalAuth(HttpBearer):
    """``Authorization: Bearer <token>`` for device routes."""

    def authenticate(self, request: HttpRequest, token: str) -> Terminal | None:
        return terminal_for_token(token)


terminal_auth = TerminalAuth()


def declared_device_access(access: Access) -> TerminalAuth:
    """The bearer-token check for an API operation declared ``@api_device(kind, …)``: a registered terminal of
    one of those kinds, refused (403) before the body is parsed (``core.api.enforce_declared_access``)."""

    class DeclaredDeviceAccess(TerminalAuth):
        def authenticate(self, request: HttpRequest, token: str) -> Terminal | None:
            terminal = super().authenticate(request, token)
            if terminal is not None and not access.allows(terminal):
                raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("この端末はこの操作を行えません。"))
            return terminal

    return DeclaredDeviceAccess()
