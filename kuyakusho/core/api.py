"""The JSON API: one NinjaAPI, a router per app, one handler for refusals."""

from __future__ import annotations

from django.conf import settings
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.csp import csp_override
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import django_auth

from .errors import ApplicationError

api = NinjaAPI(
    title="Kuyakusho API",
    version="1",
    description="区役所の業務API / Ward office API. Staff routes use the console session (CSRF token required).",
    urls_namespace="api",
    docs_url="/docs",
    # Swagger UI styles its elements inline; the rest of the policy stays as strict as everywhere.
    docs_decorator=csp_override({**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]}),
    auth=django_auth,
)


@api.exception_handler(ApplicationError)
def application_error(request, exc: ApplicationError):
    return api.create_response(request, exc.as_dict(), status=exc.http_status)


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return api.create_response(
        request, {"code": "unauthenticated", "message": _("ログインが必要です。")}, status=401
    )


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    fields = [
        {"field": ".".join(str(p) for p in e.get("loc", ())[1:]), "message": e.get("msg", "")}
        for e in exc.errors
    ]
    return api.create_response(
        request,
        {"code": "invalid_input", "message": _("入力内容に誤りがあります。"), "errors": fields},
        status=422,
    )


def register_routers() -> None:
    """Import each app's router (kept here so that config/urls.py stays small)."""
    from kuyakusho.accounts.api import router as accounts_router
    from kuyakusho.audit.api import router as audit_router
    from kuyakusho.certificates.api import router as certificates_router
    from kuyakusho.offices.api import router as offices_router
    from kuyakusho.queues.api import router as queues_router
    from kuyakusho.residents.api import router as residents_router

    api.add_router("/accounts", accounts_router)
    api.add_router("/audit", audit_router)
    api.add_router("/residents", residents_router)
    api.add_router("/certificates", certificates_router)
    api.add_router("/offices", offices_router)
    api.add_router("/queues", queues_router)


register_routers()
