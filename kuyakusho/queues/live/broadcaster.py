"""One broadcaster per process (per event loop): a change is turned into a payload once and pushed to
every connected viewer.

* ``changed(office)`` marks an office dirty (thread-safe variant for sync code after commit);
* a single task rebuilds the snapshot of each dirty office once per language in use (one set of
  queries, not one per viewer) and hands the same bytes to every subscriber of that office's topics;
* a watcher notices changes made by other processes: PostgreSQL ``LISTEN`` (psycopg async
  connection), or on SQLite one cheap query a second; every minute all watched offices are
  refreshed anyway (openings and closings happen without a ticket changing).

Topics: ``summary`` (every office, counts and waits: the congestion page) and ``office:<code>``
(one office with its called numbers and queues: the lobby display and the ticket holder's page).
A subscriber keeps only the newest payload per office, so a slow viewer never piles up memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone, translation

from ..models import Ticket
from ..snapshot import snapshots
from . import registry
from .publish import CHANNEL

log = logging.getLogger("kuyakusho.queues.live")
SUMMARY = "summary"
DEBOUNCE = 0.02  # seconds: changes arriving together are pushed together
REFRESH_EVERY = 60.0
POLL_EVERY = 1.0
OVERLAP = timedelta(seconds=5)


def office_topic(code: str) -> str:
    return f"office:{code}"


@dataclass(eq=False)
class Subscriber:
    topics: frozenset[str]
    language: str
    pending: dict[str, bytes] = field(default_factory=dict)
    event: asyncio.Event = field(default_factory=asyncio.Event)

    def push(self, key: str, payload: bytes) -> None:
        self.pending[key] = payload
        self.event.set()

    def drain(self) -> list[bytes]:
        self.event.clear()
        out, self.pending = list(self.pending.values()), {}
        return out


def _event(kind: str, data: dict) -> bytes:
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n".encode()


def _build(codes: list[str] | None, detail: bool, language: str) -> list[dict]:
    try:
        with translation.override(language):
            return snapshots(codes, detail=detail)
    finally:
        close_old_connections()  # worker threads follow CONN_MAX_AGE like request threads


class Broadcaster:
    def __init__(self, loop: asyncio.AbstractEventLoop, *, listen: bool | None = None) -> None:
        self.loop = loop
        self.subscribers: dict[str, set[Subscriber]] = {}
        self.dirty: set[str] = set()
        self.wake = asyncio.Event()
        self.cache: dict[tuple[str, str], dict[str, bytes]] = {}  # (kind, language) → {office: payload}
        self.complete: set[tuple[str, str]] = set()  # summary caches that hold every office
        self.changes_seen = 0
        self.listen = connection.vendor == "postgresql" if listen is None else listen
        self.watching = threading.Event()  # set once LISTEN is active (or the poll has begun)
        self.tasks = [loop.create_task(self._run(), name="queues-broadcast"),
                      loop.create_task(self._watch(), name="queues-watch")]

    # --- subscribers --------------------------------------------------------------------------------

    def subscribe(self, topics: list[str], language: str) -> Subscriber:
        sub = Subscriber(frozenset(topics), language)
        for t in sub.topics:
            self.subscribers.setdefault(t, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        for t in sub.topics:
            subs = self.subscribers.get(t)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self.subscribers[t]

    def viewer_count(self) -> int:
        return len({s for subs in self.subscribers.values() for s in subs})

    async def initial(self, sub: Subscriber) -> list[bytes]:
        """The current payloads for a new subscriber (built at most once per change, then cached)."""
        out: list[bytes] = []
        for topic in sorted(sub.topics):
            kind = "summary" if topic == SUMMARY else "detail"
            codes = None if topic == SUMMARY else [topic.split(":", 1)[1]]
            bucket = self.cache.setdefault((kind, sub.language), {})
            if codes is None and (kind, sub.language) in self.complete:
                out += bucket.values()
                continue
            if codes is not None and codes[0] in bucket:
                out.append(bucket[codes[0]])
                continue
            for snap in await sync_to_async(_build, thread_sensitive=False)(codes, kind == "detail", sub.language):
                bucket[snap["office"]] = _event("office", snap)
                out.append(bucket[snap["office"]])
            if codes is None:
                self.complete.add((kind, sub.language))
        return out

    # --- changes ------------------------------------------------------------------------------------

    def changed(self, office_code: str) -> None:
        self.dirty.add(office_code)
        self.wake.set()

    def changed_threadsafe(self, office_code: str) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed
            self.loop.call_soon_threadsafe(self.changed, office_code)

    async def _run(self) -> None:
        while True:
            await self.wake.wait()
            await asyncio.sleep(DEBOUNCE)
            self.wake.clear()
            codes, self.dirty = sorted(self.dirty), set()
            try:
                await self._push(codes)
            except Exception:
                log.exception("live push failed")

    async def _push(self, codes: list[str]) -> None:
        self.changes_seen += 1
        summary_langs = {s.language for s in self.subscribers.get(SUMMARY, ())}
        for lang in summary_langs:
            snaps = await sync_to_async(_build, thread_sensitive=False)(codes, False, lang)
            for snap in snaps:
                self._deliver(SUMMARY, "summary", snap, lang)
        for code in codes:
            topic = office_topic(code)
            for lang in {s.language for s in self.subscribers.get(topic, ())}:
                for snap in await sync_to_async(_build, thread_sensitive=False)([code], True, lang):
                    self._deliver(topic, "detail", snap, lang)
        # Payloads nobody watches now would go stale: drop them rather than serve them later.
        for kind, lang in list(self.cache):
            if kind == "summary" and lang not in summary_langs:
                del self.cache[(kind, lang)]
                self.complete.discard((kind, lang))
            elif kind == "detail":
                bucket = self.cache[(kind, lang)]
                for code in codes:
                    if not any(s.language == lang for s in self.subscribers.get(office_topic(code), ())):
                        bucket.pop(code, None)

    def _deliver(self, topic: str, kind: str, snap: dict, lang: str) -> None:
        payload = _event("office", snap)
        bucket = self.cache.setdefault((kind, lang), {})
        previous = bucket.get(snap["office"])
        bucket[snap["office"]] = payload
        if previous is not None and _same_but_time(previous, payload):
            return
        for sub in list(self.subscribers.get(topic, ())):
            if sub.language == lang:
                sub.push(f"{kind}:{snap['office']}", payload)

    # --- other processes ----------------------------------------------------------------------------

    async def _watch(self) -> None:
        while True:
            try:
                if self.listen:
                    await self._listen()
                else:
                    await self._poll()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("live watch failed; retrying")
                await asyncio.sleep(2)

    async def _listen(self) -> None:
        import psycopg

        conninfo = _conninfo()
        async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
            await conn.execute(f"LISTEN {CHANNEL}")
            self.watching.set()
            gen = conn.notifies(timeout=REFRESH_EVERY)
            while True:
                async for n in gen:
                    self.changed(n.payload)
                self._refresh_all()
                gen = conn.notifies(timeout=REFRESH_EVERY)

    async def _poll(self) -> None:
        seen: dict[tuple[int, datetime], datetime] = {}
        last_refresh = self.loop.time()
        self.watching.set()
        while True:
            await asyncio.sleep(POLL_EVERY)
            if not self.subscribers:
                continue
            rows = await sync_to_async(_changed_since, thread_sensitive=False)(timezone.now() - OVERLAP)
            fresh = {code for pk, at, code in rows if (pk, at) not in seen}
            horizon = timezone.now() - 2 * OVERLAP
            seen = {k: at for k, at in seen.items() if at > horizon} | {(pk, at): at for pk, at, _ in rows}
            for code in fresh:
                self.changed(code)
            if self.loop.time() - last_refresh > REFRESH_EVERY:
                last_refresh = self.loop.time()
                self._refresh_all()

    def _refresh_all(self) -> None:
        codes = {code for bucket in self.cache.values() for code in bucket}
        codes |= {t.split(":", 1)[1] for t in self.subscribers if t.startswith("office:")}
        for code in codes:
            self.changed(code)

    def close(self) -> None:
        for t in self.tasks:
            t.cancel()
        registry.unregister(self.loop)


def _same_but_time(a: bytes, b: bytes) -> bool:
    """Two payloads that differ only in ``updated_at`` need not be pushed again."""
    try:
        da, db = json.loads(a.split(b"data: ", 1)[1]), json.loads(b.split(b"data: ", 1)[1])
    except (IndexError, ValueError):
        return False
    da.pop("updated_at", None)
    db.pop("updated_at", None)
    return da == db


def _changed_since(since: datetime) -> list[tuple[int, datetime, str]]:
    """Tickets changed since ``since`` by any process (the window overlaps: late commits are not missed)."""
    try:
        return list(Ticket.objects.filter(updated_at__gt=since).values_list("pk", "updated_at", "office__code")[:5000])
    finally:
        close_old_connections()


def _conninfo() -> str:
    db = settings.DATABASES["default"]
    name = connection.settings_dict["NAME"]  # the test database while testing
    parts = {"dbname": name, "user": db.get("USER"), "password": db.get("PASSWORD"), "host": db.get("HOST"),
             "port": db.get("PORT")}
    return " ".join(f"{k}='{v}'" for k, v in parts.items() if v)


def get_broadcaster() -> Broadcaster:
    """This event loop's broadcaster (created on first use: uvicorn runs with ``--lifespan off``)."""
    loop = asyncio.get_running_loop()
    b = registry.get(loop)
    if b is None:
        b = Broadcaster(loop)
        registry.register(loop, b)
    return b

