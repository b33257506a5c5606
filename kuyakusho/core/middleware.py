from __future__ import annotations

from django.template.response import TemplateResponse

from .errors import ApplicationError


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
