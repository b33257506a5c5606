"""factory_boy factories for the register. Residents get valid, unique 住民票コード and 個人番号."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory

from kuyakusho.core.identifiers import my_number_check_digit, resident_code_check_digit
from kuyakusho.residents import records
from kuyakusho.residents.models import (
    BecameResidentReason,
    Event,
    EventEntry,
    EventKind,
    Household,
    NotifierType,
    Resident,
    Sex,
)


def resident_code(n: int) -> str:
    first10 = f"{3_000_000_000 + n:010d}"
    return first10 + resident_code_check_digit(first10)


def my_number(n: int) -> str:
    first11 = f"{40_000_000_000 + n:011d}"
    return first11 + my_number_check_digit(first11)


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    town = "豊玉北"
    chome = 6
    banchi = factory.Sequence(lambda n: str(1 + n % 40))
    go = "1"
    katagaki = ""
    established_on = dt.date(2010, 4, 1)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        household = model_class(*args, **kwargs)
        records.prepare_household(household)
        household.save()
        return household


class ResidentFactory(factory.django.DjangoModelFactory):
    """A Japanese resident, head of a new household unless ``household``/``is_head`` are given."""

    class Meta:
        model = Resident

    household = factory.SubFactory(HouseholdFactory)
    is_head = True
    relationship = factory.LazyAttribute(lambda o: records.HEAD_RELATIONSHIP if o.is_head else "子")
    name = factory.Sequence(lambda n: f"練馬 太郎{n}")
    name_kana = "ネリマ タロウ"
    birth_date = dt.date(1980, 5, 1)
    sex = Sex.MALE
    became_resident_on = dt.date(2010, 4, 1)
    became_resident_reason = BecameResidentReason.MOVE_IN
    address_since = dt.date(2010, 4, 1)
    address_notified_on = dt.date(2010, 4, 5)
    previous_address = "東京都杉並区阿佐谷南1丁目1番1号"
    honseki = "東京都練馬区豊玉北6丁目12番"
    hittosha = factory.LazyAttribute(lambda o: o.name)
    resident_code = factory.Sequence(resident_code)
    my_number = factory.Sequence(my_number)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        resident = model_class(*args, **kwargs)
        records.prepare_resident(resident)
        resident.save()
        return resident


def record_initial_event(*residents: Resident, moved_on: dt.date | None = None) -> Event:
    """A 移行記載 event with one entry per resident (their current state), as the generator makes."""
    from kuyakusho.core.wareki import fiscal_year
    from kuyakusho.residents.models import ReceiptCounter

    moved_on = moved_on or min(r.became_resident_on for r in residents)
    fy = fiscal_year(moved_on)
    serial = (Event.objects.filter(fiscal_year=fy).order_by("-serial").values_list("serial", flat=True).first()
              or 0) + 1
    event = Event.objects.create(
        kind=EventKind.INITIAL, moved_on=moved_on, notified_on=moved_on, fiscal_year=fy, serial=serial,
        notifier_type=NotifierType.OFFICIO,
    )
    heads = {r.household_id: r.name for r in residents if r.is_head}
    for r in residents:
        EventEntry.objects.create(event=event, resident=r, household=r.household,
                                  snapshot=records.make_snapshot(r, r.household, head_name=heads.get(r.household_id)))
    ReceiptCounter.sync_from_events()
    return event


def family(size: int = 3, **household_kwargs) -> list[Resident]:
    """A household of ``size`` people (head, spouse, children) with their initial events."""
    household = HouseholdFactory(**household_kwargs)
    head = ResidentFactory(household=household)
    members: list[Any] = [head]  # factory_boy's factories type their results as the factory
    if size > 1:
        members.append(ResidentFactory(household=household, is_head=False, relationship="妻",
                                       name="練馬 花子", name_kana="ネリマ ハナコ", sex=Sex.FEMALE,
                                       birth_date=dt.date(1982, 3, 3), hittosha=head.name))
    for i in range(size - 2):
        members.append(ResidentFactory(household=household, is_head=False, relationship="子",
                                       name=f"練馬 一郎{i}", name_kana="ネリマ イチロウ",
                                       birth_date=dt.date(2012 + i, 1, 10), hittosha=head.name))
    record_initial_event(*members)
    return members
