"""The platform's one hand-written statement: the yearly counter (``next_in_year``).

A 受付番号 or 交付番号 is the next number of its fiscal year, taken with one ``UPDATE … RETURNING`` that
also locks the year's row until the caller's transaction ends (the ORM's ``update()`` returns a row count,
not the new value; ``select_for_update()`` and then ``update(F(...))`` would be two statements for every
notification and certificate, with the counter — every notification's last lock — held for both). It is
written from the model's own metadata and runs on Django's cursor, as every other query does. Everything
else in the register, seals, certificates and the audit trail goes through the ORM.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, transaction

from .models import FiscalYearCounter


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column
    return field.column


def next_in_year(model: type[FiscalYearCounter], year: int, *, durable: bool = True) -> int | None:
    """Add one to ``model``'s counter for ``year`` (a ``core.models.FiscalYearCounter``) and return it; the
    year's row is created at 1 if it has none. One ``UPDATE … RETURNING`` (PostgreSQL, SQLite ≥ 3.35),
    which locks the row until the caller's transaction ends. ``durable=False``: on PostgreSQL, the
    transaction's commit does not wait for the disk (``SET LOCAL synchronous_commit`` as a function in the
    same statement). None if the row could not be taken (three creations lost to other processes).
    """
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    table, year_col, last = (quote(model._meta.db_table), quote(_column(model, "fiscal_year")),
                             quote(_column(model, "last")))
    also = ""
    if not durable and connection.vendor == "postgresql":
        also = ", set_config('synchronous_commit', 'off', true)"
    sql = f"UPDATE {table} SET {last} = {last} + 1 WHERE {year_col} = %s RETURNING {last}{also}"  # noqa: S608
    for _attempt in range(3):
        with connection.cursor() as cursor:
            cursor.execute(sql, [year])
            row = cursor.fetchone()
        if row is not None:
            return int(row[0])
        try:
            with transaction.atomic():
                model._default_manager.create(fiscal_year=year, last=1)
            return 1
        except IntegrityError:  # another process opened the year first: take the next number
            continue
    return None
