"""Signed checkpoints outside the database, and what ``audit_verify`` finds with them.

Each tamper test first shows that the chain alone is consistent again after the tamper (what
``audit_verify`` said before checkpoints existed), then that the checkpoints report it.
"""

from __future__ import annotations

import base64
import json
import os
import stat
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from kuyakusho.audit import checkpoints as cp
from kuyakusho.audit.guard import allow_flush
from kuyakusho.audit.models import GENESIS_HASH, AuditEvent, ChainHead
from kuyakusho.audit.services import record_write
from kuyakusho.audit.tasks import write_checkpoint as write_checkpoint_task
from kuyakusho.audit.verify import Code, verify_chain
from kuyakusho.core import wardkey

from .tsa import SandboxTSA

pytestmark = pytest.mark.django_db

POSTGRES = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL only")


@pytest.fixture(autouse=True)
def _ward_key(isolated_ward_key):
    """A demo ward key per test session, outside the developer's var/ (root conftest)."""


def _events(n: int) -> None:
    for i in range(n):
        record_write(actor=None, action="test.write", changes={"n": [i, i + 1]})


def _owner_drops_the_guard() -> None:
    """What someone who owns the database does first: drop the triggers that refuse UPDATE, DELETE and
    TRUNCATE (rolled back with the test)."""
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute("DROP TRIGGER audit_auditevent_no_change ON audit_auditevent")
            c.execute("DROP TRIGGER audit_auditevent_no_truncate ON audit_auditevent")
        else:
            c.execute("DROP TRIGGER audit_auditevent_no_update")
            c.execute("DROP TRIGGER audit_auditevent_no_delete")


def _rewind_head_to(seq: int) -> None:
    head_hash = AuditEvent.objects.filter(seq=seq).values_list("hash", flat=True).first() or GENESIS_HASH
    ChainHead.objects.filter(id=1).update(seq=seq, hash=head_hash)


def _chain_alone_is_consistent() -> bool:
    """What the walk of the chain says, with no checkpoint to compare."""
    return not any(f.code == Code.BROKEN_LINK for f in verify_chain().findings)


def _verify_command(lang: str = "ja") -> tuple[str, str]:
    import io

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("audit_verify", "--lang", lang, stdout=out, stderr=err)
    return str(raised.value), err.getvalue()


# --- writing -----------------------------------------------------------------------------------------

def test_a_checkpoint_signs_the_head_in_a_new_read_only_file(settings):
    _events(3)
    checkpoint = cp.write_checkpoint()
    head = ChainHead.objects.get()
    assert (checkpoint.seq, checkpoint.hash) == (3, head.hash)
    assert checkpoint.path.parent == settings.AUDIT_CHECKPOINT_DIR
    body = json.loads(checkpoint.path.read_text())
    assert {k: body[k] for k in ("format", "seq", "hash", "algorithm")} == {
        "format": cp.FORMAT, "seq": 3, "hash": head.hash, "algorithm": "ecdsa-sha256"}
    assert body["key_id"] == cp.key_id(wardkey.ward_key().certificate.public_key())
    assert datetime.fromisoformat(body["time"]).tzinfo is not None and "timestamp_token" not in body
    assert not checkpoint.path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert cp.write_checkpoint() is None  # the head has not moved
    _events(1)
    second = cp.write_checkpoint()
    assert second.seq == 4 and len(cp.checkpoint_files()) == 2
    result = verify_chain()
    assert result.ok and result.checkpoints == 2 and result.last_checkpoint.seq == 4


def test_a_checkpoint_file_is_never_overwritten():
    _events(1)
    at = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)
    first = cp.write_checkpoint(now=at)
    before = first.path.read_bytes()
    with pytest.raises(cp.CheckpointError, match="既にあります"):
        cp.write_checkpoint(now=at, force=True)
    assert first.path.read_bytes() == before
    with pytest.raises(FileExistsError):
        cp._write_once(first.path, b"{}")


def test_nothing_to_sign_in_an_empty_chain():
    assert cp.write_checkpoint() is None
    assert cp.checkpoint_files() == []


def test_a_head_that_does_not_match_its_row_is_not_signed():
    _events(2)
    ChainHead.objects.filter(id=1).update(hash="f" * 64)
    with pytest.raises(cp.CheckpointError, match="seq=2"):
        cp.write_checkpoint()
    assert cp.checkpoint_files() == []


def test_a_chain_that_disagrees_with_the_last_checkpoint_is_not_signed():
    _events(10)
    cp.write_checkpoint()
    _owner_drops_the_guard()
    with connection.cursor() as c:
        c.execute("DELETE FROM audit_auditevent WHERE seq > 7")
    _rewind_head_to(7)
    _events(5)  # the chain grows past the old head again: seq 8–12 are other rows now
    with pytest.raises(cp.CheckpointError, match="seq=10"):
        cp.write_checkpoint()
    assert len(cp.checkpoint_files()) == 1
    assert verify_chain().codes() == {Code.REWRITTEN}


def test_the_command_the_task_and_the_loop_write_checkpoints(monkeypatch):
    import io

    _events(1)
    out = io.StringIO()
    call_command("audit_checkpoint", stdout=out)
    assert "seq=1" in out.getvalue()
    _events(1)
    call_command("audit_checkpoint", "--enqueue", stdout=io.StringIO())  # immediate backend in tests
    assert [cp.load(p).seq for p in cp.checkpoint_files()] == [1, 2]
    _events(1)
    result = write_checkpoint_task.enqueue()
    assert result.return_value["seq"] == 3 and result.return_value["time_stamped"] is False

    from kuyakusho.audit.management.commands import audit_checkpoint

    rounds = []

    def sleep(seconds):
        rounds.append(seconds)
        if len(rounds) == 2:
            raise KeyboardInterrupt
        _events(1)

    monkeypatch.setattr(audit_checkpoint.time, "sleep", sleep)
    call_command("audit_checkpoint", "--every", "60", stdout=io.StringIO())
    assert rounds == [60, 60] and [cp.load(p).seq for p in cp.checkpoint_files()] == [1, 2, 3, 4]
    assert verify_chain().ok


# --- the database's guard ------------------------------------------------------------------------------

def test_the_database_refuses_delete():
    _events(3)
    allow_flush(False)  # as in production: only test suites allow Django's flush
    try:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as c:
            c.execute("DELETE FROM audit_auditevent WHERE seq = 3")
    finally:
        allow_flush()
    assert AuditEvent.objects.count() == 3


@POSTGRES
def test_postgresql_refuses_truncate():
    _events(3)
    with pytest.raises(DatabaseError, match="cannot be truncated"), transaction.atomic(), connection.cursor() as c:
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's own inserts: their foreign keys checked now
        c.execute("SET LOCAL kuyakusho.audit_trail_flush = 'deny'")  # as in production
        c.execute("TRUNCATE audit_auditevent CASCADE")  # with what refers to it
    assert AuditEvent.objects.count() == 3


# --- tampering -----------------------------------------------------------------------------------------

def test_a_cut_off_tail_with_a_rewound_head_is_reported():
    _events(10)
    cp.write_checkpoint()
    _owner_drops_the_guard()
    with connection.cursor() as c:
        c.execute("DELETE FROM audit_auditevent WHERE seq > 7")
    _rewind_head_to(7)
    assert _chain_alone_is_consistent()
    result = verify_chain()
    assert result.codes() == {Code.REWOUND}
    finding = result.findings[0]
    assert finding.seq == 10 and "seq=7" in finding.message and "seq=8〜10" in finding.message
    message, report = _verify_command()
    assert "問題が 1 件" in message and "[rewound]" in report and "巻き戻されています" in report
    _, report = _verify_command("en")
    assert "The tail was cut off and the head rewound" in report and "rows seq=8–10 are gone" in report


def test_an_emptied_trail_is_reported():
    """TRUNCATE on PostgreSQL, DELETE of every row on SQLite: both refused until the owner drops the trigger."""
    _events(5)
    cp.write_checkpoint()
    _owner_drops_the_guard()
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's own inserts: their foreign keys checked now
            c.execute("TRUNCATE audit_auditevent CASCADE")  # with what refers to it
        else:
            c.execute("DELETE FROM audit_auditevent")
    _rewind_head_to(0)
    assert AuditEvent.objects.count() == 0 and _chain_alone_is_consistent()
    result = verify_chain()
    assert result.codes() == {Code.TRUNCATED} and result.findings[0].seq == 5
    _, report = _verify_command("en")
    assert "[truncated] The audit trail is empty (TRUNCATE or every row deleted)" in report


def test_a_changed_row_with_every_later_hash_recomputed_is_reported():
    _events(5)
    cp.write_checkpoint()
    _events(5)
    cp.write_checkpoint()
    _owner_drops_the_guard()
    prev = GENESIS_HASH
    for event in AuditEvent.objects.order_by("seq"):
        if event.seq == 4:
            event.action = "test.innocent"
        event.prev_hash = prev
        event.hash = prev = event.compute_hash()
        AuditEvent.objects.filter(pk=event.pk).update(action=event.action, prev_hash=event.prev_hash, hash=event.hash)
    ChainHead.objects.filter(id=1).update(hash=prev)
    assert _chain_alone_is_consistent()
    result = verify_chain()
    assert result.codes() == {Code.REWRITTEN}
    assert result.findings[0].seq == 5 and "2 件" in result.findings[0].message
    _, report = _verify_command("en")
    assert "[rewritten] The chain was rewritten and its hashes recomputed: the row seq=5" in report


def test_a_deleted_row_under_a_checkpoint_is_reported_besides_the_broken_link():
    _events(4)
    cp.write_checkpoint()
    _owner_drops_the_guard()
    with connection.cursor() as c:
        c.execute("DELETE FROM audit_auditevent WHERE seq = 4")
    _events(1)  # appended after the hole: seq=5
    result = verify_chain()
    assert result.codes() == {Code.BROKEN_LINK, Code.REWRITTEN} and result.broken_seq == 4


def test_an_edited_checkpoint_file_is_reported():
    _events(10)
    checkpoint = cp.write_checkpoint()
    _owner_drops_the_guard()
    with connection.cursor() as c:
        c.execute("DELETE FROM audit_auditevent WHERE seq > 7")
    _rewind_head_to(7)
    # … and edit the checkpoint to match the rewound head.
    body = json.loads(checkpoint.path.read_text())
    body["seq"], body["hash"] = 7, AuditEvent.objects.get(seq=7).hash
    os.chmod(checkpoint.path, 0o644)
    checkpoint.path.write_text(json.dumps(body))
    result = verify_chain()
    assert result.codes() == {Code.FORGED_CHECKPOINT} and result.checkpoints == 0
    assert "署名が内容と一致しません" in result.findings[0].message
    _, report = _verify_command("en")
    assert f"The signature of checkpoint {checkpoint.name} does not match its content" in report


def test_an_unreadable_checkpoint_file_is_reported(settings):
    _events(1)
    cp.write_checkpoint()
    (settings.AUDIT_CHECKPOINT_DIR / "0000000000000009-20261206T000000000000Z.json").write_text("{not json")
    result = verify_chain()
    assert result.codes() == {Code.FORGED_CHECKPOINT} and result.checkpoints == 1
    assert "JSON として読めません" in result.findings[0].message


def _forge(checkpoint: cp.Checkpoint, private_key, *, claimed_key_id: str | None = None) -> cp.Checkpoint:
    forged = cp.Checkpoint(seq=checkpoint.seq + 5, hash=checkpoint.hash, time=checkpoint.time,
                           key_id=claimed_key_id or cp.key_id(private_key.public_key()),
                           algorithm="ecdsa-sha256", signature=b"")
    _, signature = cp.sign(private_key, forged.signed_bytes())
    assert checkpoint.path is not None
    path = checkpoint.path.with_name(cp._file_name(forged.seq, forged.time))
    forged = cp.Checkpoint(**{**forged.__dict__, "signature": signature, "path": path})
    cp._write_once(path, forged.to_json())
    return forged


def test_a_checkpoint_signed_by_another_key_is_reported():
    _events(3)
    genuine = cp.write_checkpoint()
    other = ec.generate_private_key(ec.SECP256R1())
    forged = _forge(genuine, other)
    result = verify_chain()
    assert result.codes() == {Code.FORGED_CHECKPOINT} and result.checkpoints == 1
    assert "区の鍵ではない鍵" in result.findings[0].message and forged.key_id[:16] in result.findings[0].message
    forged.path.unlink()
    # Claiming the ward's key id does not help.
    _forge(genuine, other, claimed_key_id=genuine.key_id)
    assert verify_chain().codes() == {Code.FORGED_CHECKPOINT}


def test_checkpoints_of_a_retired_ward_key_stay_valid(settings):
    _events(2)
    cp.write_checkpoint()
    folder = wardkey.key_directory()
    retired = folder / "retired"
    retired.mkdir(exist_ok=True)
    (retired / "old.pem").write_bytes((folder / "cert.pem").read_bytes())
    new_folder = folder.parent / "ward-key-new"
    wardkey.create_demo_key(new_folder)
    (new_folder / "retired").mkdir()
    (new_folder / "retired" / "old.pem").write_bytes((folder / "cert.pem").read_bytes())
    settings.KUYAKUSHO_WARD_KEY_DIR = new_folder
    wardkey.reset_cache()
    _events(1)
    cp.write_checkpoint()
    result = verify_chain()
    assert result.ok and result.checkpoints == 2
    keys = {cp.load(p).key_id for p in cp.checkpoint_files()}
    assert len(keys) == 2


# --- RFC 3161 ------------------------------------------------------------------------------------------

def test_checkpoints_time_stamped_by_the_sandbox_authority(settings, tmp_path):
    _events(2)
    with SandboxTSA(tmp_path) as tsa:
        settings.AUDIT_CHECKPOINT_TSA_URL = tsa.url
        settings.AUDIT_CHECKPOINT_TSA_ROOTS = str(tsa.roots)
        first = cp.write_checkpoint()
        _events(1)
        second = cp.write_checkpoint()
    assert tsa.requests == 2 and first.timestamp_token and second.timestamp_token
    result = verify_chain()
    assert result.ok and result.time_stamped == 2

    # A token moved from another checkpoint does not cover this one.
    body = json.loads(second.path.read_text())
    body["timestamp_token"] = base64.b64encode(first.timestamp_token).decode()
    os.chmod(second.path, 0o644)
    second.path.write_text(json.dumps(body))
    result = verify_chain()
    assert result.codes() == {Code.BAD_TIMESTAMP} and result.time_stamped == 1
    assert "このチェックポイントの署名に対するものではありません" in result.findings[0].message
    body["timestamp_token"] = base64.b64encode(b"\x30\x03\x02\x01\x00").decode()
    second.path.write_text(json.dumps(body))
    assert "トークンを読めません" in verify_chain().findings[0].message

    # Stamps of an authority under other roots are not trusted.
    with SandboxTSA(tmp_path, label="Other") as other:
        settings.AUDIT_CHECKPOINT_TSA_ROOTS = str(other.roots)
        result = verify_chain()
    assert result.codes() == {Code.BAD_TIMESTAMP}
    assert any("信頼する時刻認証局のものではありません" in f.message for f in result.findings)


def test_an_unreachable_authority_still_leaves_the_signed_file(settings):
    _events(1)
    settings.AUDIT_CHECKPOINT_TSA_URL = "http://127.0.0.1:9/tsa"  # discard port: nothing listens
    with pytest.raises(cp.CheckpointError, match="タイムスタンプを得られませんでした"):
        cp.write_checkpoint()
    [path] = cp.checkpoint_files()
    assert cp.load(path).timestamp_token is None
    assert verify_chain().ok


def test_audit_verify_without_checkpoints_warns_but_passes():
    import io

    _events(1)
    out = io.StringIO()
    call_command("audit_verify", "--lang", "en", stdout=out)
    assert "audit trail OK: 1 rows verified" in out.getvalue() and "No signed checkpoints" in out.getvalue()
