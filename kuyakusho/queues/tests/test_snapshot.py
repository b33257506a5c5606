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


def test_one_snapshot_of_the_averages_serves_every_office(open_now, monkeypatch):
    """The averages are read for every office at once: a ticket's page at a quiet office right after another
    office's page reads them from the shared cache instead of averaging again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kuyakusho.core import recent
    from kuyakusho.queues import estimates

    monkeypatch.setattr(estimates, "RATES_SNAPSHOT_SECONDS", 10**9)  # (no period of the averages ends meanwhile)
    o, s = open_now.offices, open_now.services
    first = services.issue_ticket(actor=None, office=o["nerima"], service=s["todoke"])
    other = services.issue_ticket(actor=None, office=o["seki"], service=s["shomei"])
    assert snapshot.position(first)["state"] == "waiting"
    with CaptureQueriesContext(connection) as later:
        assert snapshot.position(other)["ahead"] == 0
    assert not [q for q in later.captured_queries if "AVG(" in q["sql"].upper()]
    assert len(later.captured_queries) == 1  # the count before it; the averages: this process's copy
    recent.forget()  # another process reads the same snapshot from the shared cache
    with CaptureQueriesContext(connection) as elsewhere:
        assert snapshot.position(other)["ahead"] == 0
    assert len(elsewhere.captured_queries) == 2 and "kuyakusho_cache" in elsewhere.captured_queries[1]["sql"]


def test_an_office_page_is_rendered_again_only_when_what_it_shows_changes(client, open_now, monkeypatch):
    from django.core.cache import caches
    from django.core.cache.utils import make_template_fragment_key

    from kuyakusho.core import recent
    from kuyakusho.guide import selectors

    def main(response) -> str:
        html = response.content.decode()
        return html[html.index("<main"):html.index("</main>")]

    built = []
    facts = selectors.office_facts
    monkeypatch.setattr(selectors, "office_facts", lambda office: built.append(office.code) or facts(office))
    period, minute = [recent.period(snapshot.PAGE_SNAPSHOT_SECONDS)], recent.period(60)
    monkeypatch.setattr(recent, "period",  # the figures' 5-second periods pass; the facts' minute does not
                        lambda seconds: period[0] if seconds == snapshot.PAGE_SNAPSHOT_SECONDS else minute)
    first = client.get("/offices/nerima/")
    digest = first.context["digest"]
    assert "届出：0人待ち" in main(first)
    assert caches["process"].get(make_template_fragment_key("guide:office", ["nerima", "ja", digest])) is not None
    period[0] += 1  # the next snapshot, with the same figures: the same rendering, the facts still kept
    again = client.get("/offices/nerima/")
    assert again.context["digest"] == digest and main(again) == main(first) and built == ["nerima"]
    services.issue_ticket(actor=None, office=open_now.offices["nerima"], service=open_now.services["todoke"])
    assert client.get("/offices/nerima/").context["digest"] == digest  # within the 5-second snapshot
    period[0] += 1
    changed = client.get("/offices/nerima/")
    assert changed.context["digest"] != digest and "届出：1人待ち" in main(changed)
    assert "届出：0人待ち" in main(client.get("/offices/seki/"))
