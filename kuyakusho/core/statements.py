"""The register's one hand-written statement: the yearly counter (``next_in_year``).

A 受付番号 or 交付番号 is the next number of its fiscal year, taken with one ``UPDATE … RETURNING`` that
also locks the year's row until the caller's transaction ends (the ORM's ``update()`` returns a row count,
not the new value; ``select_for_update()`` and then ``update(F(...))`` would be two statements for every
notification and certificate, with the counter — every notification's last lock — held for both). It is
written from the model's own metadata and runs on Django's cursor, as every other query does.

Until ``certificates.services`` and ``audit.services`` run on the ORM too, the older helpers below stay
for them (``cached``, ``run``, ``execute``, ``placeholders``, ``names``, ``columns``, ``loader``,
``load_joined``, ``insert``); nothing in the register or the seal register uses them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from weakref import WeakKeyDictionary

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX

_CACHE: WeakKeyDictionary = WeakKeyDictionary()  # per connection: SQL text, and converters bound to it


def cached(key: tuple, build: Callable[[BaseDatabaseWrapper], Any]) -> tuple[BaseDatabaseWrapper, Any]:
    """The default connection and ``build(connection)``, built once per connection and ``key``."""
    wrapper = connections[DEFAULT_DB_ALIAS]
    cache = _CACHE.get(wrapper)
    if cache is None:
        cache = _CACHE[wrapper] = {}
    if key not in cache:
        cache[key] = build(wrapper)
    return wrapper, cache[key]


_DRIVER_SQL: dict[str, str] = {}  # SQLite: the statements with the driver's own "?" placeholders


@contextmanager
def run(wrapper: BaseDatabaseWrapper, sql: str, params: Sequence[Any]) -> Iterator[Any]:
    """A cursor that has run ``sql`` (written with ``%s`` placeholders, as for Django's cursors).

    When nothing watches the connection's queries (no ``execute_wrapper``, no DEBUG query log), the
    driver's own cursor runs it: Django's cursor wrapper costs 20–30 µs a statement (on SQLite, the
    placeholders rewritten every time), as much as SQLite takes to run a primary-key look-up. Errors are
    Django's either way; otherwise (tests counting queries, debugging tools) Django's cursor runs it.
    """
    if wrapper.execute_wrappers or wrapper.queries_logged:
        with wrapper.cursor() as cursor:
            cursor.execute(sql, params)
            yield cursor
        return
    wrapper.ensure_connection()
    wrapper.validate_no_broken_transaction()
    raw = _DRIVER_SQL.get(sql) if wrapper.vendor == "sqlite" else sql
    if raw is None:
        raw = _DRIVER_SQL[sql] = FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")  # as SQLiteCursorWrapper
    with wrapper.wrap_database_errors:
        cursor = wrapper.connection.cursor()
        try:
            cursor.execute(raw, params)
            yield cursor
        finally:
            cursor.close()


def execute(wrapper: BaseDatabaseWrapper, sql: str, params: Sequence[Any]) -> None:
    """Run ``sql`` (as :func:`run`), for a statement whose rows and row count nobody reads."""
    with run(wrapper, sql, params):
        pass


def placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def names(wrapper: BaseDatabaseWrapper, model: type[models.Model], *fields: str) -> list[str]:
    """Quoted table name, then the quoted columns of ``fields`` ("pk" for the primary key)."""
    meta, quote = model._meta, wrapper.ops.quote_name
    return [quote(meta.db_table),
            *(quote(meta.pk.column if f == "pk" else meta.get_field(f).column) for f in fields)]


def columns(wrapper: BaseDatabaseWrapper, model: type[models.Model], only: Sequence[str] | None = None) -> str:
    """The columns of ``model`` (or of the fields ``only``), qualified by its table: a select list."""
    table = wrapper.ops.quote_name(model._meta.db_table)
    return ", ".join(f"{table}.{wrapper.ops.quote_name(f.column)}" for f in _fields(model, only))


def _fields(model: type[models.Model], only: Sequence[str] | None) -> list:
    return list(model._meta.concrete_fields) if only is None else [model._meta.get_field(f) for f in only]


def loader(wrapper: BaseDatabaseWrapper, model: type[models.Model], only: Sequence[str] | None = None):
    """``SELECT <columns> FROM <table>``, the attribute names, and the columns' database converters."""
    fields = _fields(model, only)
    converters = []
    for i, field in enumerate(fields):
        col = field.get_col(model._meta.db_table)
        found = wrapper.ops.get_db_converters(col) + col.get_db_converters(wrapper)
        if found:
            converters.append((i, found, col))
    select = f"SELECT {columns(wrapper, model, only)} FROM {wrapper.ops.quote_name(model._meta.db_table)}"  # noqa: S608
    return select, [f.attname for f in fields], converters


def load_joined(wrapper: BaseDatabaseWrapper, model_list: Sequence[type[models.Model]], sql: str,
                params: Sequence[Any], *, last: Sequence[str] | None = None) -> list[tuple[models.Model, ...]]:
    """Run ``sql``, which selects the ``columns`` of each model in turn (a join), and make one instance of each
    per row, as ``select_related`` would (the caller links them). ``last``: the fields selected of the last
    model, if not all of them (a deferred instance; from an outer join, its fields may all be None)."""
    onlies = [None] * (len(model_list) - 1) + [tuple(last) if last is not None else None]
    parts = [cached((model, "load", only), lambda w, m=model, o=only: loader(w, m, o))[1]
             for model, only in zip(model_list, onlies, strict=True)]
    with run(wrapper, sql, params) as cursor:
        rows = cursor.fetchall()
    result = []
    for row in rows:
        objs, offset = [], 0
        for model, (_select, attnames, converters) in zip(model_list, parts, strict=True):
            values = list(row[offset:offset + len(attnames)])
            offset += len(attnames)
            for i, functions, col in converters:
                for convert in functions:
                    values[i] = convert(values[i], col, wrapper)
            objs.append(model.from_db(wrapper.alias, attnames, values))
        result.append(tuple(objs))
    return result


def insert_fields(model: type[models.Model]) -> list:
    meta = model._meta
    return [f for f in meta.concrete_fields if f is not meta.auto_field]


def insert(objs: Sequence[models.Model], *, ids: bool = True) -> None:
    """``Model.objects.bulk_create(objs)`` of new rows of one model: one INSERT … RETURNING the ids, which
    are set on the objects (in order), with the fields' defaults, ``auto_now`` times and adaptations.

    ``ids=False``: no RETURNING and the objects keep no id, for rows nothing reads back in this
    transaction.
    """
    if not objs:
        return
    model = type(objs[0])

    def build(w):
        table, pk = names(w, model, "pk")
        columns = ", ".join(w.ops.quote_name(f.column) for f in insert_fields(model))
        row = f"({placeholders(len(insert_fields(model)))})"
        sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(objs))}"  # noqa: S608
        return insert_fields(model), sql + (f" RETURNING {pk}" if ids else "")

    wrapper, (fields, sql) = cached((model, "insert", len(objs), ids), build)
    values: list[Any] = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        values += [f.get_db_prep_save(f.pre_save(obj, add=True), wrapper) for f in fields]
    with run(wrapper, sql, values) as cursor:
        if not ids:
            return
        pks = [r[0] for r in cursor.fetchall()]
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = wrapper.alias


def next_in_year(model: type[models.Model], year: int, *, durable: bool = True) -> int | None:
    """Add one to ``model``'s counter for ``year`` (a ``core.models.FiscalYearCounter``) and return it; the
    year's row is created at 1 if it has none. One ``UPDATE … RETURNING`` (PostgreSQL, SQLite ≥ 3.35),
    which locks the row until the caller's transaction ends. ``durable=False``: on PostgreSQL, the
    transaction's commit does not wait for the disk (``SET LOCAL synchronous_commit`` as a function in the
    same statement). None if the row could not be taken (three creations lost to other processes).
    """
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    table, year_col, last = (quote(model._meta.db_table), quote(model._meta.get_field("fiscal_year").column),
                             quote(model._meta.get_field("last").column))
    also = ""
    if not durable and connection.vendor == "postgresql":
        also = ", set_config('synchronous_commit', 'off', true)"
    sql = f"UPDATE {table} SET {last} = {last} + 1 WHERE {year_col} = %s RETURNING {last}{also}"  # noqa: S608
    for _attempt in range(3):
        with connection.cursor() as cursor:
            cursor.execute(sql, [year])
            row = cursor.fetchone()
        if row is not None:
            return row[0]
        try:
            with transaction.atomic():
                model.objects.create(fiscal_year=year, last=1)
            return 1
        except IntegrityError:  # another process opened the year first: take the next number
            continue
    return None
