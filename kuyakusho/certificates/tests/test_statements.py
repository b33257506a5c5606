"""The register look-up that certificates use, written out in SQL, returns what its ORM expression returns."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kuyakusho.residents.models import Resident
from kuyakusho.residents.selectors import resident_q
from kuyakusho.residents.services import statements as register_statements
from kuyakusho.residents.tests.factories import family

pytestmark = pytest.mark.django_db


def _state(instance):
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_household_members_match_the_orm():
    head, wife, child = family(3)
    today = timezone.localdate()
    Resident.objects.filter(pk=child.pk).update(status="removed", removed_on=today - timedelta(days=1),
                                                removal_reason="move_out")
    Resident.objects.filter(pk=wife.pk).update(status="removed", removed_on=today + timedelta(days=3),
                                               removal_reason="move_out")  # still a resident until then
    order = ("-is_head", "birth_date", "id")
    for include_removed in (False, True):
        qs = Resident.objects.filter(household_id=head.household_id).order_by(*order)
        want = list(qs if include_removed else qs.filter(resident_q(today)))
        got = register_statements.household_members(head.household_id, on=today, include_removed=include_removed)
        assert [_state(r) for r in got] == [_state(r) for r in want]
    assert [r.pk for r in register_statements.household_members(head.household_id, on=today)] == [head.pk, wife.pk]
