"""Property tests: whatever a clerk types, a refusal names a field and writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kuyakusho.core.errors import ApplicationError
from kuyakusho.core.text import is_katakana_reading
from kuyakusho.residents.models import Event, Resident
from kuyakusho.residents.services import Address, file_birth, file_move_in

from .conftest import SELF, cert, person
from .factories import family

pytestmark = pytest.mark.django_db
HYPO = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@HYPO
@given(kana=st.text(min_size=1, max_size=12))
def test_a_reading_that_is_not_kana_is_refused(clerk, kana):
    today = timezone.localdate()
    before = Resident.objects.count()
    try:
        file_move_in(actor=clerk, people=[person(name_kana=kana)], address=Address("豊玉北", 6, "1"),
                     moved_on=today, notifier=SELF, certificate=cert(today))
    except ApplicationError as e:
        assert e.field and str(e.message)
        assert Resident.objects.count() == before
        if e.field == "people.0.name_kana":
            assert not is_katakana_reading(kana) or not kana.strip() or len(kana.strip()) > 200
    else:
        assert is_katakana_reading(kana)


@HYPO
@given(offset=st.integers(min_value=1, max_value=40000))
def test_a_birth_date_in_the_future_is_refused(clerk, offset):
    (head,) = family(1) if not Resident.objects.exists() else Resident.objects.filter(is_head=True)[:1]
    events = Event.objects.count()
    birth = timezone.localdate() + dt.timedelta(days=offset)
    with pytest.raises(ApplicationError) as e:
        file_birth(actor=clerk, household_id=head.household_id,
                   child=person(relationship="子", birth_date=birth), notifier=SELF)
    assert e.value.field == "birth_date"
    assert Event.objects.count() == events


@HYPO
@given(town=st.text(max_size=8), chome=st.one_of(st.none(), st.integers(-5, 20)))
def test_an_address_outside_the_ward_is_refused(clerk, town, chome):
    from kuyakusho.residents.addresses import chome_table

    today = timezone.localdate()
    try:
        file_move_in(actor=clerk, people=[person()], address=Address(town, chome, "1"), moved_on=today,
                     notifier=SELF, certificate=cert(today))
    except ApplicationError as e:
        assert e.field in ("town", "chome")
        assert (town.strip(), chome) not in chome_table()
    else:
        assert (town.strip(), chome) in chome_table()


@HYPO
@given(issued=st.integers(min_value=1, max_value=3000))
def test_a_transfer_certificate_from_the_future_is_refused(clerk, issued):
    today = timezone.localdate()
    with pytest.raises(ApplicationError) as e:
        file_move_in(actor=clerk, people=[person()], address=Address("豊玉北", 6, "1"), moved_on=today,
                     notifier=SELF, certificate=cert(today, issued_on=today + dt.timedelta(days=issued)))
    assert e.value.field == "certificate_issued_on"
    assert not Event.objects.exists()
