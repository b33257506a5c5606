from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from kuyakusho.accounts.capabilities import Role
from kuyakusho.accounts.models import Staff
from kuyakusho.audit.context import audit_context
from kuyakusho.audit.models import AuditEvent, ChainHead, Kind
from kuyakusho.audit.services import append_many, diff, record_read, record_write
from kuyakusho.audit.verify import Code, verify_chain

pytestmark = pytest.mark.django_db


def _three_events(actor):
    for i in range(3):
        record_write(actor=actor, action="test.write", target=actor, changes={"n": [i, i + 1]})


def test_events_are_chained_and_verify(clerk):
    _three_events(clerk)
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    assert verify_chain().ok
    call_command("audit_verify")


def test_read_event_records_who_whom_screen_and_purpose(clerk):
    with audit_context(channel="console", via="residents:detail"):
        e = record_read(actor=clerk, action="resident.view", subject_id=42, purpose="certificate")
    assert (e.actor_label, e.kind, e.subject_id, e.channel, e.via, e.purpose) == (
        "clerk", Kind.READ, "42", "console", "residents:detail", "certificate")


def _disable_guard():
    """What an attacker with database access would do first: drop the append-only triggers."""
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute("SET LOCAL session_replication_role = replica")  # user triggers off
        else:
            c.execute("DROP TRIGGER IF EXISTS audit_auditevent_no_update")
            c.execute("DROP TRIGGER IF EXISTS audit_auditevent_no_delete")


def test_audit_verify_detects_a_row_changed_directly_in_the_database(clerk):
    _three_events(clerk)
    _disable_guard()
    with connection.cursor() as c:
        c.execute("UPDATE audit_auditevent SET action = %s WHERE seq = 2", ["test.innocent"])
    result = verify_chain()
    assert not result.ok and result.broken_seq == 2 and "hash" in result.reason
    assert [f.code for f in result.findings] == [Code.BROKEN_LINK]
    with pytest.raises(CommandError, match="問題が 1 件"):
        call_command("audit_verify")


def test_audit_verify_detects_a_row_changed_with_its_hash_recomputed(clerk):
    """Rewriting one row and its own hash still breaks the next link."""
    _three_events(clerk)
    _disable_guard()
    e = AuditEvent.objects.get(seq=2)
    e.action = "test.innocent"
    new_hash = e.compute_hash()
    with connection.cursor() as c:
        c.execute("UPDATE audit_auditevent SET action = %s, hash = %s WHERE seq = 2", [e.action, new_hash])
    result = verify_chain()
    assert not result.ok and result.broken_seq == 3


def test_audit_verify_detects_a_deleted_row(clerk):
    _three_events(clerk)
    _disable_guard()
    with connection.cursor() as c:
        c.execute("DELETE FROM audit_auditevent WHERE seq = 2")
    result = verify_chain()
    assert not result.ok and result.broken_seq == 2


def test_audit_verify_detects_a_cut_off_tail(clerk):
    _three_events(clerk)
    _disable_guard()
    with connection.cursor() as c:
        c.execute("DELETE FROM audit_auditevent WHERE seq = 3")
    assert not verify_chain().ok


def test_the_database_refuses_updates(clerk):
    _three_events(clerk)
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as c:
        c.execute("UPDATE audit_auditevent SET action = 'x' WHERE seq = 1")
    assert AuditEvent.objects.get(seq=1).action == "test.write"


def test_the_model_refuses_updates_and_deletes(clerk):
    _three_events(clerk)
    e = AuditEvent.objects.get(seq=1)
    with pytest.raises(TypeError):
        e.save()
    with pytest.raises(TypeError):
        e.delete()


def test_change_and_audit_share_one_transaction(clerk):
    """If the audit row cannot be written, the change is rolled back too."""
    with pytest.raises(RuntimeError), transaction.atomic():
        Staff.objects.filter(pk=clerk.pk).update(display_name="changed")
        record_write(actor=clerk, action="staff.rename", target=clerk)
        raise RuntimeError("the audit write failed")
    clerk.refresh_from_db()
    assert clerk.display_name != "changed"
    assert not AuditEvent.objects.exists()
    assert ChainHead.objects.filter(seq__gt=0).count() == 0


def test_a_failing_audit_write_fails_the_change(clerk, monkeypatch):
    from kuyakusho.audit import services

    def broken(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.AuditEvent.objects, "bulk_create", broken)  # the statement that writes the event
    with pytest.raises(RuntimeError), transaction.atomic():
        Staff.objects.filter(pk=clerk.pk).update(role=Role.SUPERVISOR)
        record_write(actor=clerk, action="staff.role", target=clerk, changes={"role": ["clerk", "supervisor"]})
    clerk.refresh_from_db()
    assert clerk.role == Role.CLERK


def test_diff_keeps_only_changed_fields():
    assert diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {"b": [2, 3], "c": [None, 4]}


def test_auditor_searches_by_actor_subject_action_and_date(client_as, auditor, clerk, supervisor):
    record_write(actor=clerk, action="resident.move_in", subject_id=7)
    record_read(actor=supervisor, action="resident.view", subject_id=7, purpose="inquiry")
    record_read(actor=clerk, action="resident.view", subject_id=8, purpose="inquiry")
    c = client_as(auditor)
    page = c.get("/console/audit/", {"actor": "clerk"})
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 2
    # The auditor's own searches are in the trail too.
    assert AuditEvent.objects.filter(action="audit.search", actor=auditor).count() == 1
    assert c.get("/console/audit/", {"subject": "7", "action": "resident."}).context["page"].paginator.count == 2
    assert c.get("/console/audit/", {"action": "resident.view", "subject": "7"}).context["page"].paginator.count == 1
    today = timezone.localtime(AuditEvent.objects.first().occurred_at).date().isoformat()
    page = c.get("/console/audit/", {"date_from": today, "date_to": today, "kind": "write"})
    assert page.context["page"].paginator.count == 1
    bad = c.get("/console/audit/", {"date_from": "2025-02-30"})
    assert bad.status_code == 200 and bad.context["page"] is None and bad.context["form"].errors


def test_audit_api_pages_and_filters(client_as, auditor, clerk):
    for i in range(3):
        record_read(actor=clerk, action="resident.view", subject_id=i, purpose="inquiry")
    r = client_as(auditor).get("/api/audit/events", {"subject": "1", "kind": "read", "action": "resident."})
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 1 and body["items"][0]["subject_id"] == "1"
    assert AuditEvent.objects.filter(action="audit.search", actor=auditor, subject_id="1").exists()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "令和0年1月1日"}, "date_from"),
        ({"date_from": "2025-02-30"}, "date_from"),
        ({"actor": "x" * 151}, "actor"),
        ({"subject": "1\x002"}, "subject"),
        ({"kind": "delete"}, "kind"),
    ],
)
def test_audit_api_refuses_bad_input_with_a_translated_message(client_as, auditor, params, field):
    c = client_as(auditor)
    r = c.get("/api/audit/events", params)
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "invalid_input" and body["message"] == "入力内容に誤りがあります。"
    assert [e["field"] for e in body["errors"]] == [field]
    c.cookies["django_language"] = "en"
    assert c.get("/api/audit/events", params).json()["message"] == "Some of the input is not valid."


def test_audit_api_accepts_wareki_dates(client_as, auditor, clerk):
    record_read(actor=clerk, action="resident.view", subject_id=1, purpose="inquiry")
    r = client_as(auditor).get("/api/audit/events", {"date_from": "R1.5.1", "action": "resident."})
    assert r.status_code == 200 and r.json()["count"] == 1


def test_append_many_chains_one_event_per_entry_like_append(clerk):
    record_write(actor=clerk, action="test.before", target=clerk)
    with audit_context(channel="console", via="residents:move_out"):
        events = append_many([
            {"action": "test.many", "target": clerk, "subject_id": 7, "changes": {"n": [1, 2]},
             "detail": {"on": timezone.localdate()}},
            {"action": "test.many", "target": clerk, "subject_id": 8, "changes": {}, "purpose": "notification"},
        ], actor=clerk)
    record_write(actor=clerk, action="test.after", target=clerk)
    stored = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in stored] == [1, 2, 3, 4]
    assert [e.action for e in stored] == ["test.before", "test.many", "test.many", "test.after"]
    assert [e.pk for e in events] == [stored[1].pk, stored[2].pk]
    many = stored[1:3]
    assert [e.subject_id for e in many] == ["7", "8"]
    assert many[0].detail == {"on": timezone.localdate().isoformat()}  # stored as JSON, as append does
    assert (many[1].purpose, many[0].channel, many[0].via, many[0].actor_id) == (
        "notification", "console", "residents:move_out", clerk.pk)
    assert many[0].prev_hash == stored[0].hash and many[1].prev_hash == many[0].hash
    assert stored[3].prev_hash == many[1].hash
    assert all(e.compute_hash() == e.hash for e in stored)  # the hash covers the content read back
    assert ChainHead.objects.get().seq == 4
    assert verify_chain().ok


def test_append_many_rolls_back_with_the_change(clerk):
    record_write(actor=clerk, action="test.before", target=clerk)
    head = ChainHead.objects.get()
    with pytest.raises(RuntimeError), transaction.atomic():
        append_many([{"action": "test.many", "subject_id": i} for i in range(3)], actor=clerk)
        raise RuntimeError("the change fails after its audit")
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["test.before"]
    assert (ChainHead.objects.get().seq, ChainHead.objects.get().hash) == (head.seq, head.hash)
    assert verify_chain().ok


def test_append_many_of_nothing_writes_nothing(clerk):
    assert append_many([], actor=clerk) == []
    assert not AuditEvent.objects.exists() and not ChainHead.objects.exists()


def test_the_trail_keeps_only_the_indexes_its_look_ups_use():
    """Every append writes each index: the one-column indexes on actor and subject went (migration 0003),
    the two-column ones that serve the same look-ups stayed, and so did the append-only guard."""
    with connection.cursor() as c:
        found = connection.introspection.get_constraints(c, AuditEvent._meta.db_table)
    indexes = {tuple(i["columns"]) for i in found.values() if i["index"] and not i["unique"] and not i["primary_key"]}
    assert ("subject_id",) not in indexes and ("actor_id",) not in indexes
    assert {("subject_id", "seq"), ("actor_id", "occurred_at")} <= indexes


def test_record_reads_writes_one_event_per_person_under_one_lock_of_the_chain_head(clerk):
    from django.test.utils import CaptureQueriesContext

    from kuyakusho.audit.services import record_reads

    record_write(actor=clerk, action="test.before", target=clerk)  # the head exists
    with CaptureQueriesContext(connection) as queries, audit_context(channel="console", via="residents:household"):
        events = record_reads(actor=clerk, action="residents.open_household", subject_ids=[7, 8, 8, 9],
                              purpose="notification", target=clerk)
    # One look-up (and lock) of the head, one move of the head, one INSERT for the three rows.
    assert len(queries) == 3
    head_reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT") and "audit_chainhead" in q["sql"]]
    assert len(head_reads) == 1
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in head_reads[0]
    assert sum(q["sql"].startswith("INSERT") for q in queries) == 1
    stored = list(AuditEvent.objects.filter(kind=Kind.READ).order_by("seq"))
    assert [e.pk for e in events] == [e.pk for e in stored]
    assert [(e.seq, e.subject_id, e.purpose, e.channel, e.actor_id) for e in stored] == [
        (2, "7", "notification", "console", clerk.pk), (3, "8", "notification", "console", clerk.pk),
        (4, "9", "notification", "console", clerk.pk)]
    assert ChainHead.objects.get().seq == 4 and verify_chain().ok


def test_the_trail_is_written_through_the_orm_only():
    """One execution path for tests and production: no statements of its own beside the ORM."""
    import inspect

    from kuyakusho.audit import services

    source = inspect.getsource(services)
    assert "core.statements" not in source and "cursor" not in source


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_appends_keep_one_chain_without_gaps(clerk):
    """Appends from several connections wait for the head's row lock: seq without gaps, every link holds."""
    import threading

    from django.db import close_old_connections

    from kuyakusho.audit.services import record_reads

    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections are tested on PostgreSQL")
    record_write(actor=clerk, action="test.before", target=clerk)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def work(n):
        try:
            barrier.wait()
            for i in range(5):
                with transaction.atomic():
                    record_reads(actor=clerk, action="test.read", subject_ids=[n * 100 + i, n * 100 + i + 50],
                                 purpose="inquiry")
        except BaseException as e:  # reported below
            errors.append(e)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 42))
    assert verify_chain().ok
