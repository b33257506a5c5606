"""Two clerks change one person at once: the second gets a conflict showing what changed (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.residents.models import Event, Resident
from kuyakusho.residents.services import (
    Address,
    Mover,
    Notifier,
    correct_record,
    file_move_within,
    merge_households,
)
from kuyakusho.residents.services import common as residents_common

from .factories import HouseholdFactory, ResidentFactory, family

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


def test_two_merges_of_the_same_households_in_opposite_directions_do_not_deadlock(clerk, monkeypatch):
    """Each merge takes both households before any resident, in id order: the second waits for the first
    and is then refused (its household or the other is gone), instead of a deadlock between the two."""
    a = ResidentFactory(household=HouseholdFactory(town="桜台", chome=1, banchi="1"))
    b = ResidentFactory(household=HouseholdFactory(town="桜台", chome=1, banchi="1"), name="桜 次郎")
    both_locked_residents = threading.Barrier(2)
    check_versions = residents_common._check_versions

    def lock_then_wait(*args, **kwargs):  # run once the residents are locked; with the old order, both would
        try:                              # be here holding their own household
            both_locked_residents.wait(timeout=3)
        except threading.BrokenBarrierError:  # the other merge is waiting for our households: go on
            pass
        return check_versions(*args, **kwargs)

    monkeypatch.setattr(residents_common, "_check_versions", lock_then_wait)
    outcomes: dict[str, object] = {}

    def merge(name: str, resident, into) -> None:
        try:
            merge_households(actor=clerk, household_id=resident.household_id, into_household_id=into.household_id,
                             members=[Mover(resident.pk, 1, "同居人")], moved_on=timezone.localdate(),
                             notifier=Notifier())
            outcomes[name] = "ok"
        except Exception as e:
            outcomes[name] = e
        finally:
            close_old_connections()

    threads = [threading.Thread(target=merge, args=("a into b", a, b)),
               threading.Thread(target=merge, args=("b into a", b, a))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    results = sorted(outcomes.values(), key=lambda v: v != "ok")
    assert results[0] == "ok" and isinstance(results[1], ApplicationError), outcomes
    assert Event.objects.filter(kind="merge").count() == 1
