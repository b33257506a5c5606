"""The confirmation step: run a service, read what it would change, and roll everything back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from .. import records
from ..models import Event, EventEntry


class _Rollback(Exception):
    pass


@dataclass(frozen=True)
class PlannedChange:
    resident_id: int
    name: str
    new: bool
    changes: dict[str, list[Any]]


def preview(run: Callable[[], Event]) -> tuple[str, list[PlannedChange]]:
    """(kind, changes per resident: ``{field: [before, after]}``) of ``run()``; nothing is kept.

    The service runs with all its checks, so a refusal surfaces here, before the clerk confirms.
    """
    result: list[PlannedChange] = []
    kind = ""
    try:
        with transaction.atomic():
            event = run()
            kind = event.kind
            for entry in event.entries.select_related("resident").order_by("id"):
                before = (EventEntry.objects.filter(resident_id=entry.resident_id, id__lt=entry.id)
                          .order_by("-id").values_list("snapshot", flat=True).first())
                result.append(PlannedChange(entry.resident_id, entry.snapshot["name"], before is None,
                                            records.changed_fields(before or {}, entry.snapshot)))
            raise _Rollback
    except _Rollback:
        pass
    return kind, result
