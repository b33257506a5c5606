"""Live pushes: the in-process broadcaster, the SSE view under ASGI, and LISTEN/NOTIFY between processes."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from kuyakusho.queues import services
from kuyakusho.queues.live.broadcaster import SUMMARY, Broadcaster, office_topic
from kuyakusho.queues.live.publish import notify_now

pytestmark = pytest.mark.django_db(transaction=True)


def payload_data(chunk: bytes) -> dict:
    return json.loads(chunk.split(b"data: ", 1)[1])


def test_one_change_reaches_every_viewer_once_built(open_now):
    async def scenario():
        b = Broadcaster(asyncio.get_running_loop(), listen=False)
        try:
            viewers = [b.subscribe([SUMMARY], "ja") for _ in range(500)]
            display = b.subscribe([office_topic("nerima")], "ja")
            first = await b.initial(viewers[0])
            assert len(first) == 6 and all(payload_data(p)["waiting"] == 0 for p in first)
            assert await b.initial(viewers[1]) == first  # cached, not rebuilt
            await sync_to_async(services.issue_ticket)(actor=None, office=open_now.offices["nerima"],
                                                       service=open_now.services["todoke"])
            b.changed("nerima")
            await asyncio.wait_for(asyncio.gather(*(v.event.wait() for v in viewers)), 5)
            got = [v.drain() for v in viewers]
            assert all(len(g) == 1 and payload_data(g[0])["waiting"] == 1 for g in got)
            await asyncio.wait_for(display.event.wait(), 5)
            detail = payload_data(display.drain()[0])
            assert detail["services"][0]["queue"] == ["A-001"]
            # The same state again is not pushed again.
            b.changed("nerima")
            await asyncio.sleep(0.3)
            assert not any(v.event.is_set() for v in viewers)
        finally:
            b.close()

    asyncio.run(scenario())


def test_sse_view_streams_the_current_state_then_changes(open_now):
    from config.asgi import application

    async def scenario():
        sent: list[bytes] = []
        got_initial, disconnect = asyncio.Event(), asyncio.Event()
        requested = []

        async def receive():
            if not requested:  # the (empty) request body first, then wait for the client to leave
                requested.append(True)
                return {"type": "http.request", "body": b"", "more_body": False}
            await disconnect.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            if message["type"] == "http.response.start":
                headers = {k.lower(): v for k, v in message["headers"]}
                assert message["status"] == 200 and headers[b"content-type"].startswith(b"text/event-stream")
            elif message.get("body"):
                sent.append(message["body"])
                if sum(b"event: office" in c for c in sent) >= 6:
                    got_initial.set()
                if sum(b"event: office" in c for c in sent) >= 7:
                    disconnect.set()

        scope = {"type": "http", "method": "GET", "path": "/congestion/events", "raw_path": b"/congestion/events",
                 "query_string": b"", "headers": [(b"host", b"127.0.0.1")], "scheme": "http",
                 "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1), "asgi": {"version": "3.0"},
                 "http_version": "1.1", "root_path": ""}
        app = asyncio.create_task(application(scope, receive, send))
        await asyncio.wait_for(got_initial.wait(), 10)
        await sync_to_async(services.issue_ticket)(actor=None, office=open_now.offices["seki"],
                                                   service=open_now.services["shomei"])
        await asyncio.wait_for(disconnect.wait(), 10)
        await asyncio.wait_for(app, 10)
        from kuyakusho.queues.live import registry

        for b in registry.all_broadcasters():
            b.close()
        last = payload_data([c for c in sent if b"event: office" in c][-1])
        assert last["office"] == "seki" and last["waiting"] == 1

    asyncio.run(scenario())


@pytest.mark.postgres
def test_notify_from_one_process_reaches_viewers_of_another(open_now):
    """Two broadcasters with their own event loops and their own LISTEN connections (as in two uvicorn
    workers); neither is registered in this process, so only PostgreSQL NOTIFY can reach them."""
    if connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY needs PostgreSQL")
    results: dict[int, dict] = {}
    ready = [threading.Event(), threading.Event()]

    def worker(i: int):
        async def run():
            b = Broadcaster(asyncio.get_running_loop(), listen=True)
            sub = b.subscribe([SUMMARY], "ja")
            await b.initial(sub)
            await asyncio.get_running_loop().run_in_executor(None, b.watching.wait, 10)
            ready[i].set()
            try:
                await asyncio.wait_for(sub.event.wait(), 10)
                results[i] = payload_data(sub.drain()[0])
            finally:
                b.close()

        asyncio.run(run())

    threads = [threading.Thread(target=worker, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    assert all(r.wait(15) for r in ready)
    services.issue_ticket(actor=None, office=open_now.offices["oizumi"], service=open_now.services["inkan"])
    for t in threads:
        t.join(20)
    assert results[0]["office"] == results[1]["office"] == "oizumi"
    assert results[0]["waiting"] == results[1]["waiting"] == 1


def test_notify_now_outside_a_loop_is_harmless(open_now):
    notify_now("nerima")  # no broadcaster in this thread: nothing to wake, no error
