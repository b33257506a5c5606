"""The look-ups every certificate request runs, as SQL written once per connection (see ``core.statements``).

Each function runs exactly the ORM expression in its docstring; ``tests/test_statements`` checks each
against it. A certificate request makes these look-ups before any write, on every channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from kuyakusho.core.statements import by_pk, cached, columns, load, load_joined, loader, names, placeholders
from kuyakusho.offices.models import Schedule
from kuyakusho.residents.models import Household, Resident

from ..models import Card, CardLock, ChannelPolicy, Issuance, SupportMeasure


def policy(channel: str) -> ChannelPolicy | None:
    """``ChannelPolicy.objects.select_related("schedule").filter(channel=channel).first()``"""

    def build(w):
        table, pk, column = names(w, ChannelPolicy, "pk", "channel")
        return f"{loader(w, ChannelPolicy)[0]} WHERE {table}.{column} = %s ORDER BY {table}.{pk} LIMIT 1"

    wrapper, sql = cached(("certificates.policy",), build)
    found = load(wrapper, ChannelPolicy, sql, [channel])
    if not found:
        return None
    found[0].schedule = by_pk(Schedule, found[0].schedule_id) if found[0].schedule_id is not None else None
    return found[0]


def issued_with_key(channel: str, terminal: str, key: str) -> int | None:
    """``Issuance.objects.filter(channel=channel, terminal=terminal, idempotency_key=key)
    .values_list("pk", flat=True).first()``"""

    def build(w):
        table, pk, ch, term, idem = names(w, Issuance, "pk", "channel", "terminal", "idempotency_key")
        return (f"SELECT {pk} FROM {table} WHERE {ch} = %s AND {term} = %s AND {idem} = %s "  # noqa: S608
                f"ORDER BY {pk} LIMIT 1")

    wrapper, sql = cached(("certificates.issued_with_key",), build)
    with wrapper.cursor() as cursor:
        cursor.execute(sql, [channel, terminal, key])
        row = cursor.fetchone()
    return row[0] if row else None


def active_card(kind: str, number: str) -> Card | None:
    """``Card.objects.select_related("resident__household").filter(kind=kind, number=number, active=True)
    .first()``"""

    def build(w):
        card, pk, kind_col, number_col, active, resident_fk = names(w, Card, "pk", "kind", "number", "active",
                                                                    "resident")
        resident, resident_pk, household_fk = names(w, Resident, "pk", "household")
        household, household_pk = names(w, Household, "pk")
        return (f"SELECT {columns(w, Card)}, {columns(w, Resident)}, {columns(w, Household)} "  # noqa: S608
                f"FROM {card} JOIN {resident} ON {resident}.{resident_pk} = {card}.{resident_fk} "
                f"JOIN {household} ON {household}.{household_pk} = {resident}.{household_fk} "
                f"WHERE {card}.{kind_col} = %s AND {card}.{number_col} = %s AND {card}.{active} = %s "
                f"ORDER BY {card}.{pk} LIMIT 1")

    wrapper, sql = cached(("certificates.active_card",), build)
    found = load_joined(wrapper, (Card, Resident, Household), sql, [kind, number, True])
    if not found:
        return None
    card, resident, household = found[0]
    resident.household = household
    card.resident = resident
    return card


def lock_state(card_id: int, channel: str) -> tuple[int, datetime | None]:
    """``CardLock.objects.filter(card_id=card_id, channel=channel).values_list("failures", "locked_at")
    .first() or (0, None)``"""

    def build(w):
        table, pk, card, ch = names(w, CardLock, "pk", "card", "channel")
        return f"{loader(w, CardLock)[0]} WHERE {table}.{card} = %s AND {table}.{ch} = %s ORDER BY {table}.{pk} LIMIT 1"

    wrapper, sql = cached(("certificates.lock_state",), build)
    found = load(wrapper, CardLock, sql, [card_id, channel])
    return (found[0].failures, found[0].locked_at) if found else (0, None)


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
    with wrapper.cursor() as cursor:
        cursor.execute(sql, [*resident_ids, day, day])
        return {row[0] for row in cursor.fetchall()}
