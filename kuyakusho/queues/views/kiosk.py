"""The ticket machine (発券機): one page per office, large buttons, a number and a QR code."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kuyakusho.core.access import public
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.net import client_address
from kuyakusho.core.ratelimit import over_budget
from kuyakusho.offices.hours import office_calendar
from kuyakusho.queues import services
from kuyakusho.queues.models import Priority
from kuyakusho.queues.qr import qr_svg
from kuyakusho.queues.snapshot import opening_text, snapshot, ticket_position

from .. import selectors

# The lobby screen is public (a touch screen in the office); each client address may take this many tickets an
# hour, above what one machine hands out at the busiest office's peak, far below what a script would take.
TICKETS_PER_HOUR = 300


@public
def ticket_offices(request: HttpRequest) -> HttpResponse:
    return render(request, "queues/kiosk_offices.html", {"offices": selectors.offices_taking_tickets()})


@public
@require_http_methods(["GET", "POST"])
def ticket_machine(request: HttpRequest, office: str) -> HttpResponse:
    place = selectors.office(office)
    error = None
    if request.method == "POST":
        service = selectors.service_at(place, request.POST.get("service", ""))
        try:
            if over_budget("queues.ticket", client_address(request), limit=TICKETS_PER_HOUR, window=3600):
                raise ApplicationError(ErrorCode.RATE_LIMITED, _(
                    "短時間に多くの番号札が発券されました。しばらくしてからもう一度お試しください。"))
            ticket = services.issue_ticket(actor=None, office=place, service=service,
                                           priority=request.POST.get("priority", ""))
            return redirect("queues:ticket_issued", token=ticket.token)
        except ApplicationError as e:
            error = e
    now = timezone.now()
    cal = office_calendar(place)
    snap = snapshot(place.code, detail=False, now=now)
    waits = {s["code"]: s for s in snap["services"]} if snap else {}
    buttons = [{"service": s, "state": opening_text(cal.status(now, office=place, service=s), now),
                "waiting": waits.get(s.code, {}).get("waiting", 0),
                "wait_minutes": waits.get(s.code, {}).get("wait_minutes", 0)} for s in place.services.all()]
    return render(request, "queues/kiosk_machine.html", {
        "office": place, "buttons": buttons, "error": error, "priorities": Priority.choices[1:],
        "office_state": opening_text(cal.status(now, office=place), now)}, status=error.http_status if error else 200)


@public
def ticket_issued(request: HttpRequest, token: str) -> HttpResponse:
    ticket = selectors.ticket_by_token(token)
    url = request.build_absolute_uri(reverse("queues:ticket_status", args=[ticket.token]))
    position = ticket_position(snapshot(ticket.office.code, detail=True), ticket.label)
    return render(request, "queues/kiosk_ticket.html", {
        "ticket": ticket, "qr": qr_svg(url, title=ticket.label), "status_url": url, "position": position})
