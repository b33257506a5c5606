"""Residents' pages: live congestion, the best time to visit, a ticket holder's status, the lobby display."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuyakusho.core.access import public
from kuyakusho.offices.models import Service
from kuyakusho.queues.besttime import best_time as best_time_data
from kuyakusho.queues.besttime import chart_svg
from kuyakusho.queues.models import FINAL
from kuyakusho.queues.snapshot import office_queryset, snapshot, snapshots, ticket_position

from .common import get_office, get_ticket_by_token


@public
def congestion(request: HttpRequest) -> HttpResponse:
    response = render(request, "queues/congestion.html", {"offices": snapshots()})
    patch_cache_control(response, no_cache=True)
    return response


@public
def best_time(request: HttpRequest, office: str) -> HttpResponse:
    office = get_office(office)
    data = best_time_data(office)
    return render(request, "queues/best_time.html", {
        "office": office, "data": data, "chart": chart_svg(data), "offices": office_queryset()})


def _ticket_state(ticket) -> dict:
    if ticket.status in FINAL:
        return {"state": ticket.status}
    if ticket.day != _today():
        return {"state": "expired"}
    return ticket_position(snapshot(ticket.office.code, detail=True), ticket.label)


def _today():
    from django.utils import timezone

    return timezone.localdate()


@public
def ticket_status(request: HttpRequest, token: str) -> HttpResponse:
    ticket = get_ticket_by_token(token)
    return render(request, "queues/ticket_status.html", {
        "ticket": ticket, "position": _ticket_state(ticket), "is_today": ticket.day == _today()})


@public
def ticket_status_json(request: HttpRequest, token: str) -> HttpResponse:
    ticket = get_ticket_by_token(token)
    state = _ticket_state(ticket)
    response = JsonResponse({"label": ticket.label, "office": ticket.office.code, "service": ticket.service.code,
                             "day": ticket.day.isoformat(), "status": ticket.status,
                             "status_label": str(ticket.get_status_display()), **state})
    patch_cache_control(response, no_cache=True)
    return response


#: The lobby display's own words, prepared in both languages when the office alternates them.
DISPLAY_TEXTS = {"called": gettext_lazy("お呼び出し中の番号"), "waiting": gettext_lazy("お待ちの人数"),
                 "none": gettext_lazy("呼出中の番号はありません"), "people": gettext_lazy("人"),
                 "hint": gettext_lazy("番号札のQRコードから、スマートフォンで順番を確認できます。")}


def _in(language: str, office, services: list) -> dict:
    with translation.override(language):
        return {"office": office.name, **{k: str(v) for k, v in DISPLAY_TEXTS.items()},
                **{f"service-{s.code}": s.name for s in services}}


@public
def display(request: HttpRequest, office: str) -> HttpResponse:
    """The wall screen of one office: no language switch; Japanese and English in turn if the office says so."""
    office = get_office(office)
    seconds = office.display_alternate_seconds
    if not seconds:
        return render(request, "queues/display.html", {
            "office": office, "snap": snapshot(office.code, detail=True), "chime_label": _("呼出音")})
    # Japanese first; the English words wait in data attributes for the display's script.
    with translation.override("ja"):
        snap = snapshot(office.code, detail=True)
        services = list(Service.objects.filter(code__in=[s["code"] for s in snap["services"]]))
        ja, en = _in("ja", office, services), _in("en", office, services)
        texts = {k: {"ja": ja[k], "en": en[k]} for k in ja}
        snap = {**snap, "services": [{**s, "alt": texts[f"service-{s['code']}"]} for s in snap["services"]]}
        return render(request, "queues/display.html", {
            "office": office, "snap": snap, "chime_label": _("呼出音"), "alternate_seconds": seconds,
            "texts": texts})
