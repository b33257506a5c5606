"""When the database cannot serve a request, the caller gets a clear 503 with ``Retry-After``, never a 500.

The cases: every thread that serves pages in this process is busy for ``WEB_QUEUE_TIMEOUT`` seconds (the request
is marked by ``config/asgi.py``); every pooled connection of this process is busy for ``DATABASE_POOL_TIMEOUT`` seconds
(``psycopg_pool.PoolTimeout``); the server refuses or loses the connection (restarting, "too many clients",
shutting down); a lock or deadlock that the server broke off; SQLite's write lock held past its timeout.
Anything else (a missing table, a bad query) stays a server error: it is a fault, not congestion.

:class:`DatabaseUnavailableMiddleware` answers for exceptions raised by views; :func:`response_for` is also
used by the 500 handler (``config/urls.py``), which Django calls for exceptions raised in middleware (the
session or the user read before any view). The page is rendered without the database and without the
request's context processors (the user is not read again), in the page's language.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from psycopg_pool import PoolTimeout

from . import metrics

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpRequest

log = logging.getLogger("kuyakusho.operations")

RETRY_AFTER = 5  # seconds
# SQLSTATEs that mean "the server cannot serve now", not "the request is wrong":
# class 08 connection exceptions, 53300 too_many_connections, 57P01–57P03 shutdown / cannot connect now,
# 40P01 deadlock_detected, 55P03 lock_not_available, 57014 query_canceled (statement timeout).
_BUSY_STATES = ("08", "53300", "57P01", "57P02", "57P03", "40P01", "55P03", "57014")
CODE = "service_unavailable"


def is_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) says the database cannot serve now."""
    if not isinstance(exc, (OperationalError, InterfaceError)):
        return False
    cause = exc.__cause__ or exc
    if isinstance(cause, PoolTimeout):
        return True
    state = getattr(cause, "sqlstate", None)
    if isinstance(state, str):
        return state.startswith(_BUSY_STATES)
    if isinstance(exc, InterfaceError):
        return True  # the connection is closed or broken
    message = str(cause).lower()
    if "database is locked" in message:  # SQLite's write lock
        return True
    # psycopg's connection failures carry no SQLSTATE (refused, reset, server closed the connection)
    return cause.__class__.__module__.startswith("psycopg") and "connection" in message


def message() -> str:
    return _("ただいま混み合っています。しばらくしてからもう一度お試しください。")


def response_for(request: HttpRequest) -> HttpResponse:
    """The 503 answer: the API's error shape under ``/api/``, a page elsewhere."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"code": CODE, "message": message(), "field": None}, status=503,
                                              json_dumps_params={"ensure_ascii": False})
    else:
        html = render_to_string("operations/unavailable.html", {"message": message(), "retry_after": RETRY_AFTER,
                                                                 "LANGUAGE_CODE": getattr(request, "LANGUAGE_CODE",
                                                                                          "ja")})
        response = HttpResponse(html, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A view that could not reach the database answers 503 (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if getattr(request, "scope", {}).get("kuyakusho.busy"):  # no thread was free in time (config/asgi.py)
            log.warning("no thread free in time")
            metrics.UNAVAILABLE.inc()
            return response_for(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_unavailable(exception):
            return None
        log.warning("database unavailable: %s", exception.__class__.__name__)

        metrics.UNAVAILABLE.inc()
        return response_for(request)
