"""Liveness and readiness, for the reverse proxy, the orchestrator and the operator.

``/healthz``: the process answers (no database, no file): restart it when this fails.
``/readyz``: it can serve: the database answers, every migration is applied, and the ward's key (which signs
certificates and audit checkpoints) can be read and matches its certificate, which has not expired. Send
traffic only while this answers 200; a 503 names the checks that failed (never a path, a value or a secret).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from kuyakusho.core.wardkey import key_directory, ward_key

_migrated: set[str] = set()  # aliases known to be fully migrated (migrations are never unapplied under us)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


def check_database(alias: str = DEFAULT_DB_ALIAS) -> Check:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure to reach it: the check reports it, readiness is refused
        return Check("database", False, exc.__class__.__name__)
    return Check("database", True)


def check_migrations(alias: str = DEFAULT_DB_ALIAS) -> Check:
    if alias in _migrated:
        return Check("migrations", True)
    try:
        executor = MigrationExecutor(connections[alias])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # a database that cannot be read for its migrations is not ready
        return Check("migrations", False, exc.__class__.__name__)
    if plan:
        return Check("migrations", False, f"{len(plan)} unapplied")
    _migrated.add(alias)
    return Check("migrations", True)


def check_ward_key() -> Check:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    from django.conf import settings

    if settings.DEMO_MODE:
        ward_key()  # the demo ward makes its demo key on first use, as certificates would
    directory = key_directory()
    if not (directory / "key.pem").is_file() or not (directory / "cert.pem").is_file():
        return Check("ward_key", False, "missing")
    try:
        key = ward_key()
        public = key.private_key.public_key()  # type: ignore[attr-defined]
    except Exception as exc:  # unreadable or malformed
        return Check("ward_key", False, exc.__class__.__name__)
    fmt = (Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    if public.public_bytes(*fmt) != key.certificate.public_key().public_bytes(*fmt):
        return Check("ward_key", False, "key and certificate differ")
    if key.certificate.not_valid_after_utc <= datetime.now(UTC):
        return Check("ward_key", False, "certificate expired")
    return Check("ward_key", True)


def readiness() -> list[Check]:
    database = check_database()
    checks = [database, check_migrations() if database.ok else Check("migrations", False, "no database")]
    checks.append(check_ward_key())
    return checks
