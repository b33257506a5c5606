"""Structured logs: one JSON object per line, each with the id of the request it belongs to.

``RequestIdMiddleware`` takes the proxy's ``X-Request-ID`` when it is a plain token (letters, digits, ``-``,
at most 64) or makes one, answers it in the response's ``X-Request-ID`` and keeps it in a context variable
that :class:`RequestIdFilter` copies onto every log record of the request. :class:`JsonFormatter` writes the
time, level, logger, message and request id; for an exception only its type and the code locations (file,
line, function), never its message or values (a database error's message can quote a row). Paths were
already replaced by URL names (``kuyakusho.core.logs.UrlNameOnly``). ``LOG_FORMAT=json`` turns it on.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse

REQUEST_ID: ContextVar[str] = ContextVar("kuyakusho_request_id", default="-")
_TOKEN = re.compile(r"[A-Za-z0-9-]{1,64}")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = given if _TOKEN.fullmatch(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            REQUEST_ID.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", REQUEST_ID.get()),
            "process": record.process,
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
            entry["stack"] = [f"{f.filename}:{f.lineno} {f.name}"
                              for f in traceback.extract_tb(record.exc_info[2])][-12:]
        return json.dumps(entry, ensure_ascii=False)
