"""Database invariants of the register (constraints hold even if a service forgot them)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from kuyakusho.residents import records
from kuyakusho.residents.models import Event, EventEntry, ReceiptCounter, Resident

from .factories import HouseholdFactory, ResidentFactory, family

pytestmark = pytest.mark.django_db


def test_one_active_head_per_household():
    head = ResidentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ResidentFactory(household=head.household, is_head=True)


def test_a_removed_head_does_not_block_a_new_head():
    head = ResidentFactory()
    Resident.objects.filter(pk=head.pk).update(status="removed", removed_on=dt.date(2024, 1, 1),
                                               removal_reason="death")
    ResidentFactory(household=head.household, is_head=True)


def test_head_relationship_is_consistent():
    head = ResidentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ResidentFactory(household=head.household, is_head=False, relationship=records.HEAD_RELATIONSHIP)


@pytest.mark.parametrize("field", ["resident_code", "my_number"])
def test_identifiers_are_unique(field):
    first = ResidentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ResidentFactory(**{field: getattr(first, field)})


def test_several_residents_without_my_number():
    ResidentFactory(my_number="")
    ResidentFactory(my_number="")
    assert Resident.objects.filter(my_number="").count() == 2


def test_honseki_only_for_japanese_nationals():
    with pytest.raises(IntegrityError), transaction.atomic():
        ResidentFactory(nationality="アメリカ合衆国", residence_status="永住者", honseki="東京都練馬区")


def test_removal_needs_date_and_reason():
    r = ResidentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Resident.objects.filter(pk=r.pk).update(status="removed")


def test_family_factory_records_snapshots():
    members = family(3)
    assert EventEntry.objects.filter(resident__in=members).count() == 3
    snap = EventEntry.objects.get(resident=members[0]).snapshot
    assert set(snap) == set(records.SNAPSHOT_FIELDS)
    assert snap["address"] == "東京都練馬区豊玉北6丁目" + f"{members[0].household.banchi}番1号"
    assert snap["head_name"] == members[0].name
    assert ReceiptCounter.objects.get(fiscal_year=Event.objects.get().fiscal_year).last == 1


def test_search_keys_are_stored():
    r = ResidentFactory(name="髙橋 一郎", name_kana="タカハシ イチロー")
    assert (r.name_key, r.kana_key) == ("高橋一郎", "タカハシイチロ")
    assert r.name == "髙橋 一郎"


def test_prefix_index_exists_on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cur:
        cur.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'res_resident_kana'")
        assert 'COLLATE "C"' in cur.fetchone()[0]


def test_household_address():
    h = HouseholdFactory(town="関町北", chome=2, banchi="1234-5", go="", katagaki="ハイツ関 101")
    assert h.address == "東京都練馬区関町北2丁目1234番地5　ハイツ関 101"
    assert h.katagaki_key == "ハイツ関101"
