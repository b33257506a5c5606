"""The database's own refusal to change or remove audit rows (migrations 0002 and 0004).

UPDATE of a row is refused on SQLite and PostgreSQL, DELETE too, and PostgreSQL refuses TRUNCATE of the
table. Someone who owns the database can still drop the triggers first; the hash chain and the signed
checkpoints outside the database (:mod:`kuyakusho.audit.checkpoints`) show what they did.

One door stays: Django's test runner empties every table after a transactional test (DELETE on SQLite,
TRUNCATE on PostgreSQL). Test suites open it with :func:`allow_flush`, which is read on each connection:
on SQLite the DELETE trigger asks the connection's ``audit_trail_flush_allowed()`` (registered here, 0
unless allowed; a connection without it, such as the ``sqlite3`` shell, cannot delete either), on
PostgreSQL the TRUNCATE trigger lets through a session with ``kuyakusho.audit_trail_flush = 'allow'``.
Nothing in the application calls :func:`allow_flush`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

_flush_allowed = False

#: The PostgreSQL setting that lets a session truncate the trail (tests only).
FLUSH_SETTING = "kuyakusho.audit_trail_flush"


def allow_flush(allowed: bool = True) -> None:
    """Let connections opened from now on (and SQLite connections already open) empty the trail: tests only."""
    global _flush_allowed
    _flush_allowed = allowed


def flush_allowed() -> bool:
    return _flush_allowed


def on_connection_created(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("audit_trail_flush_allowed", 0, lambda: int(_flush_allowed))
    elif connection.vendor == "postgresql" and _flush_allowed:
        connection.connection.execute(f"SET {FLUSH_SETTING} = 'allow'")
