"""The JSON API: one NinjaAPI, a router per app, one handler for refusals."""

from __future__ import annotations

import functools
import json
import re
from typing import TYPE_CHECKING, Any, NoReturn, cast

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.csp import csp_override
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError, ValidationErrorContext
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.parser import Parser
from ninja.security import SessionAuth, django_auth
from pydantic import BaseModel

from .api_docs import ApiDocs
from .api_errors import (
    document_errors,
    error_body,
    not_found_message,
    out_of_range,
    out_of_range_message,
    status_error,
    validation_body,
)
from .errors import ApplicationError, ErrorCode

if TYPE_CHECKING:
    from collections.abc import Callable, Collection

    from .access import Access


class StrictJsonParser(Parser):
    """JSON bodies as the standard says: no ``NaN``/``Infinity`` literals (Python's json accepts them)."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        def refuse(constant: str) -> NoReturn:
            raise ValueError(f"not JSON: {constant}")

        body: dict[str, Any] = json.loads(request.body, parse_constant=refuse)
        return body


class KuyakushoAPI(NinjaAPI):
    """The ward's API: validation errors in the shared error shape, refusals documented per operation."""

    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext[Any]]
    ) -> ValidationError:
        errors: list[dict[str, Any]] = []
        for context in error_contexts:
            model = context.model
            single = getattr(model, "__read_from_single_attr__", None)
            for e in context.pydantic_validation_error.errors(include_url=False):
                loc = model.__ninja_flatten_map_reverse__.get(e["loc"], e["loc"])
                if single and loc and loc[0] == single:
                    loc = loc[1:]  # the body's fields, not the view's parameter name
                errors.append({"type": e.get("type"), "ctx": e.get("ctx") or {},
                               "field": ".".join(str(p) for p in loc)})
        return ValidationError(errors)

    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        operations = {self.get_openapi_operation_id(op) if not op.operation_id else op.operation_id: op
                      for _prefix, router in self._routers
                      for path_view in router.path_operations.values() for op in path_view.operations}
        return document_errors(schema, lambda method, o: _documented_statuses(
            method, o, operations.get(str(o.get("operationId")))))


def _documented_statuses(method: str, operation: dict[str, Any], op: Operation | None) -> list[int]:
    access = getattr(getattr(op, "view_func", None), "access", None)
    statuses = [400, 404]
    if access is not None and access.audience in ("staff", "device"):
        statuses += [401, 403]
    if access is not None and access.audience == "resident":
        statuses.append(401)
        if method not in ("GET", "HEAD", "OPTIONS"):
            statuses.append(403)  # a write without the CSRF token (the session is a cookie)
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.append(422)
    if method not in ("GET", "HEAD", "OPTIONS"):
        statuses.append(409)
    if access is not None and access.audience == "device":
        statuses.append(423)
    statuses += list(getattr(getattr(op, "view_func", None), "extra_statuses", ()))
    return sorted(set(statuses))


# Swagger UI styles its elements inline; the rest of the policy stays as strict as everywhere.
_DOCS_CSP = cast("dict[str, Collection[str] | str]",
                 {**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]})

api = KuyakushoAPI(
    title="Kuyakusho API",
    version="1",
    description="区役所の業務API / Ward office API. Staff routes use the console session (CSRF token required).",
    urls_namespace="api",
    docs_url="/docs",
    docs=ApiDocs(),
    docs_decorator=csp_override(_DOCS_CSP),
    auth=django_auth,
    parser=StrictJsonParser(),
)


def _json(request: HttpRequest, body: dict[str, Any], status: int) -> HttpResponse:
    return api.create_response(request, body, status=status)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return _json(request, error_body(exc.code, exc.message, exc.field, **exc.extra), exc.http_status)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _json(request, error_body(ErrorCode.UNAUTHENTICATED, _("ログインが必要です。")), 401)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _json(request, validation_body(exc.errors), 422)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _json(request, error_body(ErrorCode.NOT_FOUND, not_found_message()), 404)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    status = exc.status_code
    if status == 400:
        body = error_body(ErrorCode.UNPARSABLE, _("リクエストの本文を読み取れません。JSONの形式を確認してください。"))
    else:
        body = error_body(*status_error(status, csrf=status == 403 and "csrf" in str(exc).lower()))
    return _json(request, body, status)


def _path_names(path: str) -> set[str]:
    return {m.split(":")[-1] for m in re.findall(r"{([^}]+)}", path)}


def _bounded(view: Callable[..., Any], path_names: set[str]) -> Callable[..., Any]:
    """The view, refusing integers beyond the databases' 64 bits (an id in the path is simply not found)."""

    @functools.wraps(view)
    def run(request: HttpRequest, **values: Any) -> Any:
        for name, value in values.items():
            # A schema's fields are the request's own (a body, or query parameters gathered in a schema).
            field = out_of_range(value, "" if isinstance(value, BaseModel) else name)
            if field:
                if name in path_names:
                    raise ApplicationError(ErrorCode.NOT_FOUND, not_found_message(), field=name)
                raise ApplicationError(ErrorCode.OUT_OF_RANGE, out_of_range_message(), field=field)
        return view(request, **values)

    return run


class _DeclaredStaffAccess(SessionAuth):
    """The console session, then the operation's declared capabilities — checked before the body is parsed."""

    def __init__(self, access: Access) -> None:
        super().__init__()
        self.access = access

    def __call__(self, request: HttpRequest) -> Any:
        user = super().__call__(request)
        if user and not self.access.allows(user):
            raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("この操作を行う権限がありません。"))
        return user


def enforce_declared_access(*, device_auth: Callable[[Access], object],
                            resident_auth: Callable[[Access], object]) -> None:
    """Authenticate every operation of ``api`` as its ``kuyakusho.core.access`` declaration says, before parsing
    input. ``device_auth(access)`` makes the bearer-token check for terminals (``accounts.terminals``),
    ``resident_auth(access)`` the resident session's check (``identity.sessions``): core knows no app;
    ``config/api.py`` wires them.

    (The decorators check again inside the view; this makes refusals 401/403 rather than 422.)
    """
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                if not getattr(op, "_bounded", False):
                    op.view_func = _bounded(op.view_func, _path_names(path))
                    op._bounded = True  # type: ignore[attr-defined]  # marks an operation wrapped once
                access = getattr(op.view_func, "access", None)
                if access is None:
                    continue  # the routes test reports it
                auth: Callable[..., Any] | None
                if access.audience == "public":
                    auth = None
                elif access.audience == "device":
                    auth = cast("Callable[..., Any]", device_auth(access))
                elif access.audience == "resident":
                    auth = cast("Callable[..., Any]", resident_auth(access))
                else:
                    auth = _DeclaredStaffAccess(access)
                op.auth_param = auth
                op.auth_callbacks = [auth] if auth else []
