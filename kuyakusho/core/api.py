"""The JSON API: one NinjaAPI, a router per app, one handler for refusals."""

from __future__ import annotations

from django.conf import settings
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.csp import csp_override
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import SessionAuth, django_auth

from .errors import ApplicationError, ErrorCode

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


class _DeclaredStaffAccess(SessionAuth):
    """The console session, then the operation's declared capabilities — checked before the body is parsed."""

    def __init__(self, access):
        super().__init__()
        self.access = access

    def __call__(self, request):
        user = super().__call__(request)
        if user and not self.access.allows(user):
            raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("この操作を行う権限がありません。"))
        return user


def _declared_device_access(access):
    from kuyakusho.accounts.terminals import TerminalAuth

    class DeclaredDeviceAccess(TerminalAuth):
        def authenticate(self, request, token):
            terminal = super().authenticate(request, token)
            if terminal is not None and not access.allows(terminal):
                raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("この端末はこの操作を行えません。"))
            return terminal

    return DeclaredDeviceAccess()


def enforce_declared_access() -> None:
    """Authenticate every operation as its ``kuyakusho.core.access`` declaration says, before parsing input.

    (The decorators check again inside the view; this makes refusals 401/403 rather than 422.)
    """
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for op in path_view.operations:
                access = getattr(op.view_func, "access", None)
                if access is None:
                    continue  # the routes test reports it
                if access.audience == "public":
                    auth = None
                elif access.audience == "device":
                    auth = _declared_device_access(access)
                else:
                    auth = _DeclaredStaffAccess(access)
                op.auth_param = auth
                op.auth_callbacks = [auth] if auth else []


def register_routers() -> None:
    """Import each app's router (kept here so that config/urls.py stays small)."""
    from kuyakusho.accounts.api import router as accounts_router
    from kuyakusho.audit.api import router as audit_router
    from kuyakusho.certificates.api import router as certificates_router
    from kuyakusho.offices.api import router as offices_router
    from kuyakusho.queues.api import router as queues_router
    from kuyakusho.residents.api import router as residents_router
    from kuyakusho.seals.api import router as seals_router

    api.add_router("/accounts", accounts_router)
    api.add_router("/audit", audit_router)
    api.add_router("/residents", residents_router)
    api.add_router("/seals", seals_router)
    api.add_router("/certificates", certificates_router)
    api.add_router("/offices", offices_router)
    api.add_router("/queues", queues_router)
    api.add_router("/payments", "kuyakusho.payments.api.router")
    enforce_declared_access()


register_routers()
