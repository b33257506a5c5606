"""Every read the queues' pages and API use: offices with their services, counters, tickets.

A look-up that finds nothing raises ``ApplicationError(NOT_FOUND)`` with words for the screen (the office's
code, the counter's number), so pages and the API answer 404 alike. Congestion figures are
``queues.snapshot``; writes are ``queues.services``; who may call at which office, ``queues.permissions``.
"""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kuyakusho.accounts.models import Staff
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.offices.models import Counter, Office, Service

from .models import ACTIVE, Status, Ticket
from .permissions import can_call_at


def _not_found(message: str) -> ApplicationError:
    return ApplicationError(ErrorCode.NOT_FOUND, message)


def offices_taking_tickets() -> QuerySet[Office]:
    """The offices that take tickets (they have services), with their schedule and services."""
    return (Office.objects.filter(services__isnull=False).distinct().select_related("schedule")
            .prefetch_related("services"))


def office(code: str) -> Office:
    """An office that takes tickets (it has services), with its schedule and services."""
    found = offices_taking_tickets().filter(code=code).first()
    if found is None:
        raise _not_found(_("事務所「%(code)s」は見つかりません。") % {"code": code[:32]})
    return found


def service_at(office: Office, code: str) -> Service:
    """One of the office's services (read from the services ``office()`` fetched)."""
    for s in office.services.all():
        if s.code == code:
            return s
    if Service.objects.filter(code=code).exists():
        raise _not_found(_("%(office)sでは業務「%(code)s」を取り扱っていません。")
                         % {"office": office.name, "code": code[:32]})
    raise _not_found(_("業務「%(code)s」は見つかりません。") % {"code": code[:32]})


def takes_tickets(code: str) -> bool:
    """Whether an office with this code exists and takes tickets (the live stream's cheap check)."""
    return Office.objects.filter(code=code, services__isnull=False).exists()


def offered_service(office: Office, code: str) -> Service | None:
    """One of the office's services by code, or None (a transfer's target, chosen from a list)."""
    return office.services.filter(code=code).first() if code else None


def services_coded(codes: list[str]) -> list[Service]:
    return list(Service.objects.filter(code__in=codes))


def ticket_by_token(token: str) -> Ticket:
    """The ticket a QR code names; after a transfer, the ticket it became (the holder's code keeps working)."""
    tickets = Ticket.objects.select_related("office", "service")  # (its counter is read once it is called)
    try:
        ticket = tickets.get(token=token[:64])
    except Ticket.DoesNotExist:
        raise _not_found(_("この番号札は見つかりません。QRコードをもう一度読み取ってください。")) from None
    while ticket.status == Status.TRANSFERRED:  # (a rare case: no join to look for a successor on every view)
        following = next(iter(tickets.filter(transferred_from=ticket)), None)
        if following is None:
            break
        ticket = following
    return ticket


def counter_at(office: Office, number: int) -> Counter:
    """One counter of the office, with the services it handles."""
    found = (Counter.objects.filter(office=office, number=number).select_related("office")
             .prefetch_related("services").first())
    if found is None:
        raise _not_found(_("%(office)sに%(n)s番窓口はありません。") % {"office": office.name, "n": number})
    return found


def ticket_at(office: Office, ticket_id: int) -> Ticket:
    """A ticket of this office (a clerk acts on the tickets of the office they call at)."""
    ticket = (Ticket.objects.select_related("office", "service", "counter")
              .filter(pk=ticket_id, office=office).first())
    if ticket is None:
        raise _not_found(_("番号札が見つかりません。"))
    return ticket


def offices_for(user: Staff) -> list[Office]:
    """The offices a clerk may call at, with their counters and the services each counter handles."""
    return [o for o in offices_taking_tickets().prefetch_related("counters__services") if can_call_at(user, o)]


def current_ticket(counter: Counter) -> Ticket | None:
    """The ticket called to or served at this counter now."""
    return Ticket.objects.filter(counter=counter, status__in=ACTIVE).select_related("service").first()


def waiting_for(counter: Counter, handled: list[Service], day: date) -> list[Ticket]:
    """The day's waiting tickets of the services the counter handles, in calling order (priority first)."""
    waiting = (Ticket.objects.filter(office=counter.office, day=day, status=Status.WAITING, service__in=handled)
               .select_related("service").order_by("queued_at", "id"))
    return sorted(waiting, key=lambda t: (not t.priority, t.queued_at, t.id))
