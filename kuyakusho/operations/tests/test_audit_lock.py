"""The audit trail's head row is locked only for the append itself, never while a page reads."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections

from kuyakusho.audit.models import AuditEvent, ChainHead
from kuyakusho.audit.services import record_write
from kuyakusho.audit.verify import verify_chain
from kuyakusho.residents import selectors
from kuyakusho.residents.tests.factories import family


def _tables_after_head_lock(call) -> list[str]:
    """The statements run inside the transaction after the chain head was read for the append."""
    seen: list[tuple[str, bool]] = []

    def spy(execute, sql, params, many, context):
        seen.append((sql, context["connection"].in_atomic_block))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        call()
    head = ChainHead._meta.db_table
    locked = next(i for i, (sql, _) in enumerate(seen) if head in sql and sql.lstrip().upper().startswith("SELECT"))
    return [sql for sql, in_atomic in seen[locked + 1:] if in_atomic and "SAVEPOINT" not in sql.upper()]


@pytest.mark.django_db(transaction=True)
def test_opening_a_record_reads_everything_before_locking_the_trail(clerk):
    people = family(3)
    after = _tables_after_head_lock(lambda: selectors.open_resident(
        user=clerk, resident_id=people[0].pk, purpose="consultation"))
    allowed = (ChainHead._meta.db_table, AuditEvent._meta.db_table)
    assert after and all(any(t in sql for t in allowed) for sql in after), after


@pytest.mark.django_db(transaction=True)
def test_the_record_page_holds_no_lock_while_it_renders(client, clerk):
    people = family(2)
    client.force_login(clerk)
    url = f"/console/residents/{people[0].pk}/"
    granted = client.post(url, {"_ask_purpose": "1", "purpose": "consultation"})["Location"]
    page = {}

    def open_page():
        page["response"] = client.get(granted)

    after = _tables_after_head_lock(open_page)
    assert page["response"].status_code == 200
    allowed = (ChainHead._meta.db_table, AuditEvent._meta.db_table)
    assert all(any(t in sql for t in allowed) for sql in after), after


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_slow_history_read_does_not_hold_up_other_appends(clerk, monkeypatch):
    """While one clerk's record page reads a long history, another member's audited write is not kept waiting."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks of PostgreSQL (SQLite has one writer)")
    people = family(2)
    reading, release = threading.Event(), threading.Event()
    original = selectors.history

    def slow_history(resident):
        reading.set()
        release.wait(10)
        return original(resident)

    monkeypatch.setattr(selectors, "history", slow_history)
    errors: list[BaseException] = []

    def open_record():
        try:
            selectors.open_resident(user=clerk, resident_id=people[0].pk, purpose="consultation")
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    opener = threading.Thread(target=open_record)
    opener.start()
    try:
        assert reading.wait(10)
        started = time.monotonic()
        record_write(actor=None, action="test.concurrent_write", detail={})
        waited = time.monotonic() - started
    finally:
        release.set()
        opener.join()
    assert not errors
    assert waited < 2.0, f"the append waited {waited:.1f} s for the record page"
    assert verify_chain(checkpoint_dir=None).ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_record_pages_keep_one_unbroken_chain(clerk):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent appends on PostgreSQL")
    people = family(3)
    before = ChainHead.objects.get(id=1).seq if ChainHead.objects.exists() else 0
    errors: list[BaseException] = []

    def open_many():
        try:
            for _ in range(5):
                selectors.open_resident(user=clerk, resident_id=people[0].pk, purpose="consultation")
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=open_many) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    head = ChainHead.objects.get(id=1)
    assert head.seq == before + 6 * 5 * 3  # every read of every page, one each per person shown
    assert sorted(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, head.seq + 1))
    assert verify_chain(checkpoint_dir=None).ok
