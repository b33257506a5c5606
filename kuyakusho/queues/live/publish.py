"""Tell every server process that an office's queue changed (called after commit).

In this process: each running :class:`~kuyakusho.queues.live.broadcaster.Broadcaster` (one per event
loop) is woken thread-safely. On PostgreSQL also ``NOTIFY kuyakusho_queues '<office>'`` so that the
broadcasters of the other processes (each LISTENs) refresh their viewers. On SQLite other processes
(``demo_traffic`` beside ``make run``) are noticed by each broadcaster's one-query-per-second watch.
"""

from __future__ import annotations

import logging

from django.db import connection, transaction

from . import registry

CHANNEL = "kuyakusho_queues"
log = logging.getLogger("kuyakusho.queues.live")


def notify_now(office_code: str) -> None:
    if connection.vendor == "postgresql":
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, office_code])
        except Exception:  # a lost notification degrades to the watchers' periodic refresh
            log.exception("pg_notify failed")
    for broadcaster in registry.all_broadcasters():
        broadcaster.changed_threadsafe(office_code)


def publish_change(office_code: str) -> None:
    """Schedule the push for when the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: notify_now(office_code))
