"""Protections managed by counter supervisors: support measures (支援措置) and 本人通知 (registrations, letters)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.accounts.capabilities import Capability as C
from kuyakusho.core.access import staff
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.residents import selectors
from kuyakusho.residents.forms import SearchForm

from ..forms import EndMeasureForm, NoticeRegistrationForm, SupportMeasureForm
from ..models import Notice, NoticeRegistration, SupportMeasure
from ..services import admin
from .console_common import add_error, page
from .supervision import read_residents

PURPOSE = "consultation"  # the person asked for the measure (or the registration) at the counter


@staff(C.SUPERVISE_COUNTER)
def protections(request: StaffRequest) -> HttpResponse:
    """Current support measures, 本人通知 registrations, letters to send; a search to add someone."""
    today = timezone.localdate()
    measures = list(SupportMeasure.objects.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
                    .select_related("resident").order_by("starts_on"))
    registrations = list(NoticeRegistration.objects.filter(active=True).select_related("resident")
                         .order_by("-registered_on")[:200])
    letters = list(Notice.objects.filter(sent_at__isnull=True).select_related("registration__resident", "issuance")
                   .order_by("created_at")[:200])
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
            add_error(form, e)
    read_residents(request.user, [m.resident_id for m in measures] + [r.resident_id for r in registrations]
                   + [n.registration.resident_id for n in letters], action="certificates.protections_list")
    return page(request, "certificates/console/protections.html", {
        "measures": measures, "registrations": registrations, "letters": letters, "form": form,
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
            add_error(form, e)
        else:
            messages.success(request, _("支援措置を開始しました。"))
            return redirect("certificates:protections")
    return page(request, "certificates/console/protection_form.html", {
        "r": resident, "form": form, "title": _("支援措置の開始"), "submit": _("支援措置を開始する"),
        "explain": _("この方の証明書は、本人以外の請求とコンビニ・自動交付機では交付されなくなります。"
                     "請求があると警告が表示されます。"),
    }, section="protections")


@staff(C.SUPERVISE_COUNTER)
def support_end(request: StaffRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        form = EndMeasureForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        else:
            try:
                admin.end_support_measure(actor=request.user, measure_id=pk, ends_on=form.cleaned_data["ends_on"])
                messages.success(request, _("支援措置の終了日を設定しました。"))
            except ApplicationError as e:
                messages.error(request, str(e.message))
    return redirect("certificates:protections")


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
            add_error(form, e)
        else:
            messages.success(request, _("本人通知に登録しました。"))
            return redirect("certificates:protections")
    return page(request, "certificates/console/protection_form.html", {
        "r": resident, "form": form, "title": _("本人通知の登録"), "submit": _("登録する"),
        "explain": _("代理人や第三者にこの方の証明書を交付したとき、通知書を作成します。"),
    }, section="protections")


@staff(C.SUPERVISE_COUNTER)
def notice_end(request: StaffRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        try:
            admin.end_notice_registration(actor=request.user, registration_id=pk)
            messages.success(request, _("本人通知の登録を廃止しました。"))
        except ApplicationError as e:
            messages.error(request, str(e.message))
    return redirect("certificates:protections")


@staff(C.SUPERVISE_COUNTER)
def notice_letter(request: StaffRequest, pk: int) -> HttpResponse:
    notice = Notice.objects.select_related("registration__resident", "issuance").filter(pk=pk).first()
    if notice is None:
        raise Http404
    read_residents(request.user, [notice.registration.resident_id], action="certificates.notice_letter")
    return page(request, "certificates/console/notice_letter.html", {"notice": notice}, section="protections")


@staff(C.SUPERVISE_COUNTER)
def notice_sent(request: StaffRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        try:
            admin.mark_notice_sent(actor=request.user, notice_id=pk)
            messages.success(request, _("通知書を発送済みにしました。"))
        except ApplicationError as e:
            messages.error(request, str(e.message))
    return redirect("certificates:protections")
