"""Backups and the restore drill.

``manage.py backup`` writes one backup and its manifest into ``BACKUP_DIR``:

* PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot of a running database, restorable with
  ``pg_restore`` into any server of the same or a later major version). Continuous archiving (a base backup
  with ``pg_basebackup`` plus WAL archiving, for a recovery point of seconds) needs ``archive_mode`` on the
  server, which is a restart of the server: ``docs/operations.md`` and ``scripts/pg-basebackup.sh`` set it up
  where the operator owns the server; the dump is what works on any server and what the drill restores.
* SQLite: SQLite's online backup (the ``.backup`` of its shell, through Python's ``sqlite3`` backup API),
  page by page while the platform keeps writing.

The manifest (``<backup>.json``) holds the backup's SHA-256, its time, the newest audit event and row counts
of the tables that matter. ``manage.py restore_check`` restores the newest backup into a scratch database and
checks it: the file's SHA-256 and format, ``migrate --check``, ``audit_verify`` against the signed checkpoints,
row counts against the manifest, a sample certificate's signature; then starts a server on it and waits for
``/readyz``. It prints the RPO (age of the newest recoverable transaction: the newest audit event, every write
being audited) and the RTO (from the start of the restore to a ready, serving instance). Any failure raises
:class:`DrillFailed`: the command exits non-zero and says what failed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from kuyakusho.audit.models import AuditEvent
from kuyakusho.certificates.documents.signing import verify_pdf
from kuyakusho.certificates.models import Issuance
from kuyakusho.core.wardkey import key_directory

from .processes import database_url, start_server

# Tables whose rows are counted in the manifest and compared after the restore (the register, its history,
# the audit trail, certificates, seals, tickets, payments).
COUNTED = ("residents.Resident", "residents.Household", "residents.Event", "audit.AuditEvent",
           "certificates.Issuance", "seals.SealRegistration", "queues.Ticket", "payments.Bill",
           "accounts.Staff")


class DrillFailed(Exception):
    """The backup cannot be trusted: the message says which check failed."""


@dataclass
class Manifest:
    backup: str
    engine: str
    sha256: str
    taken_at: str
    newest_event_at: str | None
    audit_seq: int
    counts: dict[str, int]

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.__dict__, ensure_ascii=False, indent=2))

    @classmethod
    def read(cls, path: Path) -> Manifest:
        try:
            return cls(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError) as exc:
            raise DrillFailed(f"the manifest {path.name} cannot be read: {exc.__class__.__name__}") from exc


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _models() -> list[Any]:
    from django.apps import apps

    found = []
    for label in COUNTED:
        try:
            found.append(apps.get_model(label))
        except LookupError:
            continue
    return found


def counts(alias: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    return {m._meta.label: m._default_manager.using(alias).count() for m in _models()}


def newest_event(alias: str = DEFAULT_DB_ALIAS) -> tuple[datetime | None, int]:

    last = AuditEvent.objects.using(alias).order_by("-seq").values_list("occurred_at", "seq").first()
    return (last[0], int(last[1])) if last else (None, 0)


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = {**os.environ, "PGHOST": str(db.get("HOST") or "127.0.0.1"), "PGPORT": str(db.get("PORT") or 5432),
           "PGUSER": str(db.get("USER") or "postgres")}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _run(command: list[str], env: dict[str, str] | None = None,
         timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603


def take_backup(*, directory: Path | None = None, alias: str = DEFAULT_DB_ALIAS,
                now: datetime | None = None) -> tuple[Path, Manifest]:
    """Write a backup of the database and its manifest; returns the backup's path and manifest."""
    directory = Path(directory or settings.BACKUP_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    now = now or datetime.now(UTC)
    stamp = now.strftime("%Y%m%dT%H%M%S%fZ")
    conn = connections[alias]
    db = conn.settings_dict
    # What the backup must hold at least: read before it is taken (rows written meanwhile only add to it).
    before_counts, (newest, seq) = counts(alias), newest_event(alias)
    if conn.vendor == "postgresql":
        path = directory / f"kuyakusho-{stamp}.dump"
        done = _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(path), str(db["NAME"])],
                    env=_pg_env(db))
        if done.returncode != 0:
            path.unlink(missing_ok=True)
            raise DrillFailed(f"pg_dump failed: {done.stderr.strip()[-500:]}")
    elif conn.vendor == "sqlite":
        path = directory / f"kuyakusho-{stamp}.sqlite3"
        conn.ensure_connection()
        target = sqlite3.connect(path)
        try:
            conn.connection.backup(target)  # SQLite's online backup, consistent while others write
        finally:
            target.close()
    else:  # pragma: no cover - only the two supported engines
        raise DrillFailed(f"no backup method for {conn.vendor}")
    manifest = Manifest(backup=path.name, engine=conn.vendor, sha256=_sha256(path), taken_at=now.isoformat(),
                        newest_event_at=newest.isoformat() if newest else None, audit_seq=seq,
                        counts=before_counts)
    manifest.write(path.with_name(path.name + ".json"))
    return path, manifest


def latest_backup(directory: Path | None = None) -> Path:
    directory = Path(directory or settings.BACKUP_DIR)
    found = sorted(p for p in directory.glob("kuyakusho-*") if p.suffix in (".dump", ".sqlite3"))
    if not found:
        raise DrillFailed(f"no backup in {directory}")
    return found[-1]


@dataclass
class DrillReport:
    backup: str
    steps: list[tuple[str, str]] = field(default_factory=list)
    rpo_seconds: float | None = None
    rto_seconds: float = 0.0

    def ok(self, step: str, detail: str = "") -> None:
        self.steps.append((step, detail))


def _restore_postgresql(path: Path, db: dict[str, Any], scratch: str) -> dict[str, Any]:
    env = _pg_env(db)
    _run(["dropdb", "--if-exists", scratch], env=env)
    made = _run(["createdb", scratch], env=env)
    if made.returncode != 0:
        raise DrillFailed(f"createdb {scratch} failed: {made.stderr.strip()[-300:]}")
    restored = _run(["pg_restore", "--exit-on-error", "--no-owner", "--dbname", scratch, str(path)], env=env)
    if restored.returncode != 0:
        raise DrillFailed(f"pg_restore failed: {restored.stderr.strip()[-500:]}")
    return {**db, "NAME": scratch, "TEST": {}, "OPTIONS": {k: v for k, v in db.get("OPTIONS", {}).items()
                                                           if k != "pool"}}


def _restore_sqlite(path: Path, db: dict[str, Any], scratch_dir: Path) -> dict[str, Any]:
    target = scratch_dir / "restored.sqlite3"
    shutil.copyfile(path, target)
    try:
        check = sqlite3.connect(target)
        try:
            result = check.execute("PRAGMA integrity_check").fetchone()
        finally:
            check.close()
    except sqlite3.DatabaseError as exc:
        raise DrillFailed(f"the SQLite backup is not a database: {exc}") from exc
    if not result or result[0] != "ok":
        raise DrillFailed(f"the SQLite backup fails its integrity check: {result}")
    return {**db, "NAME": str(target), "TEST": {}}


def _database_url(db: dict[str, Any]) -> str:
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"

    return database_url(db)


def _manage(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return _run([sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args], env={**os.environ, **env},
                timeout=1800)


def restore_check(*, backup: Path | None = None, directory: Path | None = None, serve: bool = True,
                  keep: bool = False, say: Callable[[str], None] = lambda _: None) -> DrillReport:
    """Restore ``backup`` (default: the newest) into a scratch database and check it (module docstring)."""
    started = time.monotonic()
    path = Path(backup) if backup else latest_backup(directory)
    manifest = Manifest.read(path.with_name(path.name + ".json"))
    report = DrillReport(backup=path.name)
    if not path.is_file():
        raise DrillFailed(f"the backup {path.name} is missing")
    if _sha256(path) != manifest.sha256:
        raise DrillFailed(f"the backup {path.name} does not match its SHA-256 (corrupt or altered)")
    report.ok("sha256", manifest.sha256[:16])
    say(f"backup {path.name}: SHA-256 matches")
    source = connections[DEFAULT_DB_ALIAS].settings_dict
    scratch_dir = Path(tempfile.mkdtemp(prefix="kuyakusho-restore-"))
    scratch_name = f"{source['NAME']}_restore"[:63] if manifest.engine == "postgresql" else ""
    restored: dict[str, Any] | None = None
    try:
        if manifest.engine == "postgresql":
            restored = _restore_postgresql(path, source, scratch_name)
        else:
            restored = _restore_sqlite(path, source, scratch_dir)
        report.ok("restore", manifest.engine)
        say(f"restored into a scratch database ({manifest.engine})")
        env = {"DATABASE_URL": _database_url(restored), "DATABASE_POOL": "0", "LOG_LEVEL": "WARNING",
               "AUDIT_CHECKPOINT_DIR": str(settings.AUDIT_CHECKPOINT_DIR), "SECRET_KEY": settings.SECRET_KEY}
        if getattr(settings, "KUYAKUSHO_WARD_KEY_DIR", None):
            env["KUYAKUSHO_WARD_KEY_DIR"] = str(settings.KUYAKUSHO_WARD_KEY_DIR)
        else:

            env["KUYAKUSHO_WARD_KEY_DIR"] = str(key_directory())
        migrated = _manage(["migrate", "--check", "--noinput"], env)
        if migrated.returncode != 0:
            raise DrillFailed(f"migrate --check: unapplied migrations or errors: {migrated.stdout[-300:]}"
                              f"{migrated.stderr[-300:]}")
        report.ok("migrate --check")
        say("migrate --check: every migration applied")
        verified = _manage(["audit_verify", "--lang", "en"], env)
        if verified.returncode != 0:
            raise DrillFailed(f"audit_verify failed: {verified.stderr.strip()[-800:]}")
        report.ok("audit_verify", verified.stdout.strip().splitlines()[0] if verified.stdout.strip() else "")
        say(f"audit_verify: {verified.stdout.strip()}")
        inspected = _manage(["restore_inspect"], env)
        try:
            found_state = json.loads(inspected.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError) as exc:
            raise DrillFailed(f"the restored database cannot be read: {inspected.stderr.strip()[-500:]}") from exc
        found: dict[str, int] = found_state["counts"]
        short = {label: (n, found.get(label, 0)) for label, n in manifest.counts.items() if found.get(label, 0) < n}
        if short:
            raise DrillFailed(f"rows missing after the restore (source, restored): {short}")
        report.ok("row counts", ", ".join(f"{k.split('.')[-1]}={v}" for k, v in found.items()))
        say("row counts: " + ", ".join(f"{k.split('.')[-1]}={v}" for k, v in found.items()))
        if found_state["audit_seq"] < manifest.audit_seq:
            raise DrillFailed(f"the audit trail ends at seq {found_state['audit_seq']}, "
                              f"the source had {manifest.audit_seq}")
        if not found_state["certificate_ok"]:
            raise DrillFailed(found_state["certificate"])
        report.ok("certificate", found_state["certificate"])
        say(f"certificate: {found_state['certificate']}")
        newest = datetime.fromisoformat(found_state["newest_event_at"]) if found_state["newest_event_at"] else None
        if serve:
            _serve(env, scratch_dir, report, say)
        report.rto_seconds = time.monotonic() - started
        report.rpo_seconds = (datetime.now(UTC) - newest).total_seconds() if newest else None
        return report
    finally:
        if restored is not None and manifest.engine == "postgresql" and not keep:
            _run(["dropdb", "--if-exists", scratch_name], env=_pg_env(source))
        if not keep:
            shutil.rmtree(scratch_dir, ignore_errors=True)


def check_certificate(alias: str = DEFAULT_DB_ALIAS) -> str:

    issuance = Issuance.objects.using(alias).filter(pdf__isnull=False).order_by("-id").first()
    if issuance is None or issuance.pdf is None:
        return "no stored certificate to verify"
    pdf = bytes(issuance.pdf)
    if hashlib.sha256(pdf).hexdigest() != issuance.pdf_sha256:
        raise DrillFailed(f"certificate {issuance.number}: the stored PDF does not match its SHA-256")
    result = verify_pdf(pdf)
    if not result.valid or result.verification_code != issuance.verification_code:
        raise DrillFailed(f"certificate {issuance.number}: signature check failed ({result.problem})")
    return f"{issuance.number} signed by the ward's key, intact"


def _serve(env: dict[str, str], scratch_dir: Path, report: DrillReport, say: Callable[[str], None]) -> None:
    import requests

    server = start_server(env, log_dir=scratch_dir)
    try:
        ready = requests.get(f"{server.url}/readyz", timeout=30)
        if ready.status_code != 200:
            raise DrillFailed(f"the restored instance is not ready: {ready.text[:300]}")
        report.ok("serving", "/readyz 200")
        say("a server on the restored database answers /readyz: ready")
    finally:
        server.stop()
