"""More callers than the database can serve get a clear 503 with Retry-After, never a 500."""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.db import OperationalError, connection, connections
from psycopg_pool import PoolTimeout

from kuyakusho.operations.unavailable import is_unavailable


def _wrapped(cause: BaseException) -> OperationalError:
    try:
        raise OperationalError(str(cause)) from cause
    except OperationalError as exc:
        return exc


def test_what_counts_as_the_database_being_unavailable():
    assert is_unavailable(_wrapped(PoolTimeout("couldn't get a connection after 10.00 sec")))
    too_many = psycopg.errors.TooManyConnections("sorry, too many clients already")
    assert is_unavailable(_wrapped(too_many))
    assert is_unavailable(_wrapped(psycopg.errors.AdminShutdown("terminating connection")))
    assert is_unavailable(_wrapped(psycopg.OperationalError("connection failed: Connection refused")))
    assert is_unavailable(OperationalError("database is locked"))
    # faults stay faults
    assert not is_unavailable(OperationalError("no such table: residents_resident"))
    assert not is_unavailable(_wrapped(psycopg.errors.UndefinedTable("relation does not exist")))
    assert not is_unavailable(ValueError("connection"))


@pytest.fixture
def failing_database(monkeypatch):
    """Every new connection fails the way an exhausted pool does."""
    from django.db.backends.base.base import BaseDatabaseWrapper

    def refuse(self, *args, **kwargs):
        raise _wrapped(PoolTimeout("couldn't get a connection after 0.10 sec"))

    connection.close()
    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", refuse)
    yield


@pytest.mark.django_db(transaction=True)
def test_a_page_answers_503_in_the_visitors_language_when_no_connection_is_free(client, failing_database):
    response = client.get("/offices/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    text = response.content.decode()
    assert "ただいま混み合っています" in text and "HTTP 503" in text
    english = client.get("/offices/", headers={"Accept-Language": "en"}, HTTP_COOKIE="django_language=en")
    assert english.status_code == 503
    assert "busy" in english.content.decode().lower()


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_503_in_its_error_shape(client, failing_database):
    response = client.get("/api/offices/")
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "service_unavailable" and body["message"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_more_concurrent_requests_than_pool_slots_wait_then_get_503_never_500(client):
    """Every slot of the process's pool is held by other threads: a request waits for the pool's timeout and is
    answered 503; once a slot is free again, requests are served."""
    if connection.vendor != "postgresql" or not connection.pool:
        pytest.skip("PostgreSQL with its connection pool")
    pool = connection.pool
    pool.open()
    saved = pool.timeout
    pool.timeout = 0.3
    held, release, ready = [], threading.Event(), threading.Barrier(pool.max_size + 1)

    def hold():
        conn = connections["default"]
        conn.ensure_connection()
        held.append(conn)
        ready.wait()
        release.wait()
        conn.close()  # back to the pool

    threads = [threading.Thread(target=hold) for _ in range(pool.max_size)]
    connection.close()
    try:
        for t in threads:
            t.start()
        ready.wait(timeout=30)
        assert len(held) == pool.max_size
        statuses = [client.get("/offices/").status_code for _ in range(3)]
        assert statuses == [503, 503, 503]
    finally:
        release.set()
        for t in threads:
            t.join()
        pool.timeout = saved
    assert client.get("/offices/").status_code == 200
