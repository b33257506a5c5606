"""Who may take a ticket: the API is for registered ticket machines; the lobby screen has a budget per client."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from kuyakusho.accounts.models import TerminalKind
from kuyakusho.accounts.terminals import register_terminal
from kuyakusho.queues.models import Ticket
from kuyakusho.queues.views import kiosk

URL = "/api/queues/offices/nerima/tickets"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_anonymous_callers_cannot_issue_tickets_through_the_api(client, open_now):
    r = client.post(URL, {"service": "shomei"}, content_type="application/json")
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    assert not Ticket.objects.exists()


def test_other_terminals_cannot_issue_tickets(client, open_now, clerk):
    _, token = register_terminal(actor=clerk, code="k1", kind=TerminalKind.KIOSK, name="kiosk")
    r = client.post(URL, {"service": "shomei"}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    assert not Ticket.objects.exists()


def test_a_machine_placed_at_an_office_issues_that_offices_tickets_only(client, open_now, clerk):
    _, token = register_terminal(actor=clerk, code="tm-seki", kind=TerminalKind.TICKET_MACHINE, name="関",
                                 office=open_now.offices["seki"])
    auth = f"Bearer {token}"
    r = client.post(URL, {"service": "shomei"}, content_type="application/json", HTTP_AUTHORIZATION=auth)
    assert r.status_code == 403 and "この事務所" in r.json()["message"]
    r = client.post("/api/queues/offices/seki/tickets", {"service": "shomei"}, content_type="application/json",
                    HTTP_AUTHORIZATION=auth)
    assert r.status_code == 201 and r.json()["office"] == "seki"
    assert r["Cache-Control"] == "no-store"


def test_the_lobby_screen_refuses_a_client_over_its_hourly_budget(client, open_now, monkeypatch):
    monkeypatch.setattr(kiosk, "TICKETS_PER_HOUR", 2)
    url = "/kiosk/nerima/ticket"
    for _ in range(2):
        assert client.post(url, {"service": "shomei"}, REMOTE_ADDR="198.51.100.7").status_code == 302
    r = client.post(url, {"service": "shomei"}, REMOTE_ADDR="198.51.100.7")
    assert r.status_code == 429 and "短時間に多くの番号札" in r.content.decode()
    # Another client is counted apart; a forged X-Forwarded-For changes nothing without a trusted proxy.
    assert client.post(url, {"service": "shomei"}, REMOTE_ADDR="198.51.100.8").status_code == 302
    r = client.post(url, {"service": "shomei"}, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.1")
    assert r.status_code == 429
    assert Ticket.objects.count() == 3
