"""Races settled by the database (PostgreSQL: real parallel transactions)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from kuyakusho.core.errors import ApplicationError
from kuyakusho.queues import services
from kuyakusho.queues.models import Status, Ticket

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
PARALLEL = 24


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (parallel transactions)")


def run_parallel(n: int, work):
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def one(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as e:  # collected and asserted on below
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results, errors


def test_parallel_issuing_never_repeats_nor_skips_a_number(open_now):
    office, service = open_now.offices["nerima"], open_now.services["todoke"]
    results, errors = run_parallel(PARALLEL, lambda i: services.issue_ticket(
        actor=None, office=office, service=service).number)
    assert not errors, errors
    assert sorted(results) == list(range(1, PARALLEL + 1))
    assert sorted(Ticket.objects.values_list("number", flat=True)) == list(range(1, PARALLEL + 1))


def test_parallel_issuing_over_http(open_now, live_server, ticket_machine):
    import json
    import urllib.request

    def post(i):
        req = urllib.request.Request(f"{live_server.url}/api/queues/offices/seki/tickets",  # noqa: S310
                                     data=json.dumps({"service": "shomei"}).encode(),
                                     headers={"Content-Type": "application/json", "Authorization": ticket_machine},
                                     method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:  # noqa: S310 (the test server)
            return json.loads(r.read())["label"]

    results, errors = run_parallel(PARALLEL, post)
    assert not errors, errors
    assert sorted(results) == [f"B-{n:03d}" for n in range(1, PARALLEL + 1)]


def test_a_ticket_is_called_to_one_counter_only(open_now, make_staff):
    clerk = make_staff()
    office = open_now.offices["nerima"]
    services.issue_ticket(actor=None, office=office, service=open_now.services["shomei"])
    counters = [open_now.counter("nerima", n) for n in (4, 5, 6)]  # all handle 証明

    results, errors = run_parallel(len(counters) * 4, lambda i: services.call_next(
        actor=clerk, counter=counters[i % len(counters)]).pk)
    assert sum(r is not None for r in results) == 1
    assert all(isinstance(e, ApplicationError) for e in errors)
    t = Ticket.objects.get()
    assert t.status == Status.CALLED and t.counter_id in {c.pk for c in counters}


def test_parallel_callers_share_out_a_queue_without_duplicates(open_now, make_staff):
    clerk = make_staff()
    office = open_now.offices["nerima"]
    for _ in range(6):
        services.issue_ticket(actor=None, office=office, service=open_now.services["todoke"])
    counters = [open_now.counter("nerima", n) for n in (1, 2, 3)]
    results, errors = run_parallel(3, lambda i: services.call_next(actor=clerk, counter=counters[i]).pk)
    assert not errors, errors
    assert len(set(results)) == 3
