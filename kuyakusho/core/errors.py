"""Typed domain errors.

Every refusal in a service raises :class:`ApplicationError` with an
:class:`ErrorCode`, a message already marked for translation (Japanese
msgid, English in the ``en`` catalogue), and optionally the field at fault.
One handler (``kuyakusho.core.api`` and ``kuyakusho.core.views``) turns it into
an HTTP answer: 400/403/404/409 with the translated message.
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


HTTP_STATUS = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.CONFLICT: 409,
    ErrorCode.DUPLICATE: 409,
    ErrorCode.LOCKED: 423,
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
