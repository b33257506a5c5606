"""The statements written out in SQL return what their ORM expressions return."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, transaction
from django.db.models import F, Q

from kuyakusho.residents.models import Event, EventEntry, Household, Resident, Status
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
    with transaction.atomic():  # with other households, in the same id order
        got = statements.lock_households_of([wife.pk], [other.household_id])
        want = list(Household.objects.select_for_update(no_key=True)
                    .filter(Q(pk__in=Resident.objects.filter(pk__in=[wife.pk]).values("household_id"))
                            | Q(pk__in=[other.household_id])).order_by("pk"))
    assert _state(got) == _state(want) and [h.pk for h in got] == sorted([head.household_id, other.household_id])
    assert [h.pk for h in statements.lock_households_of([], [other.household_id])] == [other.household_id]


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


def test_head_name_of_a_closed_household_is_its_last_head_not_the_highest_id(clerk, today):
    """The wife heads the household, moves out (the husband is head again), then he dies: the closed
    household's head is the husband, though the wife's record has the higher id and is a head's too."""
    from kuyakusho.residents.services import Mover, Notifier, change_head, file_death, file_move_out

    head, wife = family(2)
    change_head(actor=clerk, household_id=head.household_id, moved_on=today - dt.timedelta(days=3),
                members=[Mover(head.pk, 1, "夫"), Mover(wife.pk, 1, "世帯主")], notifier=Notifier())
    file_move_out(actor=clerk, household_id=head.household_id, movers=[Mover(wife.pk, 2)],
                  planned_move_on=today - dt.timedelta(days=2), destination="大阪府大阪市北区梅田1丁目1番",
                  notifier=Notifier(), notified_on=today - dt.timedelta(days=2))
    file_death(actor=clerk, resident_id=head.pk, version=3, died_on=today, notifier=Notifier())
    assert Household.objects.get(pk=head.household_id).closed_on == today
    assert wife.pk > head.pk and Resident.objects.get(pk=wife.pk).is_head
    assert statements.head_name(head.household_id) == head.name
    want = (Resident.objects.filter(household_id=head.household_id, is_head=True)
            .order_by("status", "-removed_on", "-pk").values_list("name", flat=True).first())
    assert want == head.name


def test_bump_versions_matches_the_orm():
    head, wife, child = family(3)
    statements.bump_versions([head.pk, child.pk])
    Resident.objects.filter(pk__in=[child.pk]).update(version=F("version") + 1)
    statements.bump_versions([])
    assert dict(Resident.objects.values_list("pk", "version")) == {head.pk: 2, wife.pk: 1, child.pk: 3}


def _stored(instances):
    """The rows as read back, without the ids and times the database or the clock chose."""
    model = type(instances[0])
    rows = model.objects.filter(pk__in=[i.pk for i in instances]).order_by("pk")
    return [{k: v for k, v in s.items() if k not in ("id", "created_at", "updated_at")} for s in _state(rows)]


def test_insert_matches_bulk_create(today):
    def households():
        return [Household(town="豊玉北", chome=6, banchi="12", go="1", katagaki="ハイツ 1", katagaki_key="ハイツ1",
                          established_on=today),
                Household(town="旭町", chome=None, banchi="3-4", established_on=today)]

    ours, theirs = households(), households()
    statements.insert(ours)
    Household.objects.bulk_create(theirs)
    assert ours[1].pk == ours[0].pk + 1 and not ours[0]._state.adding
    assert ours[0].created_at is not None and ours[0].version == 1
    assert _stored(ours) == _stored(theirs)
    stored = Household.objects.get(pk=ours[0].pk)
    assert stored.created_at == ours[0].created_at and stored.updated_at == ours[0].updated_at


def test_insert_adapts_json_and_foreign_keys(clerk, today):
    (head,) = family(1)
    events = [Event(kind="correction", moved_on=today, notified_on=today, fiscal_year=2099, serial=n,
                    notifier_type="officio", clerk=clerk, details={"fields": ["name"], "n": n, "日本語": True})
              for n in (1, 2)]
    statements.insert(events)
    entry = EventEntry(event=events[1], resident=head, household=head.household, snapshot={"name": head.name},
                       version=3)
    statements.insert([entry])
    stored = EventEntry.objects.select_related("event").get(pk=entry.pk)
    assert (stored.event_id, stored.resident_id, stored.household_id, stored.version) == (
        events[1].pk, head.pk, head.household_id, 3)
    assert stored.snapshot == {"name": head.name}
    assert stored.event.details == {"fields": ["name"], "n": 2, "日本語": True} and stored.event.clerk_id == clerk.pk
    statements.insert([])


def test_update_writes_only_the_named_columns(today):
    (head,) = family(1)
    before = Resident.objects.get(pk=head.pk)
    head.status, head.removed_on, head.removal_reason = Status.REMOVED, today, "death"
    head.name = "not saved"
    statements.update(head, ["status", "removed_on", "removal_reason", "updated_at"])
    stored = Resident.objects.get(pk=head.pk)
    assert (stored.status, stored.removed_on, stored.removal_reason) == (Status.REMOVED, today, "death")
    assert stored.name == before.name and stored.updated_at > before.updated_at
    assert stored.updated_at == head.updated_at
    head.pk = 10**9
    with pytest.raises(DatabaseError):
        statements.update(head, ["status"])


def test_lock_household_matches_the_orm():
    (head,) = family(1)
    with transaction.atomic():
        got = statements.lock_household(head.household_id)
        want = Household.objects.select_for_update(no_key=True).filter(pk=head.household_id).first()
        assert statements.lock_household(10**9) is None
    assert _state([got]) == _state([want])


def test_taken_identifiers_matches_the_orm():
    head, wife = family(2)
    Resident.objects.filter(pk=wife.pk).update(my_number="")
    for field, values, exclude in [("my_number", [head.my_number, "", "123"], None),
                                   ("my_number", [head.my_number], head.pk),
                                   ("resident_code", [wife.resident_code, head.resident_code], head.pk),
                                   ("residence_card_number", ["AB12345678CD"], None)]:
        orm = Resident.objects.filter(**{f"{field}__in": values}).exclude(**{field: ""})
        if exclude is not None:
            orm = orm.exclude(pk=exclude)
        assert statements.taken_identifiers(field, values, exclude) == set(orm.values_list(field, flat=True))
    assert statements.taken_identifiers("my_number", [head.my_number]) == {head.my_number}
    assert statements.taken_identifiers("my_number", [""]) == set()  # "" is "none recorded", never taken


def test_insert_without_ids_writes_the_rows_and_sets_no_id(today):
    households = [Household(town="豊玉北", chome=6, banchi=str(n), established_on=today) for n in (1, 2)]
    statements.insert(households, ids=False)
    assert [h.pk for h in households] == [None, None]
    assert sorted(Household.objects.values_list("banchi", flat=True)) == ["1", "2"]


def test_batched_writes_are_written_by_the_end_of_the_block(today):
    from django.db import connection

    (head,) = family(1)
    with transaction.atomic():
        with statements.batched():
            if connection.vendor == "postgresql":  # the block really is one pipeline
                from psycopg import pq

                assert connection.connection.pgconn.pipeline_status == pq.PipelineStatus.ON
            head.status, head.removed_on, head.removal_reason = Status.REMOVED, today, "death"
            statements.update(head, ["status", "removed_on", "removal_reason"])
            statements.insert([Household(town="旭町", banchi="1", established_on=today)], ids=False)
        if connection.vendor == "postgresql":
            assert connection.connection.pgconn.pipeline_status == pq.PipelineStatus.OFF
        assert Resident.objects.get(pk=head.pk).status == Status.REMOVED
        assert Household.objects.filter(town="旭町").exists()


def test_a_failure_in_a_batch_is_djangos_error_and_rolls_the_transaction_back(clerk, today):
    from django.db import IntegrityError

    (head,) = family(1)

    def event():
        return Event(kind="correction", moved_on=today, notified_on=today, fiscal_year=2099, serial=1,
                     notifier_type="officio", clerk=clerk)

    with pytest.raises(IntegrityError), transaction.atomic(), statements.batched():
        Resident.objects.filter(pk=head.pk).update(name="書いたが戻る")
        statements.insert([event()], ids=False)
        statements.insert([event()], ids=False)  # the same 受付番号: refused by the unique constraint
    assert not Event.objects.filter(fiscal_year=2099).exists()
    assert Resident.objects.get(pk=head.pk).name == head.name


def test_run_takes_the_drivers_cursor_unless_queries_are_watched_and_raises_djangos_errors():
    from django.db import IntegrityError, connection
    from django.db.backends.utils import CursorWrapper
    from django.test.utils import CaptureQueriesContext

    from kuyakusho.core.statements import run

    head, wife = family(2)
    table = Resident._meta.db_table
    select = f"SELECT name FROM {table} WHERE id = %s"
    with run(connection, select, [head.pk]) as cursor:
        assert not isinstance(cursor, CursorWrapper)  # the driver's own (SQLite: "?" placeholders)
        assert cursor.fetchone() == (head.name,)
    with CaptureQueriesContext(connection) as watched, run(connection, select, [wife.pk]) as cursor:
        assert isinstance(cursor, CursorWrapper) and cursor.fetchone() == (wife.name,)
    assert watched.captured_queries[-1]["sql"].startswith("SELECT name")
    update = f"UPDATE {table} SET resident_code = %s WHERE id = %s"
    with pytest.raises(IntegrityError), transaction.atomic(), run(connection, update, [wife.resident_code, head.pk]):
        pass
    assert Resident.objects.get(pk=head.pk).resident_code == head.resident_code
