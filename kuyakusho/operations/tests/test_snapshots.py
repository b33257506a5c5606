"""Pages whose data changes a few times a minute are served from a snapshot, in few queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kuyakusho.demo.offices import create_offices


@pytest.mark.django_db
def test_the_offices_page_runs_a_bounded_number_of_queries_whatever_the_number_of_offices(client):
    create_offices()
    client.get("/offices/")  # calendars loaded once per process
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/offices/")
    assert response.status_code == 200
    print(len(queries))
    assert len(queries) <= 10, "\n".join(q["sql"][:90] for q in queries)


@pytest.mark.django_db
def test_congestion_reads_the_slow_averages_from_a_shared_snapshot(client, monkeypatch):
    from kuyakusho.core import recent
    from kuyakusho.queues import estimates
    from kuyakusho.queues.models import Ticket

    create_offices()
    monkeypatch.setattr(estimates, "RATES_SNAPSHOT_SECONDS", 10**9)  # (nor one of the averages')
    period = [recent.period(5)]
    monkeypatch.setattr(recent, "period", lambda seconds: period[0])  # (no period ends between the two views)
    client.get("/congestion")  # calendars loaded, the averages' and the page's snapshots taken
    with CaptureQueriesContext(connection) as warm:
        assert client.get("/congestion").status_code == 200
    assert not any(Ticket._meta.db_table in q["sql"] for q in warm.captured_queries)  # the page's snapshot
    period[0] = -1  # the page's snapshot has expired
    with CaptureQueriesContext(connection) as later:
        assert client.get("/congestion").status_code == 200
    averaged = [q["sql"] for q in later.captured_queries if "AVG(" in q["sql"].upper()]
    assert averaged == []  # the averages still come from theirs
    assert any(Ticket._meta.db_table in q["sql"] for q in later.captured_queries)  # the queue counts are read


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_demo_ward_ends_with_fresh_planner_statistics():
    from django.core.management import call_command

    if connection.vendor != "postgresql":
        pytest.skip("pg_stat_user_tables")
    call_command("demo_ward", residents=30, traffic_days=0, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'residents_event'")
        assert cursor.fetchone() == (True,)
