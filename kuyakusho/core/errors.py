"""Typed domain errors.

Every refusal in a service raises :class:`ApplicationError` with an
:class:`ErrorCode`, a message already marked for translation (Japanese
msgid, English in the ``en`` catalogue), and optionally the field at fault.
One handler (``kuyakusho.core.api`` and ``kuyakusho.core.views``) turns it into
an HTTP answer: 400/403/404/409/422/423/429 with the translated message; in the API always the shape
``{"code", "message", "field"}`` (``kuyakusho.core.api_errors``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    INVALID_INPUT = "invalid_input"
    INVALID_DATE = "invalid_date"
    INVALID_CHECK_DIGIT = "invalid_check_digit"
    TOO_LONG = "too_long"
    CONTROL_CHARACTER = "control_character"
    UNPRINTABLE_CHARACTER = "unprintable_character"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    CONFLICT = "conflict"
    DUPLICATE = "duplicate"
    REFUSED = "refused"
    CLOSED = "closed"
    LOCKED = "locked"
    OUT_OF_RANGE = "out_of_range"
    UNAUTHENTICATED = "unauthenticated"
    CSRF_FAILED = "csrf_failed"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    UNPARSABLE = "unparsable"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"


HTTP_STATUS = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.CONFLICT: 409,
    ErrorCode.DUPLICATE: 409,
    ErrorCode.LOCKED: 423,
    ErrorCode.OUT_OF_RANGE: 422,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.CSRF_FAILED: 403,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.SERVER_ERROR: 500,
}


class ApplicationError(Exception):
    """A refusal the user can understand. ``message`` is a (lazy) translated string."""

    def __init__(
        self,
        code: ErrorCode,
        message: Any,
        *,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.extra = extra or {}

    @property
    def http_status(self) -> int:
        return HTTP_STATUS.get(self.code, 400)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": str(self.code), "message": str(self.message)}
        if self.field:
            data["field"] = self.field
        if self.extra:
            data.update(self.extra)
        return data
