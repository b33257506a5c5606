"""Log lines carry the URL *name* of a request, never its path (paths hold resident ids and names).

Django's own loggers put the path in their messages: ``django.request`` ("Forbidden: /api/residents/1"),
``django.security.*`` ("Forbidden (CSRF cookie not set.): /console/…"), ``django.server`` (the request
line). :class:`UrlNameOnly` rewrites those records before any handler sees them: the path becomes
``<url name>`` (``<-> `` when no route matches), and a query string is dropped with it. It is attached to
those loggers and to the console handler (see ``LOGGING`` in ``config/settings.py``); uvicorn's access log
is off and its error log prints no paths.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest
from django.urls import Resolver404, resolve

SCRUBBED_LOGGERS = ("django.request", "django.security", "django.server", "uvicorn.error")


def url_name(path: str, request: object = None) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(path.split("?", 1)[0])
        except (Resolver404, ValueError, TypeError):
            return "<->"
    return f"<{match.view_name or '-'}>"


def _escaped(text: str) -> str:
    return text.encode("unicode_escape").decode("ascii")


class UrlNameOnly(logging.Filter):
    """Replace request paths in Django's and the servers' log records by the URL name (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(SCRUBBED_LOGGERS) or getattr(record, "_url_name_only", False):
            return True
        record._url_name_only = True
        request = getattr(record, "request", None)
        paths: list[str] = []
        path = getattr(request, "path", None)
        if isinstance(path, str) and path:
            full = request.get_full_path() if isinstance(request, HttpRequest) else path
            paths = sorted({full, _escaped(full), path, _escaped(path)}, key=len, reverse=True)
            name = url_name(path, request)
        else:
            name = ""
        args = record.args if isinstance(record.args, tuple) else ()
        if record.name == "django.server" and args and isinstance(args[0], str):
            # The request line: "GET /console/residents/12/?q=… HTTP/1.1"
            parts = args[0].split(" ")
            if len(parts) >= 2:
                parts[1] = url_name(parts[1])
                args = (" ".join(parts), *args[1:])
        if paths:
            args = tuple(self._scrub(a, paths, name) for a in args)
            if isinstance(record.msg, str):
                record.msg = self._scrub(record.msg, paths, name)
        record.args = args if args else record.args
        return True

    @staticmethod
    def _scrub(value: object, paths: list[str], name: str) -> object:
        if not isinstance(value, str):
            return value
        if value in paths:
            return name
        for p in paths:
            if len(p) > 1 and p in value:
                value = value.replace(p, name)
        return value
