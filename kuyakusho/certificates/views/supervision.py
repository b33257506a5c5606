"""Counter supervision: alerts (support-measure refusals and holds, card locks), held requests, card locks,
revocations."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.accounts.capabilities import Capability as C
from kuyakusho.core.access import staff
from kuyakusho.core.actions import add_refusal, post_action
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.text import check_text

from .. import selectors
from ..forms import KIND_LABELS, RevokeForm
from ..models import Alert, Channel, Requester
from ..services import admin, holds
from ..services.cards import unlock_card
from .console_common import issuance_for, page

PER_PAGE = 50


@staff(C.SUPERVISE_COUNTER)
def alerts(request: StaffRequest) -> HttpResponse:
    show_all = request.GET.get("show") == "all"
    alerts_page = Paginator(selectors.alerts(include_acknowledged=show_all), PER_PAGE).get_page(request.GET.get("page"))
    holders = [a.detail.get("card_holder_id") for a in alerts_page if a.detail.get("card_holder_id")]
    selectors.record_list_reads(request.user, [a.resident_id for a in alerts_page] + holders,
                                action="certificates.alerts_list")
    names = selectors.resident_names(holders)
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
@post_action("certificates:alerts")
def held_release(request: StaffRequest, pk: int) -> str:
    """Release a held request: issued and mailed to the registered address only."""
    held = holds.release_held(actor=request.user, held_id=pk)
    return (_("交付を承認しました。証明書は住民登録の住所（%(address)s）へ郵送してください。")
            % {"address": held.mail_to})


@staff(C.SUPERVISE_COUNTER)
@post_action("certificates:alerts")
def held_decline(request: StaffRequest, pk: int) -> str:
    holds.decline_held(actor=request.user, held_id=pk)
    return _("この請求は交付しないことにしました。")


@staff(C.SUPERVISE_COUNTER)
@post_action("certificates:alerts")
def alert_ack(request: StaffRequest, pk: int) -> str:
    admin.acknowledge_alert(actor=request.user, alert_id=pk)
    return _("警告を確認済みにしました。")


@staff(C.SUPERVISE_COUNTER)
def cards(request: StaffRequest) -> HttpResponse:
    """Cards locked after three wrong PINs (per channel), and a lookup by card number."""
    locks = selectors.locked_cards()
    number = ""
    found = []
    if request.GET.get("number"):
        try:
            number = check_text(request.GET["number"], field="number", max_length=32)
        except ApplicationError as e:
            messages.error(request, str(e.message))
        if number:
            found = selectors.cards_numbered(number)
            if not found:
                messages.error(request, _("その番号のカードはありません。"))
    selectors.record_list_reads(request.user, [lk.card.resident_id for lk in locks] + [c.resident_id for c in found],
                                action="certificates.cards_list")
    return page(request, "certificates/console/cards.html", {"locks": locks, "found": found, "number": number},
                section="cards")


@staff(C.SUPERVISE_COUNTER)
@post_action("certificates:cards")
def card_unlock(request: StaffRequest, pk: int) -> str:
    """Unlock one card for one channel (the resident has shown ID at the counter)."""
    card = selectors.card(pk)
    channel = request.POST.get("channel", "")
    if card is None or channel not in Channel.values:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("解除するカードと交付方法を選んでください。"))
    unlock_card(actor=request.user, card=card, channel=channel)
    return _("カードのロックを解除しました（%(channel)s）。") % {"channel": Channel(channel).label}


@staff(C.SUPERVISE_COUNTER)
@post_action("certificates:cards")
def card_deactivate(request: StaffRequest, pk: int) -> str:
    admin.deactivate_card(actor=request.user, card_id=pk)
    return _("カードを使用停止にしました。")


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
            add_refusal(form, e)
        else:
            messages.success(request, _("証明書を失効させました。"))
            return redirect("certificates:issuance", pk=pk)
    selectors.record_issuance_read(request.user, issuance, "certificates.issuance_view")
    return page(request, "certificates/console/issuance.html", {
        "i": issuance, "kind": KIND_LABELS.get(issuance.kind, issuance.kind), "can_revoke": True,
        "revoke_form": form, "verify_path": f"/verify/{issuance.verification_code}", "step": "done",
    }, section="counter", status=400)
