"""Every write to the queue: issue, call, recall, start, absent, finish, transfer.

Each is one transaction with its audit event; the live push runs after commit. Races are settled in
the database: the sequence row is locked while a number is taken, a call is a conditional UPDATE
(``status='waiting'``), and a counter may hold only one called-or-serving ticket (unique constraint).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from kuyakusho.audit.services import record_write
from kuyakusho.core.actors import Actor
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.templatetags.kuyakusho import wareki
from kuyakusho.offices.hours import office_status
from kuyakusho.offices.models import Counter, Office, Service

from .live.publish import publish_change
from .models import ACTIVE, Priority, Status, Ticket, TicketSequence
from .permissions import check_counter

LABEL_RE = re.compile(r"^\s*([A-Za-zＡ-Ｚａ-ｚ])\s*[-－ー‐]?\s*([0-9０-９]{1,4})\s*$")


def _fmt_opening(at: datetime | None) -> str:
    if at is None:
        return _("未定")
    local = timezone.localtime(at)
    return f"{wareki(local)} {local:%H:%M}"


def _audit(actor: Actor, action: str, ticket: Ticket, changes: dict[str, Any]) -> None:
    record_write(actor=actor, action=action, target=ticket,
                 changes=changes, detail={"office": ticket.office.code, "label": ticket.label})


# --- issuing ------------------------------------------------------------------------------------

def issue_ticket(*, actor: Actor, office: Office, service: Service, priority: str = "", at: datetime | None = None,
                 check_hours: bool = True) -> Ticket:
    """Take the next number for this office, service and day. Refused if the office does not offer the
    service or its counter is closed at ``at``."""
    at = at or timezone.now()
    if priority not in Priority.values:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("優先区分が正しくありません。"), field="priority")
    if not office.services.filter(pk=service.pk).exists():
        raise ApplicationError(ErrorCode.NOT_FOUND,
                               _("%(office)sでは「%(service)s」を取り扱っていません。")
                               % {"office": office.name, "service": service.name}, field="service")
    if check_hours:
        opening = office_status(office, at, service)
        if not opening.is_open:
            raise ApplicationError(
                ErrorCode.CLOSED,
                _("%(office)sの「%(service)s」は受付時間外です。次の受付開始は%(next)sです。")
                % {"office": office.name, "service": service.name, "next": _fmt_opening(opening.next_opens_at)},
                extra={"next_opens_at": opening.next_opens_at.isoformat() if opening.next_opens_at else None})
    day = timezone.localdate(at)
    with transaction.atomic():
        TicketSequence.objects.bulk_create([TicketSequence(office=office, service=service, day=day)],
                                           ignore_conflicts=True)
        seq = TicketSequence.objects.select_for_update().get(office=office, service=service, day=day)
        seq.last_number += 1
        seq.save(update_fields=["last_number"])
        ticket = Ticket.objects.create(
            office=office, service=service, day=day, letter=service.letter, number=seq.last_number,
            priority=priority, issued_at=at, queued_at=at)
        _audit(actor, "queues.ticket.issue", ticket, {"status": [None, Status.WAITING], "priority": [None, priority]})
        publish_change(office.code)
    return ticket


# --- finding tickets ------------------------------------------------------------------------------

def parse_label(label: str) -> tuple[str, int]:
    import unicodedata

    m = LABEL_RE.match(unicodedata.normalize("NFKC", label or ""))
    if not m:
        raise ApplicationError(ErrorCode.INVALID_INPUT,
                               _("番号札の番号は「A-042」のように入力してください。"), field="label")
    return m.group(1).upper(), int(m.group(2))


def find_today(*, office: Office, label: str, at: datetime | None = None) -> Ticket:
    """Today's ticket with this number at this office (the latest if it was transferred)."""
    letter, number = parse_label(label)
    day = timezone.localdate(at or timezone.now())
    ticket = (Ticket.objects.select_related("service", "counter", "office")
              .filter(office=office, day=day, letter=letter, number=number).order_by("-id").first())
    if ticket:
        return ticket
    other = Ticket.objects.filter(office=office, letter=letter, number=number).order_by("-day").first()
    if other:
        raise ApplicationError(ErrorCode.NOT_FOUND,
                               _("番号札 %(label)s は%(day)sに発券されたもので、本日の番号札ではありません。")
                               % {"label": other.label, "day": wareki(other.day)}, field="label")
    raise ApplicationError(ErrorCode.NOT_FOUND, _("番号札 %(label)s は本日発券されていません。")
                           % {"label": f"{letter}-{number:03d}"}, field="label")


# --- calling --------------------------------------------------------------------------------------

def _check_counter(actor: Actor, counter: Counter) -> None:
    check_counter(actor, counter)
    if not counter.is_active:
        raise ApplicationError(ErrorCode.REFUSED, _("%(counter)sは使用されていません。") % {"counter": counter.label})


def _check_handles(counter: Counter, service: Service) -> None:
    if not counter.services.filter(pk=service.pk).exists():
        raise ApplicationError(ErrorCode.REFUSED,
                               _("%(counter)sでは「%(service)s」を取り扱っていません。")
                               % {"counter": counter.label, "service": service.name}, field="service")


def _check_counter_free(counter: Counter) -> None:
    current = Ticket.objects.filter(counter=counter, status__in=ACTIVE).first()
    if current:
        raise ApplicationError(ErrorCode.CONFLICT,
                               _("%(counter)sは番号札 %(label)s を対応中です。完了・不在・移動のいずれかにしてから"
                                 "次を呼び出してください。") % {"counter": counter.label, "label": current.label})


def _claim(actor: Actor, counter: Counter, ticket: Ticket, now: datetime) -> bool:
    """Waiting → called, only if still waiting (a conditional UPDATE: no ticket goes to two counters)."""
    try:
        with transaction.atomic():
            moved = Ticket.objects.filter(pk=ticket.pk, status=Status.WAITING).update(
                status=Status.CALLED, counter=counter, called_at=now, handled_by=actor,
                wait_seconds=max(0, int((now - ticket.queued_at).total_seconds())), updated_at=now)
    except IntegrityError:  # the counter got another ticket at the same moment
        raise ApplicationError(ErrorCode.CONFLICT, _("%(counter)sは別の番号札を対応中です。")
                               % {"counter": counter.label}) from None
    return moved == 1


def call_next(*, actor: Actor, counter: Counter, service: Service | None = None) -> Ticket:
    """Call the next waiting ticket for this counter's services (priority tickets first, then by issue time)."""
    _check_counter(actor, counter)
    services = list(counter.services.all())
    if service is not None:
        _check_handles(counter, service)
        services = [service]
    now = timezone.now()
    with transaction.atomic():
        _check_counter_free(counter)
        queue = (Ticket.objects.filter(office=counter.office, day=timezone.localdate(now), status=Status.WAITING,
                                       service__in=services)
                 .annotate(rank=Case(When(priority="", then=Value(1)), default=Value(0), output_field=IntegerField()))
                 .order_by("rank", "queued_at", "id"))
        for _attempt in range(10):
            # Lock the ticket row only (not the joined office/service rows), skipping rows other callers hold.
            candidate = (queue.select_for_update(skip_locked=True, of=("self",))
                         .select_related("service", "office").first())
            if candidate is None:
                names = "、".join(s.name for s in services)
                raise ApplicationError(ErrorCode.REFUSED, _("「%(services)s」でお待ちの方はいません。")
                                       % {"services": names})
            if _claim(actor, counter, candidate, now):
                candidate.refresh_from_db()
                _audit(actor, "queues.ticket.call", candidate,
                       {"status": [Status.WAITING, Status.CALLED], "counter": [None, counter.number]})
                publish_change(counter.office.code)
                return candidate
    raise ApplicationError(ErrorCode.CONFLICT, _("呼出が混み合っています。もう一度お試しください。"))


def call_ticket(*, actor: Actor, counter: Counter, label: str) -> Ticket:
    """Call one waiting ticket by its number (today's, at this counter's office)."""
    _check_counter(actor, counter)
    ticket = find_today(office=counter.office, label=label)
    _check_handles(counter, ticket.service)
    now = timezone.now()
    with transaction.atomic():
        _check_counter_free(counter)
        if ticket.status != Status.WAITING or not _claim(actor, counter, ticket, now):
            ticket.refresh_from_db()
            raise _illegal(ticket, Status.CALLED)
        ticket.refresh_from_db()
        _audit(actor, "queues.ticket.call", ticket, {"status": [Status.WAITING, Status.CALLED],
                                                      "counter": [None, counter.number]})
        publish_change(counter.office.code)
    return ticket


# --- the other steps --------------------------------------------------------------------------------

def _illegal(ticket: Ticket, to: str) -> ApplicationError:
    return ApplicationError(
        ErrorCode.CONFLICT,
        _("番号札 %(label)s は「%(status)s」のため「%(to)s」にできません。")
        % {"label": ticket.label, "status": ticket.get_status_display(), "to": Status(to).label})


def _step(*, actor: Actor, counter: Counter, ticket: Ticket, to: str, action: str, **fields: Any) -> Ticket:
    _check_counter(actor, counter)
    if ticket.counter_id != counter.pk:
        raise ApplicationError(ErrorCode.CONFLICT, _("番号札 %(label)s はこの窓口で呼び出されていません。")
                               % {"label": ticket.label})
    if not ticket.can_move_to(to):
        raise _illegal(ticket, to)
    before = ticket.status
    with transaction.atomic():
        moved = Ticket.objects.filter(pk=ticket.pk, status=before, counter=counter).update(status=to, **fields)
        if moved != 1:
            ticket.refresh_from_db()
            raise _illegal(ticket, to)
        ticket.refresh_from_db()
        _audit(actor, action, ticket, {"status": [before, to]})
        publish_change(ticket.office.code)
    return ticket


def recall(*, actor: Actor, counter: Counter, ticket: Ticket) -> Ticket:
    now = timezone.now()
    from django.db.models import F

    return _step(actor=actor, counter=counter, ticket=ticket, to=Status.CALLED, action="queues.ticket.recall",
                 called_at=now, recalls=F("recalls") + 1, updated_at=now)


def start_serving(*, actor: Actor, counter: Counter, ticket: Ticket) -> Ticket:
    now = timezone.now()
    return _step(actor=actor, counter=counter, ticket=ticket, to=Status.SERVING, action="queues.ticket.start",
                 serving_at=now, updated_at=now)


def mark_absent(*, actor: Actor, counter: Counter, ticket: Ticket) -> Ticket:
    now = timezone.now()
    return _step(actor=actor, counter=counter, ticket=ticket, to=Status.ABSENT, action="queues.ticket.absent",
                 done_at=now, updated_at=now)


def finish(*, actor: Actor, counter: Counter, ticket: Ticket) -> Ticket:
    now = timezone.now()
    started = ticket.serving_at or ticket.called_at or now
    return _step(actor=actor, counter=counter, ticket=ticket, to=Status.DONE, action="queues.ticket.finish",
                 done_at=now, service_seconds=max(0, int((now - started).total_seconds())), updated_at=now)


def transfer(*, actor: Actor, counter: Counter, ticket: Ticket, service: Service) -> Ticket:
    """Send the ticket to another service at the same office; it keeps its number and its place."""
    if service.pk == ticket.service_id:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("移動先は別の業務を選んでください。"), field="service")
    if not ticket.office.services.filter(pk=service.pk).exists():
        raise ApplicationError(ErrorCode.NOT_FOUND, _("%(office)sでは「%(service)s」を取り扱っていません。")
                               % {"office": ticket.office.name, "service": service.name}, field="service")
    now = timezone.now()
    with transaction.atomic():
        old = _step(actor=actor, counter=counter, ticket=ticket, to=Status.TRANSFERRED,
                    action="queues.ticket.transfer", done_at=now, updated_at=now)
        new = Ticket.objects.create(
            office=old.office, service=service, day=old.day, letter=old.letter, number=old.number,
            priority=old.priority, issued_at=now, queued_at=old.queued_at, transferred_from=old)
        _audit(actor, "queues.ticket.transferred_in", new,
               {"status": [None, Status.WAITING], "service": [old.service.code, service.code]})
    return new
