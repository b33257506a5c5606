"""The calling screen (呼出) for counter clerks."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.accounts.capabilities import Capability
from kuyakusho.core.access import staff
from kuyakusho.core.actions import post_action
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.offices.models import Counter
from kuyakusho.queues import selectors, services
from kuyakusho.queues.permissions import can_call_at
from kuyakusho.queues.snapshot import snapshot


@staff(Capability.CALL_TICKETS)
def console(request: StaffRequest) -> HttpResponse:
    return render(request, "queues/console_index.html", {"offices": selectors.offices_for(request.user)})


def _counter(request, office: str, counter: int) -> Counter:
    found = selectors.office(office)
    if not can_call_at(request.user, found):
        raise PermissionDenied
    return selectors.counter_at(found, counter)


def _context(counter: Counter) -> dict:
    handled = list(counter.services.all())
    codes = {s.code for s in handled}
    snap = snapshot(counter.office.code, detail=True)
    current = selectors.current_ticket(counter)
    return {"counter": counter, "office": counter.office, "handled": handled, "current": current,
            "waiting": selectors.waiting_for(counter, handled, timezone.localdate()),
            "snap_services": [s for s in snap["services"] if s["code"] in codes] if snap else [],
            "other_services": [s for s in counter.office.services.all() if not current or s.pk != current.service_id],
            "now": timezone.now()}


@staff(Capability.CALL_TICKETS)
def counter_screen(request: StaffRequest, office: str, counter: int) -> HttpResponse:
    desk = _counter(request, office, counter)
    template = "queues/partials/counter_panel.html" if request.headers.get("HX-Request") else "queues/counter.html"
    return render(request, template, _context(desk))


ACTIONS = {"recall": services.recall, "start": services.start_serving, "absent": services.mark_absent,
           "finish": services.finish}
DONE_MESSAGES = {"recall": gettext_lazy("%(label)s を再度呼び出しました。"),
                 "start": gettext_lazy("%(label)s の受付を開始しました。"),
                 "absent": gettext_lazy("%(label)s を不在にしました。"),
                 "finish": gettext_lazy("%(label)s を完了しました。")}


def _ticket_id(request) -> int:
    try:
        return int(request.POST.get("ticket") or 0)
    except ValueError:
        return 0


def _screen(office: str, counter: int, action: str) -> str:
    """The counter's screen; an unknown office or counter answers 404 before anything is done."""
    found = selectors.counter_at(selectors.office(office), counter)
    return reverse("queues:counter", args=[found.office.code, found.number])


@staff(Capability.CALL_TICKETS)
@post_action(_screen)
def counter_action(request: StaffRequest, office: str, counter: int, action: str) -> str:
    desk = _counter(request, office, counter)
    user = request.user
    if action == "call_next":
        code = request.POST.get("service") or ""
        service = selectors.service_at(desk.office, code) if code else None
        t = services.call_next(actor=user, counter=desk, service=service)
        return _("%(label)s を呼び出しました。") % {"label": t.label}
    if action == "call_label":
        t = services.call_ticket(actor=user, counter=desk, label=request.POST.get("label", ""))
        return _("%(label)s を呼び出しました。") % {"label": t.label}
    if action == "transfer":
        ticket = selectors.ticket_at(desk.office, _ticket_id(request))
        target = selectors.offered_service(desk.office, request.POST.get("service", ""))
        if target is None:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("移動先の業務を選んでください。"))
        new = services.transfer(actor=user, counter=desk, ticket=ticket, service=target)
        return _("%(label)s を「%(service)s」へ移動しました。") % {"label": new.label, "service": target.name}
    if action in ACTIONS:
        ticket = selectors.ticket_at(desk.office, _ticket_id(request))
        ACTIONS[action](actor=user, counter=desk, ticket=ticket)
        return DONE_MESSAGES[action] % {"label": ticket.label}
    raise ApplicationError(ErrorCode.NOT_FOUND, _("操作が見つかりません。"))
