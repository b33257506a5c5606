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

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, models

from ..models import Household, Resident, Status


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def _for_no_key_update() -> str:
    if not connection.features.has_select_for_update:
        return ""
    return " FOR NO KEY UPDATE" if connection.features.has_select_for_no_key_update else " FOR UPDATE"


_LOADERS: WeakKeyDictionary = WeakKeyDictionary()  # per connection (converters are bound to its operations)


def _loader(model: type[models.Model]) -> tuple[str, list[str], list[tuple[int, list[Callable], Any]]]:
    """The column list of ``model`` and, per column that has them, its database converters."""
    wrapper = connections[DEFAULT_DB_ALIAS]
    loaders = _LOADERS.setdefault(wrapper, {})
    if model not in loaders:
        fields = model._meta.concrete_fields
        columns = ", ".join(f"{_quote(model._meta.db_table)}.{_quote(f.column)}" for f in fields)
        converters = []
        for i, field in enumerate(fields):
            col = field.get_col(model._meta.db_table)
            found = wrapper.ops.get_db_converters(col) + col.get_db_converters(wrapper)
            if found:
                converters.append((i, found, col))
        loaders[model] = (columns, [f.attname for f in fields], converters)
    return loaders[model]


def _select(model: type[models.Model], where: str, params: Sequence[Any], *, order: str = "",
            lock: bool = False) -> list[models.Model]:
    columns, attnames, converters = _loader(model)
    sql = f"SELECT {columns} FROM {_quote(model._meta.db_table)} WHERE {where}{order}"  # noqa: S608 (names)
    if lock:
        sql += _for_no_key_update()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    result = []
    for row in rows:
        if converters:
            row = list(row)
            for i, functions, col in converters:
                for convert in functions:
                    row[i] = convert(row[i], col, connection)
        result.append(model.from_db(connection.alias, attnames, row))
    return result


def lock_households_of(resident_ids: Sequence[int]) -> list[Household]:
    """``Household.objects.select_for_update(no_key=True)
    .filter(pk__in=Resident.objects.filter(pk__in=resident_ids).values("household_id")).order_by("pk")``"""
    if not resident_ids:
        return []
    r = Resident._meta
    household_id = _quote(r.get_field("household").column)
    where = (f"{_quote(Household._meta.db_table)}.{_quote(Household._meta.pk.column)} IN "  # noqa: S608 (names)
             f"(SELECT {household_id} FROM {_quote(r.db_table)} WHERE {_quote(r.pk.column)} IN "
             f"({_placeholders(len(resident_ids))}))")
    order = f" ORDER BY {_quote(Household._meta.db_table)}.{_quote(Household._meta.pk.column)} ASC"
    return _select(Household, where, list(resident_ids), order=order, lock=True)


def lock_residents_and_members(resident_ids: Sequence[int], household_id: int | None) -> list[Resident]:
    """``Resident.objects.select_for_update(no_key=True)
    .filter(Q(pk__in=resident_ids) | Q(household_id=household_id, status=Status.ACTIVE)).order_by("pk")``
    (without the second condition when ``household_id`` is None)."""
    r = Resident._meta
    table, pk = _quote(r.db_table), _quote(r.pk.column)
    where = f"{table}.{pk} IN ({_placeholders(len(resident_ids))})" if resident_ids else "1 = 0"
    params: list[Any] = list(resident_ids)
    if household_id is not None:
        where = (f"({where} OR ({table}.{_quote(r.get_field('household').column)} = %s "
                 f"AND {table}.{_quote(r.get_field('status').column)} = %s))")
        params += [household_id, Status.ACTIVE.value]
    return _select(Resident, where, params, order=f" ORDER BY {table}.{pk} ASC", lock=True)


def head_name(household_id: int) -> str:
    """``Resident.objects.filter(household_id=household_id, is_head=True).order_by("status", "-pk")
    .values_list("name", flat=True).first() or ""``: the active head's name, else the last head's."""
    r = Resident._meta
    column = {name: _quote(r.get_field(name).column) for name in ("name", "household", "is_head", "status")}
    sql = (f"SELECT {column['name']} FROM {_quote(r.db_table)} "  # noqa: S608 (names)
           f"WHERE {column['household']} = %s AND {column['is_head']} = %s "
           f"ORDER BY {column['status']} ASC, {_quote(r.pk.column)} DESC LIMIT 1")
    with connection.cursor() as cursor:
        cursor.execute(sql, [household_id, True])
        row = cursor.fetchone()
    return (row[0] if row else None) or ""


def bump_versions(resident_ids: Sequence[int]) -> None:
    """``Resident.objects.filter(pk__in=resident_ids).update(version=F("version") + 1)``"""
    if not resident_ids:
        return
    r = Resident._meta
    version = _quote(r.get_field("version").column)
    sql = (f"UPDATE {_quote(r.db_table)} SET {version} = {version} + 1 "  # noqa: S608 (names)
           f"WHERE {_quote(r.pk.column)} IN ({_placeholders(len(resident_ids))})")
    with connection.cursor() as cursor:
        cursor.execute(sql, list(resident_ids))


def insert(objs: Sequence[models.Model]) -> None:
    """``Model.objects.bulk_create(objs)`` of new rows of one model: one INSERT … RETURNING the ids, which
    are set on the objects (in order), with the fields' defaults, ``auto_now`` times and adaptations."""
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    fields = [f for f in meta.concrete_fields if f is not meta.auto_field]
    values: list[Any] = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        values += [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
    row = f"({_placeholders(len(fields))})"
    sql = (f"INSERT INTO {_quote(meta.db_table)} ({', '.join(_quote(f.column) for f in fields)}) "  # noqa: S608
           f"VALUES {', '.join([row] * len(objs))} RETURNING {_quote(meta.pk.column)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        ids = [r[0] for r in cursor.fetchall()]
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias


def update(obj: models.Model, names: Sequence[str]) -> None:
    """``obj.save(update_fields=names)`` of an existing (locked) row; list ``auto_now`` fields to set them."""
    meta = obj._meta
    fields = [meta.get_field(name) for name in names]
    obj._prepare_related_fields_for_save(operation_name="save", fields=fields)
    values = [f.get_db_prep_save(f.pre_save(obj, add=False), connection) for f in fields]
    sql = (f"UPDATE {_quote(meta.db_table)} SET {', '.join(f'{_quote(f.column)} = %s' for f in fields)} "  # noqa: S608
           f"WHERE {_quote(meta.pk.column)} = %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, meta.pk.get_db_prep_value(obj.pk, connection)])
        if cursor.rowcount != 1:
            raise DatabaseError(f"{meta.label} {obj.pk}: the update did not affect one row.")
