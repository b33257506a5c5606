"""Language switch and error pages (never personal data, never a stack trace)."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token
from django.views.i18n import set_language as django_set_language

from .access import public
from .api_errors import csrf_message, error_response
from .errors import ErrorCode

set_language = public(django_set_language)

# Posted fields never written back into a page: secrets, and the token that failed.
NOT_KEPT = re.compile(r"password|passwd|pin|otp|totp|secret|token|csrf|recovery", re.IGNORECASE)
# Django's reasons for which the request's Origin was checked and found to be ours.
_TOKEN_REASONS = ("CSRF cookie", "CSRF token")


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(str(reverse("api:api-root")))


@requires_csrf_token
def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/http_error.html", {"status": 400}, status=400)


@requires_csrf_token
def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/http_error.html", {"status": 403}, status=403)


@requires_csrf_token
def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/http_error.html", {"status": 404}, status=404)


@requires_csrf_token
def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "core/http_error.html", {"status": 500}, status=500)


def kept_values(request: HttpRequest, reason: str) -> list[tuple[str, str]]:
    """What was typed into the refused form, when the refusal is an expired token on a form of ours.

    Only when the browser said the form came from this site (``Origin``, which Django verified before it
    looked at the token): a form posted from another site is never written back into a page of ours.
    """
    origin = request.META.get("HTTP_ORIGIN")
    if not origin or not reason.startswith(_TOKEN_REASONS):
        return []
    if not url_has_allowed_host_and_scheme(origin + "/", allowed_hosts={request.get_host()}):
        return []
    return [(name, value) for name in request.POST for value in request.POST.getlist(name)
            if not NOT_KEPT.search(name) and len(value) <= 2000][:200]


@requires_csrf_token
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The ward's page for a refused form (CSRF_FAILURE_VIEW): bilingual, with the way back; never acts."""
    request._csrf_failure = True  # type: ignore[attr-defined]  # read by ApiErrorShapeMiddleware
    if _is_api(request):
        return error_response(ErrorCode.CSRF_FAILED, csrf_message(), 403)
    home = reverse("console:dashboard") if request.path.startswith("/console/") else reverse("portal:home")
    referer = request.META.get("HTTP_REFERER", "")
    back = referer if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()) else request.path
    values = kept_values(request, reason)
    kept = {"path": request.path, "values": values} if values else None
    return render(request, "core/csrf_failure.html", {"back": back, "home": home, "kept": kept}, status=403)
