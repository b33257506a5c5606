"""Appending to the audit trail. Call inside the transaction of the change."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from kuyakusho.core.actors import Actor, ActorKind, actor_kind, actor_label

from .context import AuditContext, current
from .models import AuditEvent, ChainHead, Kind


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def _target(target: models.Model | None) -> tuple[str, str]:
    if target is None:
        return "", ""
    return target._meta.label_lower, str(target.pk)


def _event(*, ctx: AuditContext, actor: Actor, kind: Kind, action: str, target: models.Model | None = None,
           subject_id: Any = "", changes: Mapping[str, Any] | None = None, detail: Mapping[str, Any] | None = None,
           purpose: str = "", channel: str | None = None, via: str | None = None) -> AuditEvent:
    """One event, not chained yet (:func:`_chain` sets ``occurred_at``, ``seq``, ``prev_hash`` and ``hash``)."""
    target_type, target_id = _target(target)
    return AuditEvent(
        # staff are linked; terminals, residents and the system are named by their label only
        actor_id=actor.pk if actor is not None and actor_kind(actor) is ActorKind.STAFF else None,
        actor_label=actor_label(actor)[:150],
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

    Call inside a transaction; the caller inserts the events in the same transaction. The head row is locked
    (``SELECT … FOR UPDATE``) until the transaction ends, which serialises every append: seq has no gaps and
    each row's hash covers the one before it.
    """
    head, _created = ChainHead.objects.select_for_update().get_or_create(id=1)
    seq, prev = head.seq, head.hash
    now = timezone.now()  # after the lock: time follows the chain order
    for event in events:
        seq += 1
        event.occurred_at = now
        event.seq, event.prev_hash = seq, prev
        event.hash = prev = event.compute_hash()
    # The locked row, moved past the last event (its row count is not read: inside a batch of statements on
    # PostgreSQL it is not known before the batch ends).
    ChainHead.objects.filter(id=1).update(seq=seq, hash=prev)


def append(
    *,
    actor: Actor,
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
        AuditEvent.objects.bulk_create([event])
    return event


def append_many(entries: Iterable[Mapping[str, Any]], *, actor: Actor, kind: Kind = Kind.WRITE) -> list[AuditEvent]:
    """Append several events of one change at once, in order: one lock of the chain head, one INSERT
    (split in batches only past the database's limit of parameters per statement).

    ``entries``: the keyword arguments of :func:`append` for each event (``action``, ``target``,
    ``subject_id``, ``changes``, ``detail``, ``purpose``, ``channel``, ``via``; ``kind`` defaults to
    ``kind``). Each event is hashed and chained exactly as :func:`append` would have done one by one.
    Joins the caller's transaction (or opens one) without a savepoint of its own: an error rolls back the
    caller's whole transaction, the change the events describe with them. The events come back with their
    row ids.
    """
    ctx = current()
    events = [_event(ctx=ctx, actor=actor, **{"kind": kind, **entry}) for entry in entries]
    if not events:
        return []
    with transaction.atomic(savepoint=False):
        _chain(events)
        AuditEvent.objects.bulk_create(events)
    return events


def record_write(*, actor: Actor, action: str, target: models.Model | None = None, subject_id: Any = "",
                 changes: Mapping[str, Any] | None = None, detail: Mapping[str, Any] | None = None,
                 purpose: str = "") -> AuditEvent:
    return append(actor=actor, kind=Kind.WRITE, action=action, target=target, subject_id=subject_id,
                  changes=changes, detail=detail, purpose=purpose)


def record_read(*, actor: Actor, action: str, subject_id: Any, purpose: str, target: models.Model | None = None,
                detail: Mapping[str, Any] | None = None) -> AuditEvent:
    """A member of staff saw a resident's personal data. Raises if it cannot be written: the read must fail."""
    return append(actor=actor, kind=Kind.READ, action=action, target=target, subject_id=subject_id,
                  purpose=purpose, detail=detail)


def record_reads(*, actor: Actor, action: str, subject_ids: Iterable[Any], purpose: str,
                 target: models.Model | None = None, detail: Mapping[str, Any] | None = None) -> list[AuditEvent]:
    """A member of staff saw several residents' personal data in one request (a household, a form that lists
    its members, a search result): one event per person, in order, under one lock of the chain head.
    Duplicates are recorded once. Raises if they cannot be written: the read must fail."""
    seen: dict[str, None] = dict.fromkeys(str(s) for s in subject_ids)
    return append_many([{"action": action, "subject_id": s, "purpose": purpose, "target": target,
                         "detail": detail} for s in seen], actor=actor, kind=Kind.READ)


def record_refusal(*, actor: Actor, action: str, subject_id: Any = "", detail: Mapping[str, Any] | None = None,
                   target: models.Model | None = None) -> AuditEvent:
    return append(actor=actor, kind=Kind.REFUSAL, action=action, subject_id=subject_id, detail=detail,
                  target=target)


def diff(before: Mapping[str, Any], after: Mapping[str, Any],
         fields: Iterable[str] | None = None) -> dict[str, list[Any]]:
    """``{"field": [before, after]}`` for the fields whose value changed."""
    keys = list(fields) if fields is not None else sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {f: getattr(instance, f) for f in fields}
