"""Protections managed by counter supervisors: support measures (支援措置) and 本人通知 (registrations, letters)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.accounts.capabilities import Capability as C
from kuyakusho.core.access import staff
from kuyakusho.core.actions import add_refusal, form_refusal, post_action
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.residents import selectors
from kuyakusho.residents.forms import SearchForm

from .. import selectors as certificate_selectors
from ..forms import EndMeasureForm, NoticeRegistrationForm, SupportMeasureForm
from ..services import admin
from .console_common import page

PURPOSE = "consultation"  # the person asked for the measure (or the registration) at the counter


@staff(C.SUPERVISE_COUNTER)
def protections(request: StaffRequest) -> HttpResponse:
    """Current support measures, 本人通知 registrations, letters to send; a search to add someone."""
    today = timezone.localdate()
    current = certificate_selectors.protections(today)
    form = SearchForm(request.GET or None)
    form.fields.pop("purpose")  # this desk searches for its own purpose
    form.fields.pop("include_removed")
    results = None
    if request.GET and form.is_valid():
        d = form.cleaned_data
        try:
            results = selectors.search_residents(user=request.user, purpose=PURPOSE, criteria=selectors.SearchCriteria(
                kana=d["kana"], name=d["name"], birth_date=d["birth_date"], town=d["town"], chome=d["chome"],
                building=d["building"], resident_code=d["resident_code"]))
        except ApplicationError as e:
            add_refusal(form, e)
    certificate_selectors.record_list_reads(request.user, current.resident_ids, action="certificates.protections_list")
    return page(request, "certificates/console/protections.html", {
        "measures": current.measures, "registrations": current.registrations, "letters": current.letters,
        "form": form,
        "results": results, "end_form": EndMeasureForm(initial={"ends_on": today}),
    }, section="protections")


def _resident(request, pk: int):
    try:
        return selectors.open_resident(user=request.user, resident_id=pk, purpose=PURPOSE, with_members=False).resident
    except ApplicationError as e:
        if e.code == ErrorCode.NOT_FOUND:
            raise Http404 from None
        raise


@staff(C.SUPERVISE_COUNTER)
def support_start(request: StaffRequest, pk: int) -> HttpResponse:
    resident = _resident(request, pk)
    form = SupportMeasureForm(request.POST or None, initial={"starts_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            admin.start_support_measure(actor=request.user, resident_id=resident.pk, starts_on=d["starts_on"],
                                        ends_on=d["ends_on"], note=d["note"])
        except ApplicationError as e:
            add_refusal(form, e)
        else:
            messages.success(request, _("支援措置を開始しました。"))
            return redirect("certificates:protections")
    return page(request, "certificates/console/protection_form.html", {
        "r": resident, "form": form, "title": _("支援措置の開始"), "submit": _("支援措置を開始する"),
        "explain": _("この方の証明書は、本人以外の請求とコンビニ・自動交付機では交付されなくなります。"
                     "請求があると警告が表示されます。"),
    }, section="protections")


@staff(C.SUPERVISE_COUNTER)
@post_action("certificates:protections")
def support_end(request: StaffRequest, pk: int) -> str:
    form = EndMeasureForm(request.POST)
    if not form.is_valid():
        raise form_refusal(form)
    admin.end_support_measure(actor=request.user, measure_id=pk, ends_on=form.cleaned_data["ends_on"])
    return _("支援措置の終了日を設定しました。")


@staff(C.SUPERVISE_COUNTER)
def notice_register(request: StaffRequest, pk: int) -> HttpResponse:
    resident = _resident(request, pk)
    form = NoticeRegistrationForm(request.POST or None, initial={"mailing_address": resident.household.address})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            admin.register_notice(actor=request.user, resident_id=resident.pk,
                                  mailing_address=d["mailing_address"], registered_on=d["registered_on"])
        except ApplicationError as e:
            add_refusal(form, e)
        else:
            messages.success(request, _("本人通知に登録しました。"))
            return redirect("certificates:protections")
    return page(request, "certificates/console/protection_form.html", {
        "r": resident, "form": form, "title": _("本人通知の登録"), "submit": _("登録する"),
        "explain": _("代理人や第三者にこの方の証明書を交付したとき、通知書を作成します。"),
    }, section="protections")


@staff(C.SUPERVISE_COUNTER)
@post_action("certificates:protections")
def notice_end(request: StaffRequest, pk: int) -> str:
    admin.end_notice_registration(actor=request.user, registration_id=pk)
    return _("本人通知の登録を廃止しました。")


@staff(C.SUPERVISE_COUNTER)
def notice_letter(request: StaffRequest, pk: int) -> HttpResponse:
    notice = certificate_selectors.notice(pk)
    if notice is None:
        raise Http404
    certificate_selectors.record_list_reads(request.user, [notice.registration.resident_id],
                                            action="certificates.notice_letter")
    return page(request, "certificates/console/notice_letter.html", {"notice": notice}, section="protections")


@staff(C.SUPERVISE_COUNTER)
@post_action("certificates:protections")
def notice_sent(request: StaffRequest, pk: int) -> str:
    admin.mark_notice_sent(actor=request.user, notice_id=pk)
    return _("通知書を発送済みにしました。")
