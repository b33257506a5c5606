"""Residents' pages: live congestion, the best time to visit, a ticket holder's status, the lobby display."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuyakusho.core import recent
from kuyakusho.core.access import public
from kuyakusho.queues.besttime import best_time as best_time_data
from kuyakusho.queues.besttime import chart_svg
from kuyakusho.queues.models import FINAL
from kuyakusho.queues.snapshot import PAGE_SNAPSHOT_SECONDS, position, recent_snapshots, snapshot

from .. import selectors


@public
def congestion(request: HttpRequest) -> HttpResponse:
    # the rendered figures are kept for the snapshot's period too; the snapshot is read only to render them
    response = render(request, "queues/congestion.html", {
        "offices": SimpleLazyObject(recent_snapshots), "snapshot_period": recent.period(PAGE_SNAPSHOT_SECONDS)})
    patch_cache_control(response, no_cache=True)
    return response


@public
def best_time(request: HttpRequest, office: str) -> HttpResponse:
    place = selectors.office(office)
    data = best_time_data(place)
    return render(request, "queues/best_time.html", {
        "office": place, "data": data, "chart": chart_svg(data), "offices": selectors.offices_taking_tickets()})


def _ticket_state(ticket) -> dict:
    if ticket.status in FINAL:
        return {"state": ticket.status}
    if ticket.day != _today():
        return {"state": "expired"}
    return position(ticket)


def _today():
    return timezone.localdate()


@public
def ticket_status(request: HttpRequest, token: str) -> HttpResponse:
    ticket = selectors.ticket_by_token(token)
    return render(request, "queues/ticket_status.html", {
        "ticket": ticket, "position": _ticket_state(ticket), "is_today": ticket.day == _today()})


@public
def ticket_status_json(request: HttpRequest, token: str) -> HttpResponse:
    ticket = selectors.ticket_by_token(token)
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
    place = selectors.office(office)
    seconds = place.display_alternate_seconds
    if not seconds:
        return render(request, "queues/display.html", {
            "office": place, "snap": snapshot(place.code, detail=True), "chime_label": _("呼出音")})
    # Japanese first; the English words wait in data attributes for the display's script.
    with translation.override("ja"):
        snap = snapshot(place.code, detail=True)
        if snap is None:  # it stopped taking tickets since the look-up
            raise Http404
        services = selectors.services_coded([s["code"] for s in snap["services"]])
        ja, en = _in("ja", place, services), _in("en", place, services)
        texts = {k: {"ja": ja[k], "en": en[k]} for k in ja}
        snap = {**snap, "services": [{**s, "alt": texts[f"service-{s['code']}"]} for s in snap["services"]]}
        return render(request, "queues/display.html", {
            "office": place, "snap": snap, "chime_label": _("呼出音"), "alternate_seconds": seconds,
            "texts": texts})
