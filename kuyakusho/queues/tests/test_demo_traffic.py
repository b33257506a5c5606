from __future__ import annotations

import pytest
from django.core.management import call_command

from kuyakusho.queues.models import Status, Ticket

pytestmark = pytest.mark.django_db


def test_backfill_creates_plausible_history(ward):
    call_command("demo_traffic", "--backfill-days", "14", "--offices", "nerima,seki")
    tickets = Ticket.objects.all()
    assert tickets.count() > 300
    done = tickets.filter(status=Status.DONE).first()
    assert done.called_at >= done.issued_at and done.done_at > done.serving_at and done.service_seconds > 0
    assert not tickets.filter(status=Status.WAITING).exists()
    # Unique numbers per office, service and day are respected by the bulk insert too (the constraint holds).
    call_command("demo_traffic", "--backfill-days", "14", "--offices", "nerima,seki")  # replaces, not duplicates


def test_live_mode_issues_calls_and_finishes(open_now):
    call_command("demo_traffic", "--live", "--speed", "400", "--duration", "3", "--offices", "nerima")
    assert Ticket.objects.filter(office__code="nerima").exists()
    assert Ticket.objects.exclude(status=Status.WAITING).exists()
