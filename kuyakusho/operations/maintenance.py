"""Database upkeep after bulk loads."""

from __future__ import annotations

import time

from django.db import DEFAULT_DB_ALIAS, connections


def analyze(alias: str = DEFAULT_DB_ALIAS) -> float:
    """Refresh the planner's statistics of every table (``ANALYZE``; SQLite's ``sqlite_stat1`` too) and return
    the seconds it took. After a bulk load the planner otherwise guesses from empty tables: the register's
    history query scanned ``residents_event`` in full until autovacuum came round. Runs outside a transaction."""
    started = time.perf_counter()
    with connections[alias].cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started
