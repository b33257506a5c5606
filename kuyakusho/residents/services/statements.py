"""The look-ups and updates every notification runs, as SQL written once per process.

Building and compiling a Django query costs several times what SQLite or PostgreSQL take to run these
primary-key and index look-ups, and each notification runs several. Each function below runs exactly the
ORM expression in its docstring — same rows, same order, same locks (``FOR NO KEY UPDATE`` on PostgreSQL;
SQLite has no row locks: its write transaction holds the database) — and loads model instances through
the fields' own database converters, as a queryset would. ``test_statements`` checks each against the ORM.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kuyakusho.core.statements import (  # noqa: F401 (batched, insert and update are used through this module too)
    batched,
    cached,
    execute,
    for_no_key_update,
    insert,
    load,
    loader,
    names,
    placeholders,
    run,
    update,
)

from ..models import Household, Resident, Status


def lock_households_of(resident_ids: Sequence[int], also: Sequence[int] = ()) -> list[Household]:
    """``Household.objects.select_for_update(no_key=True)
    .filter(Q(pk__in=Resident.objects.filter(pk__in=resident_ids).values("household_id")) | Q(pk__in=also))
    .order_by("pk")``: the residents' households and the households ``also``, locked in one pass in id
    order (a UNION, not "OR", which PostgreSQL plans as a scan)."""
    if not resident_ids and not also:
        return []

    def build(w):
        select = loader(w, Household)[0]
        household, household_pk = names(w, Household, "pk")
        resident, resident_pk, household_id = names(w, Resident, "pk", "household")
        of_residents = (f"SELECT {household_id} FROM {resident} "  # noqa: S608
                        f"WHERE {resident_pk} IN ({placeholders(len(resident_ids))})")
        cast = Household._meta.pk.rel_db_type(w)
        ids = " UNION ".join([of_residents] * bool(resident_ids) + [f"SELECT CAST(%s AS {cast})" for _ in also])
        return (f"{select} WHERE {household}.{household_pk} IN ({ids}) "
                f"ORDER BY {household}.{household_pk} ASC{for_no_key_update(w)}")

    wrapper, sql = cached(("lock_households_of", len(resident_ids), len(also)), build)
    return load(wrapper, Household, sql, [*resident_ids, *also])


def lock_household(household_id: int) -> Household | None:
    """``Household.objects.select_for_update(no_key=True).filter(pk=household_id).first()``"""

    def build(w):
        table, pk = names(w, Household, "pk")
        return f"{loader(w, Household)[0]} WHERE {table}.{pk} = %s ORDER BY {table}.{pk} ASC LIMIT 1" + (
            for_no_key_update(w))

    wrapper, sql = cached(("lock_household",), build)
    found = load(wrapper, Household, sql, [household_id])
    return found[0] if found else None


def taken_identifiers(field: str, values: Sequence[str], exclude_id: int | None = None) -> set[str]:
    """``set(Resident.objects.filter(**{f"{field}__in": values}).exclude(**{field: ""})
    .exclude(pk=exclude_id).values_list(field, flat=True))`` (no pk exclusion when ``exclude_id`` is None).

    The ``<> ''`` is the partial unique index's own condition, so that SQLite uses that index."""
    if not values:
        return set()

    def build(w):
        table, pk, column = names(w, Resident, "pk", field)
        sql = (f"SELECT {column} FROM {table} WHERE {column} IN ({placeholders(len(values))}) "  # noqa: S608
               f"AND NOT ({column} = '')")
        return sql + (f" AND NOT ({pk} = %s)" if exclude_id is not None else "")

    wrapper, sql = cached(("taken_identifiers", field, len(values), exclude_id is None), build)
    with run(wrapper, sql, [*values, *([] if exclude_id is None else [exclude_id])]) as cursor:
        return {row[0] for row in cursor.fetchall()}


def lock_residents_and_members(resident_ids: Sequence[int], household_id: int | None) -> list[Resident]:
    """``Resident.objects.select_for_update(no_key=True)
    .filter(Q(pk__in=resident_ids) | Q(household_id=household_id, status=Status.ACTIVE)).order_by("pk")``
    (without the second condition when ``household_id`` is None)."""

    def build(w):
        table, pk, household, status = names(w, Resident, "pk", "household", "status")
        where = f"{table}.{pk} IN ({placeholders(len(resident_ids))})" if resident_ids else "1 = 0"
        if household_id is not None:
            where = f"({where} OR ({table}.{household} = %s AND {table}.{status} = %s))"
        return f"{loader(w, Resident)[0]} WHERE {where} ORDER BY {table}.{pk} ASC{for_no_key_update(w)}"

    wrapper, sql = cached(("lock_residents_and_members", len(resident_ids), household_id is None), build)
    params: list[Any] = list(resident_ids)
    if household_id is not None:
        params += [household_id, Status.ACTIVE.value]
    return load(wrapper, Resident, sql, params)


def head_name(household_id: int) -> str:
    """``Resident.objects.filter(household_id=household_id, is_head=True).order_by("status", "-removed_on",
    "-pk").values_list("name", flat=True).first() or ""``: the active head's name, else that of the head
    removed last (a head who left earlier keeps ``is_head`` on their 除票, whatever their id)."""

    def build(w):
        table, pk, name, household, is_head, status, removed_on = names(
            w, Resident, "pk", "name", "household", "is_head", "status", "removed_on")
        return (f"SELECT {name} FROM {table} WHERE {household} = %s AND {is_head} = %s "  # noqa: S608
                f"ORDER BY {status} ASC, {removed_on} DESC, {pk} DESC LIMIT 1")

    wrapper, sql = cached(("head_name",), build)
    with run(wrapper, sql, [household_id, True]) as cursor:
        row = cursor.fetchone()
    return (row[0] if row else None) or ""


def bump_versions(resident_ids: Sequence[int]) -> None:
    """``Resident.objects.filter(pk__in=resident_ids).update(version=F("version") + 1)``"""
    if not resident_ids:
        return

    def build(w):
        table, pk, version = names(w, Resident, "pk", "version")
        return (f"UPDATE {table} SET {version} = {version} + 1 "  # noqa: S608
                f"WHERE {pk} IN ({placeholders(len(resident_ids))})")

    wrapper, sql = cached(("bump_versions", len(resident_ids)), build)
    execute(wrapper, sql, list(resident_ids))


def household_members(household_id: int, *, on, include_removed: bool = False) -> list[Resident]:
    """``Resident.objects.filter(household_id=household_id).filter(resident_q(on))
    .order_by("-is_head", "birth_date", "id")`` (all members, removed ones too, when ``include_removed``)."""

    def build(w):
        table, pk, household, is_head, birth, status, removed = names(
            w, Resident, "pk", "household", "is_head", "birth_date", "status", "removed_on")
        where = f"{table}.{household} = %s"
        if not include_removed:
            where += f" AND ({table}.{status} = %s OR {table}.{removed} > %s)"
        return (f"{loader(w, Resident)[0]} WHERE {where} "
                f"ORDER BY {table}.{is_head} DESC, {table}.{birth} ASC, {table}.{pk} ASC")

    wrapper, sql = cached(("household_members", include_removed), build)
    params: list[Any] = [household_id]
    if not include_removed:
        params += [Status.ACTIVE.value, wrapper.ops.adapt_datefield_value(on)]
    return load(wrapper, Resident, sql, params)
