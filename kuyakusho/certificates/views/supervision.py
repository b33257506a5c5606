"""Counter supervision: alerts (support-measure refusals and holds, card locks), held requests, card locks,
revocations."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.accounts.capabilities import Capability as C
from kuyakusho.audit.services import record_reads
from kuyakusho.core.access import staff
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.text import check_text
from kuyakusho.residents.models import Resident

from ..forms import KIND_LABELS, RevokeForm
from ..models import Alert, Card, CardLock, Channel, Requester
from ..services import admin, holds
from ..services.cards import unlock_card
from .console_common import add_error, issuance_for, page, read_issuance

PER_PAGE = 50


def read_residents(user, resident_ids, *, action: str, purpose: str = "investigation") -> None:
    """A list naming residents is a read of each of them (one audit event per person shown, one lock)."""
    with transaction.atomic():
        record_reads(actor=user, action=action, subject_ids=sorted(set(resident_ids)), purpose=purpose)


@staff(C.SUPERVISE_COUNTER)
def alerts(request: StaffRequest) -> HttpResponse:
    show_all = request.GET.get("show") == "all"
    qs = (Alert.objects.select_related("resident", "acknowledged_by", "held_request", "held_request__decided_by",
                                       "held_request__issuance", "held_request__postal_request")
          .order_by("acknowledged_at", "-created_at"))
    if not show_all:
        qs = qs.filter(acknowledged_at__isnull=True)
    alerts_page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    holders = [a.detail.get("card_holder_id") for a in alerts_page if a.detail.get("card_holder_id")]
    read_residents(request.user, [a.resident_id for a in alerts_page] + holders, action="certificates.alerts_list")
    names = dict(Resident.objects.filter(pk__in=holders).values_list("pk", "name"))
    rows = [{"a": a, "asked": _asked(a.detail, names), "held": _held(a)} for a in alerts_page]
    return page(request, "certificates/console/alerts.html", {"page": alerts_page, "rows": rows,
                                                              "show_all": show_all}, section="alerts")


def _held(alert: Alert):
    try:
        return alert.held_request
    except Alert.held_request.RelatedObjectDoesNotExist:
        return None


def _asked(detail: dict, names: dict[int, str]) -> list[tuple[str, str]]:
    """Who asked, where and for what, as label/value pairs (the alert's record of the request)."""
    found: list[tuple[str, str]] = []
    outcome = detail.get("outcome")
    if outcome:
        found.append((_("結果"), _("保留（責任者の確認待ち）") if outcome == "held" else _("交付しなかった")))
    if detail.get("requester") in Requester.values:
        found.append((_("請求者の種別"), str(Requester(detail["requester"]).label)))
    holder = detail.get("card_holder_id")
    if holder:
        found.append((_("カードの持ち主"), f"{names.get(holder, '')}（{_('住民ID')} {holder}）"))
    for key, label in (("requester_name", _("請求者が述べた氏名")), ("requester_address", _("請求者が述べた住所")),
                       ("identity_document", _("本人確認書類")), ("terminal", _("端末")), ("staff", _("職員"))):
        if detail.get(key):
            found.append((label, str(detail[key])))
    if detail.get("document"):
        document = KIND_LABELS.get(detail["document"], detail["document"])
        found.append((_("請求された証明書"), f"{document}（{_('世帯全員')}）" if detail.get("whole_household")
                      else str(document)))
    return found


@staff(C.SUPERVISE_COUNTER)
def held_release(request: StaffRequest, pk: int) -> HttpResponse:
    """Release a held request: issued and mailed to the registered address only."""
    if request.method == "POST":
        try:
            held = holds.release_held(actor=request.user, held_id=pk)
        except ApplicationError as e:
            messages.error(request, str(e.message))
        else:
            messages.success(request, _("交付を承認しました。証明書は住民登録の住所（%(address)s）へ郵送してください。")
                             % {"address": held.mail_to})
    return redirect("certificates:alerts")


@staff(C.SUPERVISE_COUNTER)
def held_decline(request: StaffRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        try:
            holds.decline_held(actor=request.user, held_id=pk)
        except ApplicationError as e:
            messages.error(request, str(e.message))
        else:
            messages.success(request, _("この請求は交付しないことにしました。"))
    return redirect("certificates:alerts")


@staff(C.SUPERVISE_COUNTER)
def alert_ack(request: StaffRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        try:
            admin.acknowledge_alert(actor=request.user, alert_id=pk)
            messages.success(request, _("警告を確認済みにしました。"))
        except ApplicationError as e:
            messages.error(request, str(e.message))
    return redirect("certificates:alerts")


@staff(C.SUPERVISE_COUNTER)
def cards(request: StaffRequest) -> HttpResponse:
    """Cards locked after three wrong PINs (per channel), and a lookup by card number."""
    locks = list(CardLock.objects.filter(locked_at__isnull=False).select_related("card", "card__resident")
                 .order_by("-locked_at")[:200])
    number = ""
    found = []
    if request.GET.get("number"):
        try:
            number = check_text(request.GET["number"], field="number", max_length=32)
        except ApplicationError as e:
            messages.error(request, str(e.message))
        if number:
            found = list(Card.objects.filter(number=number).select_related("resident").prefetch_related("locks"))
            if not found:
                messages.error(request, _("その番号のカードはありません。"))
    read_residents(request.user, [lk.card.resident_id for lk in locks] + [c.resident_id for c in found],
                   action="certificates.cards_list")
    return page(request, "certificates/console/cards.html", {"locks": locks, "found": found, "number": number},
                section="cards")


@staff(C.SUPERVISE_COUNTER)
def card_unlock(request: StaffRequest, pk: int) -> HttpResponse:
    """Unlock one card for one channel (the resident has shown ID at the counter)."""
    if request.method == "POST":
        card = Card.objects.filter(pk=pk).first()
        channel = request.POST.get("channel", "")
        if card is None or channel not in Channel.values:
            messages.error(request, _("解除するカードと交付方法を選んでください。"))
        else:
            unlock_card(actor=request.user, card=card, channel=channel)
            messages.success(request, _("カードのロックを解除しました（%(channel)s）。")
                             % {"channel": Channel(channel).label})
    return redirect("certificates:cards")


@staff(C.SUPERVISE_COUNTER)
def card_deactivate(request: StaffRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        try:
            admin.deactivate_card(actor=request.user, card_id=pk)
            messages.success(request, _("カードを使用停止にしました。"))
        except ApplicationError as e:
            messages.error(request, str(e.message))
    return redirect("certificates:cards")


@staff(C.SUPERVISE_COUNTER)
def revoke(request: StaffRequest, pk: int) -> HttpResponse:
    """Revoke an issued certificate (the public verification page then says so)."""
    issuance = issuance_for(request.user, pk)
    if request.method != "POST":
        return redirect("certificates:issuance", pk=pk)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            admin.revoke_issuance(actor=request.user, issuance_id=issuance.pk, reason=form.cleaned_data["reason"])
        except ApplicationError as e:
            if e.code != ErrorCode.CONFLICT:
                raise
            add_error(form, e)
        else:
            messages.success(request, _("証明書を失効させました。"))
            return redirect("certificates:issuance", pk=pk)
    read_issuance(request.user, issuance, "certificates.issuance_view")
    return page(request, "certificates/console/issuance.html", {
        "i": issuance, "kind": KIND_LABELS.get(issuance.kind, issuance.kind), "can_revoke": True,
        "revoke_form": form, "verify_path": f"/verify/{issuance.verification_code}", "step": "done",
    }, section="counter", status=400)
