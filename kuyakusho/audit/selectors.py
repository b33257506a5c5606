from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from kuyakusho.core.actors import Actor

from .models import AuditEvent
from .services import record_read


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    subject: str = ""
    action: str = ""
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _start_of(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time.min))


def search_audit(*, actor: Actor, f: AuditFilter) -> QuerySet[AuditEvent]:
    """The auditor's search. The search itself is recorded: the log holds personal data too."""
    record_read(actor=actor, action="audit.search", subject_id=f.subject, purpose="audit",
                detail={k: v for k, v in vars(f).items() if v})
    return audit_events(f)


def audit_events(f: AuditFilter) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.select_related("actor").order_by("-seq")
    if f.actor:
        qs = qs.filter(actor_label=f.actor)
    if f.subject:
        qs = qs.filter(subject_id=f.subject)
    if f.action:
        qs = qs.filter(action__startswith=f.action)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.date_from:
        qs = qs.filter(occurred_at__gte=_start_of(f.date_from))
    if f.date_to:
        qs = qs.filter(occurred_at__lt=_start_of(f.date_to + timedelta(days=1)))
    return qs
