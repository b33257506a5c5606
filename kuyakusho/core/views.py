"""Language switch and error pages (never personal data, never a stack trace)."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token
from django.views.i18n import set_language as django_set_language

from .access import public

set_language = public(django_set_language)


@requires_csrf_token
def error_400(request, exception=None):
    return render(request, "core/http_error.html", {"status": 400}, status=400)


@requires_csrf_token
def error_403(request, exception=None):
    return render(request, "core/http_error.html", {"status": 403}, status=403)


@requires_csrf_token
def error_404(request, exception=None):
    return render(request, "core/http_error.html", {"status": 404}, status=404)


@requires_csrf_token
def error_500(request):
    return render(request, "core/http_error.html", {"status": 500}, status=500)
