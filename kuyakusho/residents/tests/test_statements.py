"""The statements written out in SQL return what their ORM expressions return."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import F, Q

from kuyakusho.residents.models import Household, Resident, Status
from kuyakusho.residents.services import statements

from .factories import ResidentFactory, family

pytestmark = pytest.mark.django_db


def _state(instances):
    return [{f.attname: getattr(i, f.attname) for f in type(i)._meta.concrete_fields} for i in instances]


def test_lock_households_of_matches_the_orm():
    head, wife = family(2)
    (other,) = family(1)
    ids = [other.pk, wife.pk, head.pk]
    with transaction.atomic():
        got = statements.lock_households_of(ids)
        want = list(Household.objects.select_for_update(no_key=True)
                    .filter(pk__in=Resident.objects.filter(pk__in=ids).values("household_id")).order_by("pk"))
    assert _state(got) == _state(want) and len(got) == 2
    assert isinstance(got[0].established_on, dt.date) and got[0].closed_on is None
    assert statements.lock_households_of([]) == []


def test_lock_residents_and_members_matches_the_orm(today):
    head, wife, child = family(3)
    (other,) = family(1)
    Resident.objects.filter(pk=child.pk).update(status=Status.REMOVED, removed_on=today, removal_reason="death")
    with transaction.atomic():
        got = statements.lock_residents_and_members([other.pk], head.household_id)
        want = list(Resident.objects.select_for_update(no_key=True)
                    .filter(Q(pk__in=[other.pk]) | Q(household_id=head.household_id, status=Status.ACTIVE))
                    .order_by("pk"))
        alone = statements.lock_residents_and_members([child.pk], None)
    assert [r.pk for r in got] == [head.pk, wife.pk, other.pk]
    assert _state(got) == _state(want)
    assert got[0].is_head is True and isinstance(got[0].birth_date, dt.date)
    assert got[0].created_at == want[0].created_at and got[0].created_at.tzinfo is not None
    assert [(r.pk, r.status, r.removed_on) for r in alone] == [(child.pk, Status.REMOVED, today)]
    assert statements.lock_residents_and_members([], None) == []


def test_head_name_is_the_active_head_else_the_last_one(today):
    head, _wife = family(2)
    assert statements.head_name(head.household_id) == head.name
    Resident.objects.filter(pk=head.pk).update(status=Status.REMOVED, removed_on=today, removal_reason="death")
    later = ResidentFactory(household=head.household, is_head=True, status=Status.REMOVED, removed_on=today,
                            removal_reason="move_out")
    assert statements.head_name(head.household_id) == later.name  # no active head: the last head
    assert statements.head_name(10**9) == ""


def test_bump_versions_matches_the_orm():
    head, wife, child = family(3)
    statements.bump_versions([head.pk, child.pk])
    Resident.objects.filter(pk__in=[child.pk]).update(version=F("version") + 1)
    statements.bump_versions([])
    assert dict(Resident.objects.values_list("pk", "version")) == {head.pk: 2, wife.pk: 1, child.pk: 3}
