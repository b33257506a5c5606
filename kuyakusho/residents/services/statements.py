"""The look-ups and updates every notification runs, as SQL written once per process.

Building and compiling a Django query costs several times what SQLite or PostgreSQL take to run these
primary-key and index look-ups, and each notification runs several. Each function below runs exactly the
ORM expression in its docstring — same rows, same order, same locks (``FOR NO KEY UPDATE`` on PostgreSQL;
SQLite has no row locks: its write transaction holds the database) — and loads model instances through
the fields' own database converters, as a queryset would. ``test_statements`` checks each against the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from weakref import WeakKeyDictionary

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

from ..models import Household, Resident, Status

_CACHE: WeakKeyDictionary = WeakKeyDictionary()  # per connection: SQL text, and converters bound to it


def _cached(key: tuple, build: Callable[[BaseDatabaseWrapper], Any]) -> tuple[BaseDatabaseWrapper, Any]:
    """The default connection and ``build(connection)``, built once per connection and ``key``."""
    wrapper = connections[DEFAULT_DB_ALIAS]
    cache = _CACHE.get(wrapper)
    if cache is None:
        cache = _CACHE[wrapper] = {}
    if key not in cache:
        cache[key] = build(wrapper)
    return wrapper, cache[key]


def _placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def _names(wrapper: BaseDatabaseWrapper, model: type[models.Model], *fields: str) -> list[str]:
    """Quoted table name, then the quoted columns of ``fields`` ("pk" for the primary key)."""
    meta, quote = model._meta, wrapper.ops.quote_name
    return [quote(meta.db_table),
            *(quote(meta.pk.column if f == "pk" else meta.get_field(f).column) for f in fields)]


def _for_no_key_update(wrapper: BaseDatabaseWrapper) -> str:
    if not wrapper.features.has_select_for_update:
        return ""
    return " FOR NO KEY UPDATE" if wrapper.features.has_select_for_no_key_update else " FOR UPDATE"


def _loader(wrapper: BaseDatabaseWrapper, model: type[models.Model]):
    """``SELECT <every column> FROM <table>``, the attribute names, and the columns' database converters."""
    fields = model._meta.concrete_fields
    table = wrapper.ops.quote_name(model._meta.db_table)
    columns = ", ".join(f"{table}.{wrapper.ops.quote_name(f.column)}" for f in fields)
    converters = []
    for i, field in enumerate(fields):
        col = field.get_col(model._meta.db_table)
        found = wrapper.ops.get_db_converters(col) + col.get_db_converters(wrapper)
        if found:
            converters.append((i, found, col))
    return f"SELECT {columns} FROM {table}", [f.attname for f in fields], converters  # noqa: S608 (names)


def _load(wrapper: BaseDatabaseWrapper, model: type[models.Model], sql: str, params: Sequence[Any]):
    """Run ``sql`` (which selects the columns of ``_loader``) and make instances, as a queryset would."""
    _wrapper, (_select, attnames, converters) = _cached((model, "load"), lambda w: _loader(w, model))
    with wrapper.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    result = []
    for row in rows:
        if converters:
            row = list(row)
            for i, functions, col in converters:
                for convert in functions:
                    row[i] = convert(row[i], col, wrapper)
        result.append(model.from_db(wrapper.alias, attnames, row))
    return result


def lock_households_of(resident_ids: Sequence[int]) -> list[Household]:
    """``Household.objects.select_for_update(no_key=True)
    .filter(pk__in=Resident.objects.filter(pk__in=resident_ids).values("household_id")).order_by("pk")``"""
    if not resident_ids:
        return []

    def build(w):
        select = _loader(w, Household)[0]
        household, household_pk = _names(w, Household, "pk")
        resident, resident_pk, household_id = _names(w, Resident, "pk", "household")
        return (f"{select} WHERE {household}.{household_pk} IN (SELECT {household_id} FROM {resident} "  # noqa: S608
                f"WHERE {resident_pk} IN ({_placeholders(len(resident_ids))})) "
                f"ORDER BY {household}.{household_pk} ASC{_for_no_key_update(w)}")

    wrapper, sql = _cached(("lock_households_of", len(resident_ids)), build)
    return _load(wrapper, Household, sql, list(resident_ids))


def lock_household(household_id: int) -> Household | None:
    """``Household.objects.select_for_update(no_key=True).filter(pk=household_id).first()``"""

    def build(w):
        table, pk = _names(w, Household, "pk")
        return f"{_loader(w, Household)[0]} WHERE {table}.{pk} = %s ORDER BY {table}.{pk} ASC LIMIT 1" + (
            _for_no_key_update(w))

    wrapper, sql = _cached(("lock_household",), build)
    found = _load(wrapper, Household, sql, [household_id])
    return found[0] if found else None


def taken_identifiers(field: str, values: Sequence[str], exclude_id: int | None = None) -> set[str]:
    """``set(Resident.objects.filter(**{f"{field}__in": values}).exclude(**{field: ""})
    .exclude(pk=exclude_id).values_list(field, flat=True))`` (no pk exclusion when ``exclude_id`` is None).

    The ``<> ''`` is the partial unique index's own condition, so that SQLite uses that index."""
    if not values:
        return set()

    def build(w):
        table, pk, column = _names(w, Resident, "pk", field)
        sql = (f"SELECT {column} FROM {table} WHERE {column} IN ({_placeholders(len(values))}) "  # noqa: S608
               f"AND NOT ({column} = '')")
        return sql + (f" AND NOT ({pk} = %s)" if exclude_id is not None else "")

    wrapper, sql = _cached(("taken_identifiers", field, len(values), exclude_id is None), build)
    with wrapper.cursor() as cursor:
        cursor.execute(sql, [*values, *([] if exclude_id is None else [exclude_id])])
        return {row[0] for row in cursor.fetchall()}


def lock_residents_and_members(resident_ids: Sequence[int], household_id: int | None) -> list[Resident]:
    """``Resident.objects.select_for_update(no_key=True)
    .filter(Q(pk__in=resident_ids) | Q(household_id=household_id, status=Status.ACTIVE)).order_by("pk")``
    (without the second condition when ``household_id`` is None)."""

    def build(w):
        table, pk, household, status = _names(w, Resident, "pk", "household", "status")
        where = f"{table}.{pk} IN ({_placeholders(len(resident_ids))})" if resident_ids else "1 = 0"
        if household_id is not None:
            where = f"({where} OR ({table}.{household} = %s AND {table}.{status} = %s))"
        return f"{_loader(w, Resident)[0]} WHERE {where} ORDER BY {table}.{pk} ASC{_for_no_key_update(w)}"

    wrapper, sql = _cached(("lock_residents_and_members", len(resident_ids), household_id is None), build)
    params: list[Any] = list(resident_ids)
    if household_id is not None:
        params += [household_id, Status.ACTIVE.value]
    return _load(wrapper, Resident, sql, params)


def head_name(household_id: int) -> str:
    """``Resident.objects.filter(household_id=household_id, is_head=True).order_by("status", "-pk")
    .values_list("name", flat=True).first() or ""``: the active head's name, else the last head's."""

    def build(w):
        table, pk, name, household, is_head, status = _names(w, Resident, "pk", "name", "household", "is_head",
                                                             "status")
        return (f"SELECT {name} FROM {table} WHERE {household} = %s AND {is_head} = %s "  # noqa: S608
                f"ORDER BY {status} ASC, {pk} DESC LIMIT 1")

    wrapper, sql = _cached(("head_name",), build)
    with wrapper.cursor() as cursor:
        cursor.execute(sql, [household_id, True])
        row = cursor.fetchone()
    return (row[0] if row else None) or ""


def bump_versions(resident_ids: Sequence[int]) -> None:
    """``Resident.objects.filter(pk__in=resident_ids).update(version=F("version") + 1)``"""
    if not resident_ids:
        return

    def build(w):
        table, pk, version = _names(w, Resident, "pk", "version")
        return (f"UPDATE {table} SET {version} = {version} + 1 "  # noqa: S608
                f"WHERE {pk} IN ({_placeholders(len(resident_ids))})")

    wrapper, sql = _cached(("bump_versions", len(resident_ids)), build)
    with wrapper.cursor() as cursor:
        cursor.execute(sql, list(resident_ids))


def _insert_fields(model: type[models.Model]) -> list:
    meta = model._meta
    return [f for f in meta.concrete_fields if f is not meta.auto_field]


def insert(objs: Sequence[models.Model]) -> None:
    """``Model.objects.bulk_create(objs)`` of new rows of one model: one INSERT … RETURNING the ids, which
    are set on the objects (in order), with the fields' defaults, ``auto_now`` times and adaptations."""
    if not objs:
        return
    model = type(objs[0])

    def build(w):
        table, pk = _names(w, model, "pk")
        columns = ", ".join(w.ops.quote_name(f.column) for f in _insert_fields(model))
        row = f"({_placeholders(len(_insert_fields(model)))})"
        return (_insert_fields(model),
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(objs))} RETURNING {pk}")  # noqa: S608

    wrapper, (fields, sql) = _cached((model, "insert", len(objs)), build)
    values: list[Any] = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        values += [f.get_db_prep_save(f.pre_save(obj, add=True), wrapper) for f in fields]
    with wrapper.cursor() as cursor:
        cursor.execute(sql, values)
        ids = [r[0] for r in cursor.fetchall()]
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = wrapper.alias


def update(obj: models.Model, names: Sequence[str]) -> None:
    """``obj.save(update_fields=names)`` of an existing (locked) row; list ``auto_now`` fields to set them."""
    model, names = type(obj), tuple(names)

    def build(w):
        table, pk, *columns = _names(w, model, "pk", *names)
        return ([model._meta.get_field(name) for name in names],
                f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in columns)} WHERE {pk} = %s")  # noqa: S608

    wrapper, (fields, sql) = _cached((model, "update", names), build)
    obj._prepare_related_fields_for_save(operation_name="save", fields=fields)
    values = [f.get_db_prep_save(f.pre_save(obj, add=False), wrapper) for f in fields]
    with wrapper.cursor() as cursor:
        cursor.execute(sql, [*values, obj._meta.pk.get_db_prep_value(obj.pk, wrapper)])
        if cursor.rowcount != 1:
            raise DatabaseError(f"{obj._meta.label} {obj.pk}: the update did not affect one row.")
