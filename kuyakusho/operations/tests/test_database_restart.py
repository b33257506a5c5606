"""The database restarting under load: requests in flight fail with a clear 503 (never a 500), and the server
recovers by itself — the pool checks each connection before handing it out — without being restarted."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from django.db import connection

from kuyakusho.operations.processes import database_url, start_server

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _backends() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        return {pid for (pid,) in cursor.fetchall()}


def _terminate_backends_but(kept: set[int]) -> int:
    """What a restart does to every connection of the server: each of its backends ends (this test process's own
    connections, opened before the server started, are kept)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> ALL(%s)", [sorted(kept)])
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def test_a_database_restart_costs_at_most_a_503_and_the_server_recovers(tmp_path, isolated_ward_key, settings):
    from kuyakusho.core.wardkey import ward_key

    if connection.vendor != "postgresql":
        pytest.skip("the pool and its checks are PostgreSQL's (SQLite has no server to restart)")
    ward_key()
    env = {"DATABASE_URL": database_url(connection.settings_dict), "SECRET_KEY": settings.SECRET_KEY,
           "KUYAKUSHO_WARD_KEY_DIR": str(settings.VAR_DIR / "certificates" / "ward-key"), "KUYAKUSHO_DEMO": "1",
           "DATABASE_POOL_MIN_SIZE": "4", "DATABASE_POOL_MAX_SIZE": "4", "ALLOWED_HOSTS": "127.0.0.1,localhost",
           "LOG_LEVEL": "WARNING"}
    ours = _backends()
    server = start_server(env, log_dir=tmp_path)
    statuses: list[int] = []
    stop = threading.Event()

    def visitor() -> None:  # a resident page and the readiness check, again and again, through the restart
        with requests.Session() as session:
            while not stop.is_set():
                for path in ("/offices/", "/readyz"):
                    statuses.append(session.get(f"{server.url}{path}", timeout=15).status_code)

    try:
        assert requests.get(f"{server.url}/readyz", timeout=10).status_code == 200
        visitors = [threading.Thread(target=visitor) for _ in range(3)]
        for t in visitors:
            t.start()
        time.sleep(1)
        before = len(statuses)
        terminated = sum(_terminate_backends_but(ours) for _ in range(3) if not time.sleep(0.3))
        time.sleep(2)
        stop.set()
        for t in visitors:
            t.join(timeout=30)
        assert terminated >= 1, "no connection of the server was ended"
        assert before > 0 and len(statuses) > before, "the visitors made no requests around the restart"
        assert set(statuses) <= {200, 503}, sorted(set(statuses))  # never a 500
        # and the same process serves again, with no restart
        assert [requests.get(f"{server.url}{p}", timeout=10).status_code for p in ("/offices/", "/readyz")] == [
            200, 200]
        assert server.process.poll() is None
    finally:
        stop.set()
        server.stop()
