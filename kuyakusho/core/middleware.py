from __future__ import annotations

import logging
import time

from django.template.response import TemplateResponse

from .errors import ApplicationError

log = logging.getLogger("kuyakusho.request")


class ApplicationErrorMiddleware:
    """A refusal raised by a service inside a page view becomes a page with the translated message."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
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

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
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
