"""Shared steps of the notification services: the head's name, identifiers already taken, and the model
signals every write sends (the services save through the ORM)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models.signals import post_save

from kuyakusho.residents.models import Event, Household, Resident, Status
from kuyakusho.residents.services import Mover, Notifier, change_head, common, file_death, file_move_out

from .factories import ResidentFactory, family

pytestmark = pytest.mark.django_db


def test_head_name_is_the_active_head_else_the_last_one(today):
    head, _wife = family(2)
    assert common._head_name(head.household) == head.name
    Resident.objects.filter(pk=head.pk).update(status=Status.REMOVED, removed_on=today, removal_reason="death")
    later = ResidentFactory(household=head.household, is_head=True, status=Status.REMOVED, removed_on=today,
                            removal_reason="move_out")
    assert common._head_name(head.household) == later.name  # no active head: the last head
    assert common._head_name(Household(pk=10**9)) == ""


def test_head_name_of_a_closed_household_is_its_last_head_not_the_highest_id(clerk, today):
    """The wife heads the household, moves out (the husband is head again), then he dies: the closed
    household's head is the husband, though the wife's record has the higher id and is a head's too."""
    head, wife = family(2)
    change_head(actor=clerk, household_id=head.household_id, moved_on=today - dt.timedelta(days=3),
                members=[Mover(head.pk, 1, "夫"), Mover(wife.pk, 1, "世帯主")], notifier=Notifier())
    file_move_out(actor=clerk, household_id=head.household_id, movers=[Mover(wife.pk, 2)],
                  planned_move_on=today - dt.timedelta(days=2), destination="大阪府大阪市北区梅田1丁目1番",
                  notifier=Notifier(), notified_on=today - dt.timedelta(days=2))
    event = file_death(actor=clerk, resident_id=head.pk, version=3, died_on=today, notifier=Notifier())
    household = Household.objects.get(pk=head.household_id)
    assert household.closed_on == today
    assert wife.pk > head.pk and Resident.objects.get(pk=wife.pk).is_head
    assert common._head_name(household) == head.name
    assert event.entries.get().snapshot["head_name"] == head.name


def test_taken_identifiers_leave_out_the_resident_itself_and_empty_values():
    head, wife = family(2)
    Resident.objects.filter(pk=wife.pk).update(my_number="")
    assert common._taken("my_number", [head.my_number, "", "123"]) == {head.my_number}
    assert common._taken("my_number", [head.my_number], exclude_id=head.pk) == set()
    assert common._taken("resident_code", [wife.resident_code, head.resident_code], head.pk) == {wife.resident_code}
    assert common._taken("my_number", [""]) == set()  # "" is "none recorded", never taken


def test_a_notification_saves_through_the_models_and_sends_their_signals(clerk, today):
    head, wife = family(2)
    saved: list[tuple[str, int, frozenset | None]] = []

    def receiver(sender, instance, created, update_fields, **kwargs):
        saved.append((sender.__name__, instance.pk, update_fields))

    for model in (Resident, Household, Event):
        post_save.connect(receiver, sender=model, dispatch_uid=f"test-{model.__name__}")
    try:
        file_move_out(actor=clerk, household_id=head.household_id, movers=[Mover(head.pk, 1), Mover(wife.pk, 1)],
                      planned_move_on=today, destination="大阪府大阪市北区梅田1丁目1番", notifier=Notifier())
    finally:
        for model in (Resident, Household, Event):
            post_save.disconnect(sender=model, dispatch_uid=f"test-{model.__name__}")
    names = [(name, pk) for name, pk, _fields in saved]
    assert ("Resident", head.pk) in names and ("Resident", wife.pk) in names
    assert ("Household", head.household_id) in names  # closed: nobody is left
    assert [name for name, _pk in names].count("Event") == 1
    household_fields = next(fields for name, _pk, fields in saved if name == "Household")
    assert household_fields == frozenset({"closed_on", "version", "updated_at"})


def test_household_members_are_the_residents_on_the_register_today_head_first(today):
    from kuyakusho.residents.selectors import household_members

    head, wife, child = family(3)
    Resident.objects.filter(pk=child.pk).update(status="removed", removed_on=today - dt.timedelta(days=1),
                                                removal_reason="move_out")
    Resident.objects.filter(pk=wife.pk).update(status="removed", removed_on=today + dt.timedelta(days=3),
                                               removal_reason="move_out")  # still a resident until then
    household = Household.objects.get(pk=head.household_id)
    members = household_members(household)
    assert [r.pk for r in members] == [head.pk, wife.pk] and all(r.household is household for r in members)
    assert [r.pk for r in household_members(household, include_removed=True)] == [head.pk, wife.pk, child.pk]
