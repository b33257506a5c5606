"""Where the current request came from, for the audit trail.

``AuditContextMiddleware`` sets it per request (channel: console, api, kiosk,
portal, display; via: the URL name); commands and tasks set it with
``audit_context(channel="system", via="demo_ward")``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django.http.response import HttpResponseBase

    from kuyakusho.core.middleware import GetResponse


@dataclass(frozen=True)
class AuditContext:
    channel: str = "system"
    via: str = ""


_current: ContextVar[AuditContext] = ContextVar(
    "audit_context", default=AuditContext()  # noqa: B039 (frozen, immutable)
)


def current() -> AuditContext:
    return _current.get()


@contextlib.contextmanager
def audit_context(**fields: str) -> Iterator[None]:
    token = _current.set(replace(_current.get(), **fields))
    try:
        yield
    finally:
        _current.reset(token)


CHANNEL_PREFIXES = (
    ("/api/", "api"),
    ("/offices/manage/", "console"),
    ("/console/", "console"),
    ("/kiosk/", "kiosk"),
    ("/display/", "display"),
)


def channel_for_path(path: str) -> str:
    for prefix, channel in CHANNEL_PREFIXES:
        if path.startswith(prefix):
            return channel
    return "portal"


class AuditContextMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with audit_context(channel=channel_for_path(request.path), via=request.path_info[:128]):
            return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: object, view_args: tuple[object, ...],
                     view_kwargs: dict[str, object]) -> None:
        # The URL name is a better "screen" than the path (no identifiers in it).
        match = request.resolver_match
        if match is not None:
            _current.set(replace(_current.get(), via=match.view_name[:128]))
