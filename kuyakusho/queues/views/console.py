"""The calling screen (呼出) for counter clerks."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.accounts.capabilities import Capability
from kuyakusho.accounts.permissions import can_work_at_office
from kuyakusho.core.access import staff
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.offices.models import Counter, Service
from kuyakusho.queues import services
from kuyakusho.queues.models import ACTIVE, Status, Ticket
from kuyakusho.queues.snapshot import office_queryset, snapshot

from .common import get_office


@staff(Capability.CALL_TICKETS)
def console(request: StaffRequest) -> HttpResponse:
    offices = [o for o in office_queryset().prefetch_related("counters__services")
               if can_work_at_office(request.user, o)]
    return render(request, "queues/console_index.html", {"offices": offices})


def _counter(request, office: str, counter: int) -> Counter:
    office = get_office(office)
    if not can_work_at_office(request.user, office):
        raise PermissionDenied
    found = Counter.objects.filter(office=office, number=counter).select_related("office") \
        .prefetch_related("services").first()
    if found is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("%(office)sに%(n)s番窓口はありません。")
                               % {"office": office.name, "n": counter})
    return found


def _context(counter: Counter) -> dict:
    handled = list(counter.services.all())
    codes = {s.code for s in handled}
    snap = snapshot(counter.office.code, detail=True)
    current = Ticket.objects.filter(counter=counter, status__in=ACTIVE).select_related("service").first()
    waiting = (Ticket.objects.filter(office=counter.office, day=timezone.localdate(), status=Status.WAITING,
                                     service__in=handled).select_related("service").order_by("queued_at", "id"))
    waiting = sorted(waiting, key=lambda t: (not t.priority, t.queued_at, t.id))
    return {"counter": counter, "office": counter.office, "handled": handled, "current": current,
            "waiting": waiting, "snap_services": [s for s in snap["services"] if s["code"] in codes] if snap else [],
            "other_services": [s for s in counter.office.services.all() if not current or s.pk != current.service_id],
            "now": timezone.now()}


@staff(Capability.CALL_TICKETS)
def counter_screen(request: StaffRequest, office: str, counter: int) -> HttpResponse:
    counter = _counter(request, office, counter)
    template = "queues/partials/counter_panel.html" if request.headers.get("HX-Request") else "queues/counter.html"
    return render(request, template, _context(counter))


ACTIONS = {"recall": services.recall, "start": services.start_serving, "absent": services.mark_absent,
           "finish": services.finish}
DONE_MESSAGES = {"recall": gettext_lazy("%(label)s を再度呼び出しました。"),
                 "start": gettext_lazy("%(label)s の受付を開始しました。"),
                 "absent": gettext_lazy("%(label)s を不在にしました。"),
                 "finish": gettext_lazy("%(label)s を完了しました。")}


@staff(Capability.CALL_TICKETS)
@require_POST
def counter_action(request: StaffRequest, office: str, counter: int, action: str) -> HttpResponse:
    counter = _counter(request, office, counter)
    user = request.user
    try:
        if action == "call_next":
            code = request.POST.get("service") or ""
            service = next((s for s in Service.objects.filter(code=code)), None) if code else None
            if code and service is None:
                raise ApplicationError(ErrorCode.NOT_FOUND,
                                       _("業務「%(code)s」は見つかりません。") % {"code": code[:32]})
            t = services.call_next(actor=user, counter=counter, service=service)
            messages.success(request, _("%(label)s を呼び出しました。") % {"label": t.label})
        elif action == "call_label":
            t = services.call_ticket(actor=user, counter=counter, label=request.POST.get("label", ""))
            messages.success(request, _("%(label)s を呼び出しました。") % {"label": t.label})
        elif action in ACTIONS or action == "transfer":
            ticket = Ticket.objects.filter(pk=request.POST.get("ticket") or 0, office=counter.office) \
                .select_related("service", "office").first()
            if ticket is None:
                raise ApplicationError(ErrorCode.NOT_FOUND, _("番号札が見つかりません。"))
            if action == "transfer":
                target = counter.office.services.filter(code=request.POST.get("service", "")).first()
                if target is None:
                    raise ApplicationError(ErrorCode.INVALID_INPUT, _("移動先の業務を選んでください。"))
                new = services.transfer(actor=user, counter=counter, ticket=ticket, service=target)
                messages.success(request, _("%(label)s を「%(service)s」へ移動しました。")
                                 % {"label": new.label, "service": target.name})
            else:
                ACTIONS[action](actor=user, counter=counter, ticket=ticket)
                messages.success(request, DONE_MESSAGES[action] % {"label": ticket.label})
        else:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("操作が見つかりません。"))
    except ApplicationError as e:
        messages.error(request, e.message)
    return redirect("queues:counter", office=counter.office.code, counter=counter.number)
