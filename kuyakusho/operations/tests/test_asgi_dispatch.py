"""The served application: pages through Django's WSGI handler on a pool of threads (one crossing from the event
loop per request), the async views (the live streams) through its ASGI handler on the event loop."""

from __future__ import annotations

import asyncio

import pytest
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_started

from config import asgi


def test_only_async_views_are_sent_to_the_event_loop():
    assert asgi.is_async_view("/congestion/events")
    assert asgi.is_async_view("/congestion/nerima/events")
    for path in ("/congestion", "/offices/nerima/", "/api/queues/congestion", "/healthz", "/no/such/page", "/"):
        assert not asgi.is_async_view(path), path


def _get(path: str, *, busy: bool = False, headers: list | None = None) -> tuple[int, bytes]:
    async def run() -> tuple[int, bytes]:
        if busy:  # every thread of the process serves someone else
            threads = asgi._threads.setdefault(asyncio.get_running_loop(), asyncio.Semaphore(asgi.THREADS))
            for _ in range(asgi.THREADS):
                await threads.acquire()
        sent: list[dict] = []
        received: list[bool] = []

        async def receive() -> dict:
            if not received:
                received.append(True)
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Event().wait()  # the client stays until the answer is sent
            raise AssertionError

        async def send(message: dict) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
                 "headers": [(b"host", b"127.0.0.1"), *(headers or [])], "scheme": "http", "server": ("127.0.0.1", 80),
                 "client": ("127.0.0.1", 1), "asgi": {"version": "3.0"}, "http_version": "1.1", "root_path": ""}
        await asgi.application(scope, receive, send)
        start = next(m for m in sent if m["type"] == "http.response.start")
        if start["status"] == 503:
            assert {k.lower(): v for k, v in start["headers"]}[b"retry-after"] == b"5"
        return start["status"], b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")

    return asyncio.run(run())


@pytest.mark.django_db(transaction=True)
def test_each_request_reaches_the_handler_its_view_needs():
    handlers: list[type] = []

    def seen(sender: type, **kwargs: object) -> None:
        handlers.append(sender)

    request_started.connect(seen)
    try:
        status, body = _get("/healthz")
        assert status == 200 and body and handlers == [WSGIHandler]
        status, _ = _get("/congestion/no-such-office/events")  # an async view: refused before any stream
        assert status == 404 and handlers == [WSGIHandler, ASGIHandler]
    finally:
        request_started.disconnect(seen)


@pytest.mark.django_db(transaction=True)
def test_a_page_that_finds_no_thread_in_time_is_answered_503_in_the_visitors_language(monkeypatch):
    monkeypatch.setattr(asgi, "QUEUE_TIMEOUT", 0.2)
    status, body = _get("/offices/", busy=True)
    assert status == 503 and "ただいま混み合っています" in body.decode()
    status, body = _get("/offices/", busy=True, headers=[(b"accept-language", b"en")])
    assert status == 503 and b"busy" in body.lower()
    status, body = _get("/api/offices/", busy=True)
    assert status == 503 and b'"service_unavailable"' in body
    assert _get("/offices/")[0] == 200  # with a thread free
