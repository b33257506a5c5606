"""The ASGI application that uvicorn serves.

Pages and the API run through Django's WSGI handler on a pool of threads (a2wsgi); only the async views (the
live congestion streams, which hold a connection open for minutes) run through Django's ASGI handler on the
event loop. Under the ASGI handler a request to a sync view crosses between the event loop and worker threads
for the middleware chain, for every ``process_view`` and for the view itself; each crossing waits for the loop
and the GIL, which doubled the resident pages' latency under a few dozen users. Through the WSGI handler a page
makes one crossing.

``WEB_THREADS`` (default 10, the database pool's size) caps the pages a process serves at once; more wait for a
thread, at most ``WEB_QUEUE_TIMEOUT`` seconds (default ``DATABASE_POOL_TIMEOUT``, 10), and are then answered 503
with ``Retry-After`` in the visitor's language (``operations.unavailable``), never left waiting without end.
"""

from __future__ import annotations

import asyncio
import functools
import os
import weakref
from typing import Any

from a2wsgi import WSGIMiddleware
from asgiref.sync import iscoroutinefunction
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application
from django.urls import Resolver404, get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
asgi = get_asgi_application()
THREADS = int(os.environ.get("WEB_THREADS", "10"))
QUEUE_TIMEOUT = float(os.environ.get("WEB_QUEUE_TIMEOUT", os.environ.get("DATABASE_POOL_TIMEOUT", "10")))
wsgi = WSGIMiddleware(get_wsgi_application(), workers=THREADS)  # type: ignore[arg-type]
BUSY = "kuyakusho.busy"  # in the scope of a request that found no thread in time
_threads: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


@functools.lru_cache(maxsize=4096)
def is_async_view(path: str) -> bool:
    try:
        match = get_resolver().resolve(path)
    except Resolver404:
        return False
    return iscoroutinefunction(match.func)


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http" or is_async_view(scope["path"]):
        await asgi(scope, receive, send)
        return
    threads = _threads.setdefault(asyncio.get_running_loop(), asyncio.Semaphore(THREADS))
    try:
        await asyncio.wait_for(threads.acquire(), QUEUE_TIMEOUT)
    except TimeoutError:
        # answered by DatabaseUnavailableMiddleware without a database (the middleware runs on asgiref's threads)
        await asgi({**scope, BUSY: True}, receive, send)
        return
    try:
        await wsgi(scope, receive, send)  # type: ignore[arg-type]  # (an HTTP scope: checked above)
    finally:
        threads.release()
