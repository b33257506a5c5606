"""One shape for every refusal in the API, and an OpenAPI description that says which refusals each operation has.

Every 4xx/5xx answer under ``/api/`` is ``{"code": …, "message": …, "field": … | null}`` (validation errors add
``"errors": [{"field", "message"}, …]``; a few refusals add details such as ``next_opens_at``):
application errors, validation errors (messages translated, never pydantic's English), unparsable bodies,
CSRF failures, unknown paths (404), wrong methods (405), server errors (500).

Integers in requests are bounded to what the databases store (64-bit): the schema states it and
:func:`out_of_range` refuses a larger value (404 for an id in the path, 422 elsewhere) before any query runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Schema
from pydantic import BaseModel

from .errors import ErrorCode

INT_MIN = -(2**63)
INT_MAX = 2**63 - 1


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


class FieldErrorOut(Schema):
    field: str
    message: str


class ValidationErrorOut(ErrorOut):
    errors: list[FieldErrorOut] = []


def error_body(code: str, message: Any, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"code": str(code), "message": str(message), "field": field, **extra}


def error_response(code: ErrorCode, message: Any, status: int, field: str | None = None) -> JsonResponse:
    return JsonResponse(error_body(code, message, field), status=status, json_dumps_params={"ensure_ascii": False})


def csrf_message() -> str:
    return _("送信の確認（CSRF）ができませんでした。ページを読み込み直してから、もう一度お試しください。")


def rate_limited_message() -> str:
    return _("短時間に多くのリクエストがありました。しばらくしてからもう一度お試しください。")


def not_found_message() -> str:
    return _("お探しの情報は見つかりません。")


def status_error(status: int, *, csrf: bool = False) -> tuple[ErrorCode, str]:
    """The code and message for a refusal known only by its HTTP status (Django's own answers)."""
    if status == 401:
        return ErrorCode.UNAUTHENTICATED, _("ログインが必要です。")
    if status == 403:
        if csrf:
            return ErrorCode.CSRF_FAILED, csrf_message()
        return ErrorCode.PERMISSION_DENIED, _("この操作を行う権限がありません。")
    if status == 404:
        return ErrorCode.NOT_FOUND, not_found_message()
    if status == 405:
        return ErrorCode.METHOD_NOT_ALLOWED, _("このURLではこの操作（HTTPメソッド）は使えません。")
    if status == 429:
        return ErrorCode.RATE_LIMITED, rate_limited_message()
    if status >= 500:
        return ErrorCode.SERVER_ERROR, _("システムエラーが発生しました。しばらくしてからもう一度お試しください。")
    return ErrorCode.INVALID_INPUT, _("リクエストに誤りがあります。")


# --- validation messages -----------------------------------------------------------------------------

_MESSAGES = {
    "missing": gettext_lazy("入力してください。"),
    "int_parsing": gettext_lazy("整数で入力してください。"),
    "int_type": gettext_lazy("整数で入力してください。"),
    "int_from_float": gettext_lazy("整数で入力してください。"),
    "float_parsing": gettext_lazy("数値で入力してください。"),
    "float_type": gettext_lazy("数値で入力してください。"),
    "finite_number": gettext_lazy("数値で入力してください。"),
    "decimal_parsing": gettext_lazy("数値で入力してください。"),
    "decimal_type": gettext_lazy("数値で入力してください。"),
    "decimal_max_digits": gettext_lazy("数値の桁数が多すぎます。"),
    "decimal_max_places": gettext_lazy("数値の桁数が多すぎます。"),
    "decimal_whole_digits": gettext_lazy("数値の桁数が多すぎます。"),
    "bool_parsing": gettext_lazy("true か false で入力してください。"),
    "bool_type": gettext_lazy("true か false で入力してください。"),
    "string_type": gettext_lazy("文字列で入力してください。"),
    "string_too_long": gettext_lazy("%(max_length)s文字以内で入力してください。"),
    "string_too_short": gettext_lazy("%(min_length)s文字以上で入力してください。"),
    "string_pattern_mismatch": gettext_lazy("形式が正しくありません。"),
    "greater_than_equal": gettext_lazy("%(ge)s以上の値を入力してください。"),
    "greater_than": gettext_lazy("%(gt)sより大きい値を入力してください。"),
    "less_than_equal": gettext_lazy("%(le)s以下の値を入力してください。"),
    "less_than": gettext_lazy("%(lt)sより小さい値を入力してください。"),
    "literal_error": gettext_lazy("次のいずれかを指定してください: %(expected)s"),
    "enum": gettext_lazy("次のいずれかを指定してください: %(expected)s"),
    "date_parsing": gettext_lazy("日付の形式が正しくありません。"),
    "date_from_datetime_parsing": gettext_lazy("日付の形式が正しくありません。"),
    "date_from_datetime_inexact": gettext_lazy("日付の形式が正しくありません。"),
    "date_type": gettext_lazy("日付の形式が正しくありません。"),
    "datetime_parsing": gettext_lazy("日時の形式が正しくありません。"),
    "datetime_from_date_parsing": gettext_lazy("日時の形式が正しくありません。"),
    "datetime_type": gettext_lazy("日時の形式が正しくありません。"),
    "list_type": gettext_lazy("一覧（配列）で入力してください。"),
    "too_long": gettext_lazy("項目が多すぎます（%(max_length)s個まで）。"),
    "too_short": gettext_lazy("項目が足りません（%(min_length)s個以上）。"),
    "dict_type": gettext_lazy("項目の形式が正しくありません。"),
    "model_type": gettext_lazy("項目の形式が正しくありません。"),
    "model_attributes_type": gettext_lazy("項目の形式が正しくありません。"),
    "extra_forbidden": gettext_lazy("この項目は指定できません。"),
    "json_invalid": gettext_lazy("JSONとして読み取れません。"),
    "uuid_parsing": gettext_lazy("形式が正しくありません。"),
}
_GENERIC = gettext_lazy("入力内容に誤りがあります。")


def validation_message(error: dict[str, Any]) -> str:
    """A translated message for one pydantic error (our own validators' messages are already translated)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "value_error" and ctx.get("error"):
        return str(ctx["error"])  # the message our validator raised, without pydantic's "Value error, "
    if ctx.get("message"):
        return str(ctx["message"])  # core.schemas' typed refusals (e.g. an unprintable character, named)
    template = _MESSAGES.get(kind)
    if template is None:
        return str(_GENERIC)
    try:
        return str(template) % {k: v for k, v in ctx.items()}
    except (KeyError, TypeError, ValueError):
        return str(_GENERIC)


def validation_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    fields = [{"field": e.get("field") or ".".join(str(p) for p in e.get("loc", ())[1:]),
               "message": validation_message(e)} for e in errors]
    first = fields[0]["field"] if fields else None
    return error_body(ErrorCode.INVALID_INPUT, _GENERIC, first or None, errors=fields)


# --- integers the databases can store ------------------------------------------------------------------

def out_of_range(value: Any, name: str) -> str | None:
    """The dotted name of the first integer in ``value`` beyond 64 bits, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return name if not INT_MIN <= value <= INT_MAX else None
    if isinstance(value, BaseModel):
        items = ((k, getattr(value, k, None)) for k in type(value).model_fields)
    elif isinstance(value, dict):
        items = ((str(k), v) for k, v in value.items())
    elif isinstance(value, list | tuple | set | frozenset):
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        return None
    for key, item in items:
        found = out_of_range(item, f"{name}.{key}" if name else key)
        if found:
            return found
    return None


def out_of_range_message() -> str:
    return _("値が大きすぎます（%(min)s〜%(max)sの整数で指定してください）。") % {"min": INT_MIN, "max": INT_MAX}


# --- the OpenAPI description ---------------------------------------------------------------------------

_DESCRIPTIONS = {
    400: "入力・手続きの誤り / Refused: invalid input, unparsable body or a rule of the procedure",
    401: "認証が必要 / Not authenticated (console session or terminal token)",
    403: "権限・CSRF / Not allowed for this user or terminal, or the CSRF check failed",
    404: "見つからない / Not found",
    409: "競合（他の更新・重複）/ Conflict: changed meanwhile or a duplicate",
    422: "入力値の検証エラー / Validation failed (field-by-field messages)",
    423: "ロック中 / Locked (too many failed PIN attempts)",
    429: "回数制限 / Too many requests from this client",
}


DECIMAL_STRING = r"^[+-]?[0-9]{1,15}(\.[0-9]{1,15})?$"


def _bound_numbers(node: Any) -> None:
    """Integers within 64 bits; a decimal given as a string (pydantic says only "string") as a decimal numeral;
    an uploaded file is not empty (Django drops an empty upload, which is then missing)."""
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "binary":
            node.setdefault("minLength", 1)
        if node.get("type") == "integer":
            node.setdefault("format", "int64")
            node.setdefault("minimum", INT_MIN)
            node.setdefault("maximum", INT_MAX)
        branches = node.get("anyOf")
        if isinstance(branches, list) and {"type": "number"} in branches and {"type": "string"} in branches:
            node["anyOf"] = [b if b != {"type": "string"} else {"type": "string", "pattern": DECIMAL_STRING}
                             for b in branches]
        for value in node.values():
            _bound_numbers(value)
    elif isinstance(node, list):
        for value in node:
            _bound_numbers(value)


def document_errors[S: dict[str, Any]](schema: S, statuses_for: Callable[[str, dict[str, Any]], Iterable[int]]) -> S:
    """Add the error schemas and, to every operation, the refusals it can answer with (``statuses_for(op)``)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ErrorOut.model_json_schema()
    validation = ValidationErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in validation.pop("$defs", {}).items():
        components[name] = definition
    components["ValidationError"] = validation
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            # ninja keys declared responses by int (a `codes_4xx` response declares 400…499): one key per status.
            responses = {str(k): v for k, v in operation["responses"].items()}
            operation["responses"] = responses
            for status in statuses_for(method.upper(), operation):
                if str(status) in responses:
                    continue
                ref = "ValidationError" if status == 422 else "Error"
                responses[str(status)] = {
                    "description": _DESCRIPTIONS[status],
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
                }
    _bound_numbers(schema.get("paths", {}))
    _bound_numbers(components)
    return schema
