"""Two clerks change one person at once: the second gets a conflict showing what changed (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.residents.models import Event, Resident
from kuyakusho.residents.services import Address, Mover, Notifier, correct_record, file_move_within

from .factories import family

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks between two connections are tested on PostgreSQL")


def test_two_clerks_edit_one_person(clerk, supervisor):
    (head,) = family(1)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def move():
        try:
            barrier.wait()
            file_move_within(actor=clerk, household_id=head.household_id, movers=[Mover(head.pk, 1)],
                             address=Address("桜台", 2, "5"), moved_on=timezone.localdate(), notifier=Notifier())
            outcomes["move"] = "ok"
        except ApplicationError as e:
            outcomes["move"] = e
        finally:
            close_old_connections()

    def correct():
        try:
            barrier.wait()
            correct_record(actor=supervisor, resident_id=head.pk, version=1, changes={"name": "練馬 太郞"},
                           reason="誤記")
            outcomes["correct"] = "ok"
        except ApplicationError as e:
            outcomes["correct"] = e
        finally:
            close_old_connections()

    threads = [threading.Thread(target=move), threading.Thread(target=correct)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    results = sorted(outcomes.values(), key=lambda v: v != "ok")
    assert results[0] == "ok" and isinstance(results[1], ApplicationError)
    assert results[1].code == ErrorCode.CONFLICT and results[1].extra["changed"]
    assert Resident.objects.get().version == 2
    assert Event.objects.exclude(kind="initial").count() == 1
