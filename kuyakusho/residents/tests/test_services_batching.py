"""The notification services write each affected resident's entry and audit event in batches: the same
records as one by one, in a bounded number of queries, all rolled back together on failure."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kuyakusho.audit.models import AuditEvent, ChainHead
from kuyakusho.audit.verify import verify_chain
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.identifiers import validate_resident_code
from kuyakusho.core.wareki import fiscal_year
from kuyakusho.residents.models import (
    Event,
    EventEntry,
    Household,
    MoveOutCertificate,
    ReceiptCounter,
    Resident,
    Status,
)
from kuyakusho.residents.services import (
    Mover,
    change_head,
    common,
    file_birth,
    file_death,
    file_move_in,
    file_move_out,
    file_move_within,
)

from .conftest import ADDRESS, MY_NUMBERS, SELF, cert, days, person
from .factories import family, resident_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def counters(today):
    """The chain head and the year's receipt counter exist already, as on any working day."""
    ChainHead.objects.get_or_create(id=1)
    ReceiptCounter.objects.get_or_create(fiscal_year=fiscal_year(today))


def _queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return result, len(ctx.captured_queries)


def test_every_affected_resident_gets_its_entry_version_and_audit_event(clerk, today):
    head, wife, child = family(3)
    event = file_move_out(actor=clerk, household_id=head.household_id, movers=[Mover(head.pk, 1)],
                          planned_move_on=today, destination="大阪府大阪市北区梅田1丁目1番", notifier=SELF,
                          remaining_head_id=wife.pk)
    entries = list(event.entries.order_by("id"))
    assert [e.resident_id for e in entries] == [head.pk, wife.pk]
    assert [e.version for e in entries] == [2, 2]
    assert dict(Resident.objects.values_list("pk", "version")) == {head.pk: 2, wife.pk: 2, child.pk: 1}
    assert entries[0].snapshot["status"] == Status.REMOVED
    assert entries[1].snapshot["is_head"] and entries[1].snapshot["head_name"] == wife.name
    audit = list(AuditEvent.objects.filter(action="residents.move_out").order_by("seq"))
    assert [a.subject_id for a in audit] == [str(head.pk), str(wife.pk)]
    assert audit[1].seq == audit[0].seq + 1 and audit[1].prev_hash == audit[0].hash
    assert audit[1].changes["relationship"] == ["妻", "世帯主"]
    assert all(a.detail["receipt_number"] == event.receipt_number for a in audit)
    assert verify_chain().ok


def test_a_failure_after_the_audit_rolls_the_whole_notification_back(clerk, today, monkeypatch):
    head, wife = family(2)
    seq = ChainHead.objects.values_list("seq", flat=True).first() or 0
    events = Event.objects.count()

    def fail_on_the_certificate(**kwargs):  # the last write of a 転出, after the entries and the audit
        raise RuntimeError("disk full")

    monkeypatch.setattr(MoveOutCertificate.objects, "create", fail_on_the_certificate)
    with pytest.raises(RuntimeError):
        file_move_out(actor=clerk, household_id=head.household_id,
                      movers=[Mover(head.pk, 1), Mover(wife.pk, 1)], planned_move_on=today,
                      destination="大阪府大阪市北区梅田1丁目1番", notifier=SELF)
    assert Event.objects.count() == events and not EventEntry.objects.filter(event__kind="move_out").exists()
    assert (ChainHead.objects.values_list("seq", flat=True).first() or 0) == seq
    assert not AuditEvent.objects.filter(action="residents.move_out").exists()
    assert set(Resident.objects.values_list("status", "version")) == {(Status.ACTIVE, 1)}
    assert Household.objects.get().closed_on is None
    assert verify_chain().ok


# Upper bounds on the queries of one notification (test transactions add a savepoint pair): the audit
# trail costs three queries per notification, not three per resident; the versions one UPDATE.
def test_move_in_of_a_family_takes_a_bounded_number_of_queries(clerk, today, counters):
    people = [person(my_number=MY_NUMBERS[0]),
              person(name="山田 花子", name_kana="ヤマダ ハナコ", sex="female", relationship="妻",
                     birth_date=dt.date(1987, 8, 1), my_number=MY_NUMBERS[1]),
              person(name="山田 一郎", name_kana="ヤマダ イチロウ", relationship="子",
                     birth_date=dt.date(2015, 8, 1), my_number=MY_NUMBERS[2])]
    event, n = _queries(lambda: file_move_in(actor=clerk, people=people, address=ADDRESS,
                                             moved_on=today - days(3), notifier=SELF, certificate=cert(today)))
    assert event.entries.count() == 3 and AuditEvent.objects.filter(target_id=str(event.pk)).count() == 3
    assert n <= 12


def test_move_out_and_death_take_a_bounded_number_of_queries(clerk, today, counters):
    head, wife, child = family(3)
    event, n = _queries(lambda: file_move_out(
        actor=clerk, household_id=head.household_id, movers=[Mover(head.pk, 1), Mover(wife.pk, 1)],
        planned_move_on=today, destination="大阪府大阪市北区梅田1丁目1番", notifier=SELF))
    assert event.entries.count() == 3  # the child became the head
    assert n <= 20
    event, n = _queries(lambda: file_death(actor=clerk, resident_id=child.pk, version=2, died_on=today,
                                           notifier=SELF))
    assert Household.objects.get().closed_on == today
    assert n <= 17


def test_move_within_head_change_and_birth_take_a_bounded_number_of_queries(clerk, today, counters):
    head, wife = family(2)
    _event, n = _queries(lambda: file_move_within(
        actor=clerk, household_id=head.household_id, movers=[Mover(head.pk, 1), Mover(wife.pk, 1)],
        address=ADDRESS, moved_on=today, notifier=SELF))
    assert n <= 14
    _event, n = _queries(lambda: change_head(
        actor=clerk, household_id=head.household_id, members=[Mover(head.pk, 2, "夫"), Mover(wife.pk, 2, "世帯主")],
        moved_on=today, notifier=SELF))
    assert n <= 13
    event, n = _queries(lambda: file_birth(
        actor=clerk, household_id=head.household_id, notifier=SELF,
        child=person(name="練馬 次郎", name_kana="ネリマ ジロウ", birth_date=today - days(2), relationship="子")))
    assert event.entries.get().snapshot["head_name"] == wife.name
    assert n <= 12


def test_check_unique_identifiers_names_the_first_clash(today):
    (head,) = family(1)
    common.check_unique_identifiers([{"my_number": MY_NUMBERS[0]}, {"my_number": MY_NUMBERS[1]}])
    with pytest.raises(ApplicationError) as e:
        common.check_unique_identifiers([{"my_number": MY_NUMBERS[0]}, {"my_number": MY_NUMBERS[0]}],
                                        prefix="people.{i}.")
    assert (e.value.code, e.value.field) == (ErrorCode.DUPLICATE, "people.1.my_number")
    with pytest.raises(ApplicationError) as e:
        common.check_unique_identifiers([{"my_number": MY_NUMBERS[0], "resident_code": head.resident_code},
                                         {"my_number": head.my_number}], prefix="people.{i}.")
    assert e.value.field == "people.1.my_number"  # My Number is checked before the 住民票コード
    common.check_unique_identifiers([{"my_number": head.my_number}], exclude_id=head.pk)


def test_allocate_resident_codes_are_valid_distinct_and_unused(monkeypatch):
    (head,) = family(1)
    fresh = iter([head.resident_code, resident_code(500), resident_code(500), resident_code(501)])
    monkeypatch.setattr(common, "_new_resident_code", lambda: next(fresh))
    codes = common.allocate_resident_codes(2)
    assert sorted(codes) == [resident_code(500), resident_code(501)]
    assert all(validate_resident_code(c, field="resident_code") == c for c in codes)
    assert common.allocate_resident_codes(0) == []


def test_lock_members_returns_the_household_its_active_members_and_checks_versions(clerk, today):
    head, wife, child = family(3)
    file_move_out(actor=clerk, household_id=head.household_id, movers=[Mover(child.pk, 1)],
                  planned_move_on=today, destination="大阪府大阪市北区梅田1丁目1番", notifier=SELF)
    household, locked, members = common.lock_members({wife.pk: 1}, head.household_id)
    assert household.pk == head.household_id and list(locked) == [wife.pk]
    assert [m.pk for m in members] == [head.pk, wife.pk]  # the removed child is not a member any more
    assert locked[wife.pk] is members[1] and members[1].household is household
    household, locked, members = common.lock_members({head.pk: 1})  # no household named: the resident's
    assert household.pk == head.household_id and [m.pk for m in members] == [head.pk, wife.pk]
    with pytest.raises(ApplicationError) as e:
        common.lock_members({child.pk: 1}, head.household_id)
    assert e.value.code == ErrorCode.CONFLICT
    with pytest.raises(ApplicationError) as e:
        common.lock_members({}, head.household_id)
    assert e.value.field == "residents"
    with pytest.raises(ApplicationError) as e:
        common.lock_members({head.pk: 1}, 10**9)
    assert e.value.code == ErrorCode.NOT_FOUND
    Household.objects.filter(pk=head.household_id).update(closed_on=today)
    with pytest.raises(ApplicationError) as e:
        common.lock_members({head.pk: 1}, head.household_id)
    assert e.value.code == ErrorCode.CLOSED
