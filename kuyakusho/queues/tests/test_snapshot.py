"""The ticket holder's position read directly, and the resident pages' snapshot kept in the shared cache."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone, translation

from kuyakusho.queues import services, snapshot
from kuyakusho.queues.models import Priority, Ticket


def test_position_agrees_with_the_office_snapshot(open_now, clerk):
    """For every ticket of a mixed morning (priorities, equal issue times, called and served tickets, two
    services), the direct count gives what the whole office's snapshot gives."""
    o = open_now.offices["nerima"]
    kinds = [open_now.services["todoke"], open_now.services["shomei"]]
    rnd = random.Random(7)
    at = timezone.now()
    for i in range(40):
        services.issue_ticket(actor=None, office=o, service=rnd.choice(kinds),
                              priority=rnd.choice(["", "", "", *[p for p in Priority.values if p]]),
                              at=at if i % 5 else at.replace(microsecond=0))  # some share an issue time
    for number in (2, 4):
        services.call_next(actor=clerk, counter=open_now.counter("nerima", number))
    called = Ticket.objects.filter(status="called").first()
    assert called is not None
    services.start_serving(actor=clerk, counter=called.counter, ticket=called)
    whole = snapshot.snapshot("nerima", detail=True)
    tickets = list(Ticket.objects.select_related("office", "service", "counter"))
    states = set()
    for t in tickets:
        direct = snapshot.position(t)
        assert direct == snapshot.ticket_position(whole, t.label), t.label
        states.add(direct["state"])
    assert states == {"waiting", "called", "serving"}
    assert any(snapshot.position(t).get("ahead", 0) > 5 for t in tickets)


def test_position_counts_priority_tickets_first(open_now):
    o, s = open_now.offices["nerima"], open_now.services["todoke"]
    first = services.issue_ticket(actor=None, office=o, service=s)
    urgent = services.issue_ticket(actor=None, office=o, service=s, priority=Priority.PREGNANCY)
    assert snapshot.position(urgent)["ahead"] == 0 and snapshot.position(first)["ahead"] == 1


def test_resident_pages_read_a_recent_snapshot(open_now, monkeypatch, django_assert_max_num_queries):
    """Built once per period by whoever asks first, then read from the shared cache (one query); a ticket
    issued meanwhile shows from the next period on, never later."""
    o, s = open_now.offices["nerima"], open_now.services["todoke"]
    from kuyakusho.core import recent

    period = [recent.period(snapshot.PAGE_SNAPSHOT_SECONDS)]
    monkeypatch.setattr(recent, "period", lambda seconds: period[0])
    with translation.override("ja"):
        first = snapshot.recent_snapshots()
        services.issue_ticket(actor=None, office=o, service=s)
        with django_assert_max_num_queries(1):
            again = snapshot.recent_snapshots()
        assert again == first and sum(x["waiting"] for x in again) == 0
        period[0] += 1
        assert sum(x["waiting"] for x in snapshot.recent_snapshots()) == 1
        assert snapshot.recent_snapshots(["nerima"], detail=True)[0]["services"][0]["queue"] == ["A-001"]
    with translation.override("en"):  # each language has its own (the words are in it)
        english = snapshot.recent_snapshots()
    assert english[0]["name"] != first[0]["name"] or english[0]["status"] != first[0]["status"]


@pytest.mark.parametrize(("path", "shown"), [("/congestion", '<span data-field="waiting">1</span>人'),
                                             ("/offices/nerima/", "届出：1人待ち")])
def test_resident_pages_show_the_snapshot(client, open_now, path, shown):
    services.issue_ticket(actor=None, office=open_now.offices["nerima"], service=open_now.services["todoke"])
    assert shown in client.get(path).content.decode()
