from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import Http404, HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import reverse

from .api_errors import INT_MAX, INT_MIN, error_body, status_error
from .errors import ApplicationError

log = logging.getLogger("kuyakusho.request")

type GetResponse = Callable[[HttpRequest], HttpResponseBase]


class ApplicationErrorMiddleware:
    """A refusal raised by a service inside a page view becomes a page with the translated message."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: object, view_args: tuple[object, ...],
                     view_kwargs: dict[str, object]) -> None:
        """An integer in the URL that no database row can have (beyond 64 bits) is simply not found."""
        for value in (*view_args, *view_kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool) and not INT_MIN <= value <= INT_MAX:
                raise Http404
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        if not isinstance(exception, ApplicationError):
            return None
        response = TemplateResponse(
            request, "core/error.html", {"error": exception}, status=exception.http_status
        )
        return response.render()


class RequestLogMiddleware:
    """One log line per request with the URL *name*, never the path or query (they may hold personal data).

    Uvicorn's own access log is turned off (`--no-access-log`) for the same reason.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        match = request.resolver_match
        log.info(
            "%s %s %s %.1fms",
            request.method,
            match.view_name if match else "-",
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return response


def _is_authenticated(request: HttpRequest) -> bool:
    if getattr(request, "auth", None) is not None or "HTTP_AUTHORIZATION" in request.META:
        return True  # a terminal's bearer token or a staff session checked by the API
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` unless a response is public by its own declaration and nobody signed in.

    Every answer to a signed-in member of staff or a terminal is never stored (a shared computer's cache, a
    proxy); so is every other answer (verification results, certificate PDFs, ticket pages, forms) unless
    its view declared it ``public`` (congestion figures, static files), which then stays cacheable.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        control = response.get("Cache-Control", "")
        if control == "no-store" and not response.has_header("Expires"):
            return response  # already what the rules below would make it (and the user is not read for it)
        public = "public" in control and "no-store" not in control
        if _is_authenticated(request) or not public:
            if "no-store" not in control or _is_authenticated(request):
                response["Cache-Control"] = "no-store"
                if response.has_header("Expires"):
                    del response["Expires"]
        return response


class ApiErrorShapeMiddleware:
    """Refusals under ``/api/`` that did not come from the API's own handlers (an unknown path, a method the
    path does not have, Django's CSRF or size checks, a server error) in the API's error shape."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.prefix: str | None = None

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.status_code < 400 or response.get("Content-Type", "").startswith("application/json"):
            return response
        if self.prefix is None:
            self.prefix = str(reverse("api:api-root"))
        if not request.path.startswith(self.prefix):
            return response
        status = response.status_code
        code, message = status_error(status, csrf=getattr(request, "_csrf_failure", False))
        shaped = JsonResponse(error_body(code, message), status=status, json_dumps_params={"ensure_ascii": False})
        for header in ("Allow", "Retry-After", "Vary", "Content-Language"):
            if response.has_header(header):
                shaped[header] = response[header]
        return shaped
