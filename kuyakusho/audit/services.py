"""Appending to the audit trail. Call inside the transaction of the change."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from kuyakusho.accounts.models import Staff
from kuyakusho.core.statements import cached, execute, insert, names, run

from .context import current
from .models import AuditEvent, ChainHead, Kind


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def _label(actor) -> str:
    if actor is None:
        return "system"
    return getattr(actor, "username", None) or str(actor)


def _target(target: models.Model | None) -> tuple[str, str]:
    if target is None:
        return "", ""
    return target._meta.label_lower, str(target.pk)


def _event(*, ctx, actor, kind: Kind, action: str, target: models.Model | None = None, subject_id: Any = "",
           changes: Mapping[str, Any] | None = None, detail: Mapping[str, Any] | None = None, purpose: str = "",
           channel: str | None = None, via: str | None = None) -> AuditEvent:
    """One event, not chained yet (:func:`_chain` sets ``occurred_at``, ``seq``, ``prev_hash`` and ``hash``)."""
    target_type, target_id = _target(target)
    return AuditEvent(
        actor=actor if isinstance(actor, Staff) else None,  # terminals: labelled by code, not linked
        actor_label=_label(actor)[:150],
        kind=kind,
        action=action,
        target_type=target_type,
        target_id=target_id,
        subject_id=str(subject_id or ""),
        channel=channel or ctx.channel,
        via=(via if via is not None else ctx.via)[:128],
        purpose=purpose,
        changes=_jsonable(dict(changes or {})),
        detail=_jsonable(dict(detail or {})),
    )


def _chain(events: list[AuditEvent]) -> None:
    """Lock the chain head, link ``events`` after it in order and move the head past the last one.

    Call inside a transaction; the caller inserts the events in the same transaction.
    """
    # Written once (core.statements): these two statements run with every change of every register.
    # Same as ChainHead.objects.select_for_update().get(id=1) and .filter(id=1).update(seq=…, hash=…).
    wrapper, (select, update) = cached((ChainHead, "chain"), _chain_sql)
    with run(wrapper, select, []) as cursor:
        row = cursor.fetchone()
    if row is None:  # the first event ever
        head, _ = ChainHead.objects.select_for_update().get_or_create(id=1)
        row = (head.seq, head.hash)
    seq, prev = row
    now = timezone.now()  # after the lock: time follows the chain order
    for event in events:
        seq += 1
        event.occurred_at = now
        event.seq, event.prev_hash = seq, prev
        event.hash = prev = event.compute_hash()
    execute(wrapper, update, [seq, prev])


def _chain_sql(w) -> tuple[str, str]:
    table, pk, seq, hash_ = names(w, ChainHead, "pk", "seq", "hash")
    lock = " FOR UPDATE" if w.features.has_select_for_update else ""
    return (f"SELECT {seq}, {hash_} FROM {table} WHERE {pk} = 1{lock}",  # noqa: S608
            f"UPDATE {table} SET {seq} = %s, {hash_} = %s WHERE {pk} = 1")  # noqa: S608


def append(
    *,
    actor,
    kind: Kind,
    action: str,
    target: models.Model | None = None,
    subject_id: Any = "",
    changes: Mapping[str, Any] | None = None,
    detail: Mapping[str, Any] | None = None,
    purpose: str = "",
    channel: str | None = None,
    via: str | None = None,
) -> AuditEvent:
    """Append one event to the chain. Joins the caller's transaction (or opens one), without a savepoint of
    its own: if the event cannot be written, the caller's whole change fails with it."""
    event = _event(ctx=current(), actor=actor, kind=kind, action=action, target=target, subject_id=subject_id,
                   changes=changes, detail=detail, purpose=purpose, channel=channel, via=via)
    with transaction.atomic(savepoint=False):
        _chain([event])
        insert([event])
    return event


def append_many(entries: Iterable[Mapping[str, Any]], *, actor, kind: Kind = Kind.WRITE,
                ids: bool = True) -> list[AuditEvent]:
    """Append several events of one change at once, in order: one lock of the chain head, one INSERT.

    ``entries``: the keyword arguments of :func:`append` for each event (``action``, ``target``,
    ``subject_id``, ``changes``, ``detail``, ``purpose``, ``channel``, ``via``; ``kind`` defaults to
    ``kind``). Each event is hashed and chained exactly as :func:`append` would have done one by one.
    Joins the caller's transaction (or opens one) without a savepoint of its own: an error rolls back the
    caller's whole transaction, the change the events describe with them. ``ids=False``: the events are
    returned without their row ids (see ``core.statements.insert``).
    """
    ctx = current()
    events = [_event(ctx=ctx, actor=actor, **{"kind": kind, **entry}) for entry in entries]
    if not events:
        return []
    with transaction.atomic(savepoint=False):
        _chain(events)
        insert(events, ids=ids)  # one statement written out (ids set from RETURNING)
    return events


def record_write(*, actor, action: str, target=None, subject_id: Any = "", changes=None, detail=None,
                 purpose: str = "") -> AuditEvent:
    return append(actor=actor, kind=Kind.WRITE, action=action, target=target, subject_id=subject_id,
                  changes=changes, detail=detail, purpose=purpose)


def record_read(*, actor, action: str, subject_id: Any, purpose: str, target=None, detail=None) -> AuditEvent:
    """A member of staff saw a resident's personal data. Raises if it cannot be written: the read must fail."""
    return append(actor=actor, kind=Kind.READ, action=action, target=target, subject_id=subject_id,
                  purpose=purpose, detail=detail)


def record_refusal(*, actor, action: str, subject_id: Any = "", detail=None, target=None) -> AuditEvent:
    return append(actor=actor, kind=Kind.REFUSAL, action=action, subject_id=subject_id, detail=detail,
                  target=target)


def diff(before: Mapping[str, Any], after: Mapping[str, Any], fields: Iterable[str] | None = None) -> dict:
    """``{"field": [before, after]}`` for the fields whose value changed."""
    keys = list(fields) if fields is not None else sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict:
    return {f: getattr(instance, f) for f in fields}
