"""Server-sent events (async views under ASGI): ``/congestion/events`` (every office, counts and waits)
and ``/congestion/<office>/events`` (one office: called numbers and queues)."""

from __future__ import annotations

import asyncio

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import translation

from kuyakusho.core.access import public
from kuyakusho.core.errors import ApplicationError, ErrorCode

from .. import selectors
from .broadcaster import SUMMARY, get_broadcaster, office_topic

KEEPALIVE = 20.0  # seconds between comments that keep proxies from closing an idle stream


def _stream(request: HttpRequest, topics: list[str]) -> HttpResponse | StreamingHttpResponse:
    if "wsgi.version" in request.META:
        # A WSGI server (runserver, the test live server) would hold a thread per viewer forever:
        # 204 tells EventSource not to reconnect, and the page falls back to polling.
        return HttpResponse(status=204)
    language = translation.get_language() or "ja"
    broadcaster = get_broadcaster()
    sub = broadcaster.subscribe(topics, language)

    async def events():
        try:
            yield b"retry: 3000\n\n"
            for payload in await broadcaster.initial(sub):
                yield payload
            while True:
                try:
                    await asyncio.wait_for(sub.event.wait(), KEEPALIVE)
                except TimeoutError:
                    yield b": keepalive\n\n"
                    continue
                for payload in sub.drain():
                    yield payload
        finally:
            broadcaster.unsubscribe(sub)

    response = StreamingHttpResponse(events(), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-transform"
    response["X-Accel-Buffering"] = "no"
    return response


@public
async def congestion_events(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    return _stream(request, [SUMMARY])


@public
async def office_events(request: HttpRequest, office: str) -> HttpResponse | StreamingHttpResponse:
    exists = await sync_to_async(selectors.takes_tickets)(office)
    if not exists:
        raise ApplicationError(ErrorCode.NOT_FOUND, translation.gettext("事務所が見つかりません。"))
    return _stream(request, [office_topic(office)])
