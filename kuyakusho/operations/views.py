"""``/healthz``, ``/readyz`` and ``/metrics``; the 500 handler that answers 503 when the database is unavailable."""

from __future__ import annotations

import hmac
import ipaddress
import sys

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token

from kuyakusho.core import views as core_views
from kuyakusho.core.access import public

from . import health, metrics, unavailable


@public
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is alive (nothing else is checked)."""
    return JsonResponse({"status": "ok"})


@public
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    checks = health.readiness()
    ready = all(c.ok for c in checks)
    body = {"status": "ready" if ready else "not_ready",
            "checks": {c.name: ("ok" if c.ok else c.detail or "failed") for c in checks}}
    return JsonResponse(body, status=200 if ready else 503)


def metrics_allowed(request: HttpRequest) -> bool:
    """A scraper holding ``METRICS_TOKEN`` (bearer), or a caller from ``METRICS_ALLOWED_NETWORKS``
    (default: this machine only). The proxy does not forward ``/metrics``; the address is ``REMOTE_ADDR``."""
    token = settings.METRICS_TOKEN
    given = request.META.get("HTTP_AUTHORIZATION", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n, strict=False) for n in settings.METRICS_ALLOWED_NETWORKS)


@public
@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text format; 404 to anyone not allowed (as if the route did not exist)."""
    if not metrics_allowed(request):
        return HttpResponse(status=404)
    from prometheus_client import CONTENT_TYPE_LATEST

    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)


@requires_csrf_token
def error_500(request: HttpRequest) -> HttpResponse:
    """Django's 500 handler: a database that could not serve (raised in a middleware, before any view) is a
    503 with ``Retry-After``; anything else is the ward's 500 page."""
    exc = sys.exc_info()[1]
    if exc is not None and unavailable.is_unavailable(exc):
        metrics.UNAVAILABLE.inc()
        return unavailable.response_for(request)
    response: HttpResponse = core_views.error_500(request)  # type: ignore[no-untyped-call]
    return response
