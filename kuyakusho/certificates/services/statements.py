"""The look-ups every certificate request runs, as SQL written once per connection (see ``core.statements``).

Each function runs exactly the ORM expression in its docstring; ``tests/test_statements`` checks each
against it. A certificate request makes these look-ups before any write, on every channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from kuyakusho.core.statements import cached, columns, load_joined, names, placeholders, run
from kuyakusho.offices.models import Schedule
from kuyakusho.residents.models import Household, Resident

from ..models import Card, CardLock, ChannelPolicy, Issuance, SupportMeasure


def policy(channel: str) -> ChannelPolicy | None:
    """``ChannelPolicy.objects.select_related("schedule").filter(channel=channel).first()``"""

    def build(w):
        table, pk, column, schedule_fk = names(w, ChannelPolicy, "pk", "channel", "schedule")
        schedule, schedule_pk = names(w, Schedule, "pk")
        return (f"SELECT {columns(w, ChannelPolicy)}, {columns(w, Schedule)} FROM {table} "  # noqa: S608
                f"LEFT JOIN {schedule} ON {schedule}.{schedule_pk} = {table}.{schedule_fk} "
                f"WHERE {table}.{column} = %s ORDER BY {table}.{pk} LIMIT 1")

    wrapper, sql = cached(("certificates.policy",), build)
    found = load_joined(wrapper, (ChannelPolicy, Schedule), sql, [channel])
    if not found:
        return None
    found_policy, schedule = found[0]
    found_policy.schedule = schedule if found_policy.schedule_id is not None else None
    return found_policy


def issued_with_key(channel: str, terminal: str, key: str) -> int | None:
    """``Issuance.objects.filter(channel=channel, terminal=terminal, idempotency_key=key)
    .values_list("pk", flat=True).first()``"""

    def build(w):
        table, pk, ch, term, idem = names(w, Issuance, "pk", "channel", "terminal", "idempotency_key")
        return (f"SELECT {pk} FROM {table} WHERE {ch} = %s AND {term} = %s AND {idem} = %s "  # noqa: S608
                f"ORDER BY {pk} LIMIT 1")

    wrapper, sql = cached(("certificates.issued_with_key",), build)
    with run(wrapper, sql, [channel, terminal, key]) as cursor:
        row = cursor.fetchone()
    return row[0] if row else None


LOCK_FIELDS = ("failures", "locked_at")


def active_card(kind: str, number: str, channel: str) -> tuple[Card, int, datetime | None] | None:
    """``Card.objects.select_related("resident__household").filter(kind=kind, number=number, active=True)
    .first()``, with its wrong-PIN count and lock time for ``channel``:
    ``CardLock.objects.filter(card=card, channel=channel).values_list("failures", "locked_at").first()``
    or ``(0, None)``."""

    def build(w):
        card, pk, kind_col, number_col, active, resident_fk = names(w, Card, "pk", "kind", "number", "active",
                                                                    "resident")
        resident, resident_pk, household_fk = names(w, Resident, "pk", "household")
        household, household_pk = names(w, Household, "pk")
        lock, lock_card, lock_channel = names(w, CardLock, "card", "channel")
        return (f"SELECT {columns(w, Card)}, {columns(w, Resident)}, {columns(w, Household)}, "  # noqa: S608
                f"{columns(w, CardLock, LOCK_FIELDS)} "
                f"FROM {card} JOIN {resident} ON {resident}.{resident_pk} = {card}.{resident_fk} "
                f"JOIN {household} ON {household}.{household_pk} = {resident}.{household_fk} "
                f"LEFT JOIN {lock} ON {lock}.{lock_card} = {card}.{pk} AND {lock}.{lock_channel} = %s "
                f"WHERE {card}.{kind_col} = %s AND {card}.{number_col} = %s AND {card}.{active} = %s "
                f"ORDER BY {card}.{pk} LIMIT 1")

    wrapper, sql = cached(("certificates.active_card",), build)
    found = load_joined(wrapper, (Card, Resident, Household, CardLock), sql, [channel, kind, number, True],
                        last=LOCK_FIELDS)
    if not found:
        return None
    card, resident, household, lock = found[0]
    resident.household = household
    card.resident = resident
    return card, lock.failures or 0, lock.locked_at


def under_support_measure(resident_ids: Sequence[int], on: date) -> set[int]:
    """``set(SupportMeasure.objects.filter(resident_id__in=resident_ids, starts_on__lte=on)
    .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on)).values_list("resident_id", flat=True))``"""
    if not resident_ids:
        return set()

    def build(w):
        table, resident, starts, ends = names(w, SupportMeasure, "resident", "starts_on", "ends_on")
        return (f"SELECT {resident} FROM {table} WHERE {resident} IN ({placeholders(len(resident_ids))}) "  # noqa: S608
                f"AND {starts} <= %s AND ({ends} IS NULL OR {ends} >= %s)")

    wrapper, sql = cached(("certificates.under_support_measure", len(resident_ids)), build)
    day = wrapper.ops.adapt_datefield_value(on)
    with run(wrapper, sql, [*resident_ids, day, day]) as cursor:
        return {row[0] for row in cursor.fetchall()}
