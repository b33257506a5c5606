"""The ASGI application that uvicorn serves.

Pages and the API run through Django's WSGI handler on a pool of threads (a2wsgi); only the async views (the
live congestion streams, which hold a connection open for minutes) run through Django's ASGI handler on the
event loop. Under the ASGI handler a request to a sync view crosses between the event loop and worker threads
for the middleware chain, for every ``process_view`` and for the view itself; each crossing waits for the loop
and the GIL, which doubled the resident pages' latency under a few dozen users. Through the WSGI handler a page
makes one crossing. ``WEB_THREADS`` (default 10, the database pool's size) caps the pages served at once by a
process; more wait for a thread.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from a2wsgi import WSGIMiddleware
from asgiref.sync import iscoroutinefunction
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application
from django.urls import Resolver404, get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
asgi = get_asgi_application()
wsgi = WSGIMiddleware(get_wsgi_application(), workers=int(os.environ.get("WEB_THREADS", "10")))  # type: ignore[arg-type]


@functools.lru_cache(maxsize=4096)
def is_async_view(path: str) -> bool:
    try:
        match = get_resolver().resolve(path)
    except Resolver404:
        return False
    return iscoroutinefunction(match.func)


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http" and not is_async_view(scope["path"]):
        await wsgi(scope, receive, send)
    else:
        await asgi(scope, receive, send)
