"""The postal-request desk (郵送請求): enter a letter, find the person, check, issue, mail — or return."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.accounts.capabilities import Capability as C
from kuyakusho.core.access import staff
from kuyakusho.core.actions import add_refusal
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.residents import selectors
from kuyakusho.residents.forms import SearchForm
from kuyakusho.residents.records import ViewPurpose

from .. import selectors as certificate_selectors
from ..forms import KIND_LABELS, PostalFilterForm, PostalForm, PostalStepForm, ReferenceForm
from ..models import Channel, Option, PostalSource, PostalStatus, Requester
from ..services import online, postal
from ..services.offer import offer
from .console_common import page

PER_PAGE = 30
STEP_MESSAGES = {
    "subject": gettext_lazy("対象者を特定しました。"), "check": gettext_lazy("審査済みにしました。"),
    "issue": gettext_lazy("証明書を交付しました。"), "mail": gettext_lazy("発送済みにしました。"),
    "return": gettext_lazy("返送にしました。"),
}


@staff(C.ISSUE_CERTIFICATE)
def postal_list(request: StaffRequest) -> HttpResponse:
    """Requests by status, newest first; a reference number opens one."""
    lookup = ReferenceForm(request.GET if "reference" in request.GET else None)
    if lookup.is_bound and lookup.is_valid():
        found = certificate_selectors.find_postal_request(lookup.cleaned_data["reference"])
        if found is not None:
            return redirect("certificates:postal_detail", reference=found.reference)
        found_online = online.find_request(lookup.cleaned_data["reference"])
        if found_online is not None:
            return redirect("certificates:online_detail", reference=found_online.reference)
        lookup.add_error("reference", _("その受付番号の請求はありません。"))
    filters = PostalFilterForm(request.GET or None)
    status = filters.cleaned_data["status"] if filters.is_bound and filters.is_valid() else None
    paginator = Paginator(certificate_selectors.postal_requests(status=status), PER_PAGE)
    requests_page = paginator.get_page(request.GET.get("page"))
    return page(request, "certificates/console/postal_list.html", {
        "lookup": lookup, "filters": filters, "page": requests_page, "kinds": KIND_LABELS,
        "online": online.desk_list(status=status)[:PER_PAGE],
    }, section="postal")


@staff(C.ISSUE_CERTIFICATE)
def postal_new(request: StaffRequest) -> HttpResponse:
    form = PostalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            req = postal.create_request(actor=request.user, data=postal.PostalInput(
                kind=d["kind"], requester=d["requester"], requester_name=d["requester_name"],
                requester_address=d["requester_address"], options=frozenset(d["options"]), copies=d["copies"],
                purpose=d["purpose"], id_copy=d["id_copy"], fee_received=d["fee_received"],
                received_on=d["received_on"], source=d["source"] or PostalSource.LETTER,
                whole_household=d["whole_household"], fiscal_year=d["fiscal_year"]))
        except ApplicationError as e:
            add_refusal(form, e)
        else:
            messages.success(request, _("受け付けました。受付番号 %(ref)s") % {"ref": req.reference})
            return redirect("certificates:postal_detail", reference=req.reference)
    # Said before the clerk types the letter in (a letter is still recorded, then returned at the check).
    closed = offer(Channel.POSTAL).closed_error(hours_apply=False)
    return page(request, "certificates/console/postal_new.html", {"form": form, "closed": closed}, section="postal")


def _detail(request, reference: str, *, kept: dict | None = None, step_error=None, status: int = 200):
    """The request with the actions its state allows; after a refusal, the typed input is kept and the
    form carries the current version (a stale screen shows what changed)."""
    try:
        req = certificate_selectors.open_postal_request(user=request.user, reference=reference)
    except ApplicationError as e:
        if e.code == ErrorCode.NOT_FOUND:
            raise Http404 from None
        raise
    search_form = SearchForm(request.GET or None, prefix="s")
    search_form.fields.pop("purpose")  # this desk searches for its own purpose
    search_form.fields.pop("include_removed")
    results = None
    if req.status == PostalStatus.RECEIVED and request.GET and search_form.is_valid():
        d = search_form.cleaned_data
        try:
            results = selectors.search_residents(
                user=request.user, purpose=ViewPurpose.CERTIFICATE, criteria=selectors.SearchCriteria(
                kana=d["kana"], name=d["name"], birth_date=d["birth_date"], town=d["town"], chome=d["chome"],
                building=d["building"], resident_code=d["resident_code"]))
        except ApplicationError as e:
            add_refusal(search_form, e)
    found = postal.problems(req) if req.status == PostalStatus.RECEIVED else []
    shortfall = next((p.extra.get("shortfall") for p in found if p.field == "fee_received"), None)
    initial: dict[str, object] = {"version": req.version}
    if shortfall:
        initial["reason"] = _("手数料の不足（%(n)s円）") % {"n": f"{shortfall:,}"}
    step_form = PostalStepForm(initial={**initial, **{k: v for k, v in (kept or {}).items() if v}})
    return page(request, "certificates/console/postal_detail.html", {
        "req": req, "kind": KIND_LABELS.get(req.kind, req.kind), "fee_due": postal.fee_due(req),
        "options": [Option(o).label for o in req.options if o in Option.values],
        "problems": [p for p in found if p.field != "letter_of_authority"], "step_form": step_form,
        "step_error": step_error, "search_form": search_form, "results": results,
        "is_proxy": req.requester == Requester.PROXY, "issuances": list(req.issuances.all()),
    }, section="postal", status=status)


@staff(C.ISSUE_CERTIFICATE)
def postal_detail(request: StaffRequest, reference: str) -> HttpResponse:
    return _detail(request, reference)


@staff(C.ISSUE_CERTIFICATE)
def postal_step(request: StaffRequest, reference: str) -> HttpResponse:
    """One step of the state machine (POST ``action``), refused from the wrong state or a stale screen."""
    if request.method != "POST":
        return redirect("certificates:postal_detail", reference=reference)
    form = PostalStepForm(request.POST)
    action = request.POST.get("action", "")
    kept = {"reason": request.POST.get("reason", ""),
            "letter_of_authority": bool(request.POST.get("letter_of_authority"))}
    if action not in postal.STEPS or not form.is_valid():
        error = ApplicationError(ErrorCode.INVALID_INPUT, _("操作を選び直してください。"))
        return _detail(request, reference, kept=kept, step_error=error, status=400)
    d, user = form.cleaned_data, request.user
    try:
        if action == "subject":
            try:
                subject_id = int(request.POST.get("subject_id", ""))
            except ValueError:
                raise ApplicationError(ErrorCode.INVALID_INPUT, _("対象者を選んでください。"),
                                       field="subject") from None
            req = postal.set_subject(actor=user, reference=reference, version=d["version"], subject_id=subject_id)
        elif action == "check":
            req = postal.check_request(actor=user, reference=reference, version=d["version"],
                                       letter_of_authority=d["letter_of_authority"])
        elif action == "issue":
            req = postal.issue_request(actor=user, reference=reference, version=d["version"])
        elif action == "mail":
            req = postal.mark_mailed(actor=user, reference=reference, version=d["version"])
        else:
            req = postal.return_request(actor=user, reference=reference, version=d["version"], reason=d["reason"])
    except ApplicationError as e:
        if e.code == ErrorCode.NOT_FOUND and e.field == "reference":
            raise Http404 from None
        return _detail(request, reference, kept=kept, step_error=e, status=e.http_status)
    if action == "issue" and req.status == PostalStatus.HELD:
        messages.warning(request, _("この請求は責任者の確認待ちになりました（交付していません）。"))
    else:
        messages.success(request, STEP_MESSAGES[action])
    return redirect("certificates:postal_detail", reference=req.reference)
