"""出生・死亡・世帯変更・職権修正・取消: rule, refusals, audit, the state rebuilt by date."""

from __future__ import annotations

import datetime as dt

import pytest

from kuyakusho.audit.models import AuditEvent
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.residents import selectors
from kuyakusho.residents.models import EventKind, Household, Resident, Status
from kuyakusho.residents.services import (
    Address,
    Mover,
    cancel_event,
    change_head,
    correct_record,
    file_birth,
    file_death,
    file_move_out,
    file_move_within,
    merge_households,
    split_household,
)

from .conftest import ADDRESS, SELF, days, person
from .factories import HouseholdFactory, ResidentFactory, family

pytestmark = pytest.mark.django_db


def baby(today, **kw):
    return person(name="練馬 桜", name_kana="ネリマ サクラ", birth_date=today - days(5), sex="female",
                  relationship="子", **kw)


def test_birth(clerk, today):
    head, _wife = family(2)
    event = file_birth(actor=clerk, household_id=head.household_id, child=baby(today), notifier=SELF)
    child = Resident.objects.get(name="練馬 桜")
    assert child.became_resident_on == today - days(5) and child.became_resident_reason == "birth"
    assert event.moved_on == today - days(5) and not event.late
    assert selectors.resident_on(child, today - days(6)) is None
    assert selectors.resident_on(child, today - days(5)).head_name == head.name
    assert AuditEvent.objects.get(action="residents.birth").subject_id == str(child.pk)


@pytest.mark.parametrize(("kw", "field"), [
    ({"birth_date": dt.date(2999, 1, 1)}, "birth_date"),
    ({"relationship": "世帯主"}, "relationship"),
    ({"name_kana": "ねりま桜"}, "name_kana"),
])
def test_birth_refusals(clerk, today, kw, field):
    (head,) = family(1)
    with pytest.raises(ApplicationError) as e:
        file_birth(actor=clerk, household_id=head.household_id, child=baby(today).__class__(
            **{**vars(baby(today)), **kw}), notifier=SELF)
    assert e.value.field == field
    assert Resident.objects.count() == 1


def test_death_of_the_head_names_a_new_head(clerk, today):
    head, wife, _child = family(3)
    with pytest.raises(ApplicationError):
        file_death(actor=clerk, resident_id=head.pk, version=1, died_on=today - days(1), notifier=SELF)
    file_death(actor=clerk, resident_id=head.pk, version=1, died_on=today - days(1), notifier=SELF,
               remaining_head_id=wife.pk)
    head.refresh_from_db()
    wife.refresh_from_db()
    assert head.status == Status.REMOVED and head.removal_reason == "death" and wife.is_head
    assert next(s.name for s in selectors.household_on(head.household_id, today - days(2))) == head.name
    assert next(s.name for s in selectors.household_on(head.household_id, today)) == wife.name
    with pytest.raises(ApplicationError) as e:
        file_death(actor=clerk, resident_id=head.pk, version=2, died_on=today, notifier=SELF)
    assert e.value.code == ErrorCode.REFUSED


def test_death_of_the_last_member_closes_the_household(clerk, today):
    (head,) = family(1)
    file_death(actor=clerk, resident_id=head.pk, version=1, died_on=today, notifier=SELF)
    assert Household.objects.get().closed_on == today
    with pytest.raises(ApplicationError) as e:
        file_birth(actor=clerk, household_id=head.household_id, child=baby(today), notifier=SELF)
    assert e.value.code == ErrorCode.CLOSED


def test_head_change(clerk, today):
    head, wife, child = family(3)
    change_head(actor=clerk, household_id=head.household_id, moved_on=today, notifier=SELF,
                members=[Mover(head.pk, 1, "夫"), Mover(wife.pk, 1, "世帯主"), Mover(child.pk, 1, "子")])
    wife.refresh_from_db()
    head.refresh_from_db()
    assert wife.is_head and head.relationship == "夫" and not head.is_head
    assert selectors.resident_on(child, today).head_name == wife.name
    assert selectors.resident_on(child, today - days(1)).head_name == head.name
    with pytest.raises(ApplicationError) as e:
        change_head(actor=clerk, household_id=head.household_id, moved_on=today, notifier=SELF,
                    members=[Mover(head.pk, 2, "世帯主"), Mover(wife.pk, 2, "世帯主"), Mover(child.pk, 2, "子")])
    assert e.value.field == "residents"


def test_split_and_merge(clerk, today):
    head, _wife, child = family(3)
    split_household(actor=clerk, household_id=head.household_id, moved_on=today - days(2), notifier=SELF,
                    movers=[Mover(child.pk, 1, "世帯主")])
    child.refresh_from_db()
    assert child.household_id != head.household_id and child.household.address == head.household.address
    merge_households(actor=clerk, household_id=child.household_id, into_household_id=head.household_id,
                     moved_on=today, notifier=SELF, members=[Mover(child.pk, 2, "子")])
    child.refresh_from_db()
    assert child.household_id == head.household_id and not child.is_head
    split_hh = Household.objects.exclude(pk=head.household_id).get()
    assert split_hh.closed_on == today
    assert [s.name for s in selectors.household_on(split_hh, today - days(1))] == [child.name]
    assert selectors.household_on(split_hh, today) == []


def test_merge_refuses_another_address(clerk, today):
    (a,) = family(1)
    other = ResidentFactory(household=HouseholdFactory(town="桜台", chome=1, banchi="1"))
    with pytest.raises(ApplicationError) as e:
        merge_households(actor=clerk, household_id=other.household_id, into_household_id=a.household_id,
                         moved_on=today, notifier=SELF, members=[Mover(other.pk, 1, "同居人")])
    assert e.value.field == "into_household"


def test_correction(supervisor, today):
    (head,) = family(1)
    event = correct_record(actor=supervisor, resident_id=head.pk, version=1, reason="戸籍照会により訂正",
                           changes={"name": "練馬 太郞", "name_kana": "ネリマ タロウ"})
    head.refresh_from_db()
    assert head.name == "練馬 太郞" and head.version == 2 and event.kind == EventKind.CORRECTION
    audit = AuditEvent.objects.get(action="residents.correction")
    assert set(audit.changes) == {"name", "head_name"}
    assert selectors.resident_on(head, today).name == "練馬 太郞"


@pytest.mark.parametrize(("changes", "reason", "field"), [
    ({"name": "x"}, "", "reason"),
    ({"household_id": 3}, "誤り", "household_id"),
    ({"birth_date": dt.date(2999, 1, 1)}, "誤り", "birth_date"),
    ({"relationship": "世帯主"}, "誤り", "relationship"),
    ({"name_kana": "ネリマ タロウ"}, "誤り", "changes"),
    ({"honseki": "x", "nationality": "韓国"}, "誤り", "nationality"),
])
def test_correction_refusals(supervisor, changes, reason, field):
    head, _ = family(2)
    changes = {"relationship": "世帯主"} if field == "relationship" else changes
    target = head if field != "relationship" else Resident.objects.exclude(pk=head.pk).get()
    with pytest.raises(ApplicationError) as e:
        correct_record(actor=supervisor, resident_id=target.pk, version=1, changes=changes, reason=reason)
    assert e.value.field in (field, "residence_status")


def test_cancel_a_move_within_restores_the_address(supervisor, clerk, today):
    head, wife = family(2)
    h = head.household
    event = file_move_within(actor=clerk, household_id=h.pk, movers=[Mover(head.pk, 1), Mover(wife.pk, 1)],
                             address=Address(town="桜台", chome=2, banchi="5"), moved_on=today, notifier=SELF)
    cancellation = cancel_event(actor=supervisor, event_id=event.pk, reason="住所の入力誤り")
    h.refresh_from_db()
    head.refresh_from_db()
    assert h.town == "豊玉北" and head.version == 3 and cancellation.cancels == event
    assert selectors.resident_on(head, today).town == "豊玉北"
    with pytest.raises(ApplicationError) as e:
        cancel_event(actor=supervisor, event_id=event.pk, reason="二重")
    assert e.value.code == ErrorCode.REFUSED


def test_cancel_a_move_out_brings_the_household_back(supervisor, clerk, today):
    head, wife = family(2)
    event = file_move_out(actor=clerk, household_id=head.household_id, movers=[Mover(head.pk, 1)],
                          planned_move_on=today, destination="千葉県千葉市", notifier=SELF, remaining_head_id=wife.pk)
    cancel_event(actor=supervisor, event_id=event.pk, reason="転出の取りやめ")
    head.refresh_from_db()
    wife.refresh_from_db()
    assert head.status == Status.ACTIVE and head.is_head and not wife.is_head and wife.relationship == "妻"
    assert selectors.resident_on(head, today).is_resident_on(today)


def test_cancel_a_move_in_withdraws_the_people(supervisor, clerk, today):
    from kuyakusho.residents.services import file_move_in

    from .conftest import cert

    event = file_move_in(actor=clerk, people=[person()], address=ADDRESS, moved_on=today, notifier=SELF,
                         certificate=cert(today))
    cancel_event(actor=supervisor, event_id=event.pk, reason="二重登録")
    r = Resident.objects.get()
    assert r.status == Status.REMOVED and r.removal_reason == "cancelled"
    assert r.household.closed_on == today
    assert not selectors.resident_on(r, today).is_resident_on(today)


def test_only_the_latest_event_can_be_cancelled(supervisor, clerk, today):
    (head,) = family(1)
    first = file_move_within(actor=clerk, household_id=head.household_id, movers=[Mover(head.pk, 1)],
                             address=Address(town="桜台", chome=2, banchi="5"), moved_on=today, notifier=SELF)
    correct_record(actor=supervisor, resident_id=head.pk, version=2, changes={"previous_address": "x"}, reason="r")
    with pytest.raises(ApplicationError) as e:
        cancel_event(actor=supervisor, event_id=first.pk, reason="誤り")
    assert e.value.code == ErrorCode.REFUSED
