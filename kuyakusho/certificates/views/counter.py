"""The counter flow (窓口): find the person → certificate and options → requester and ID → confirm → issue →
print or download. Each step posts everything typed so far (hidden fields), so nothing is lost going back."""

from __future__ import annotations

import re
import uuid

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.accounts.capabilities import Capability as C
from kuyakusho.core.access import staff
from kuyakusho.core.actions import add_refusal
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.residents import selectors
from kuyakusho.residents.forms import SearchForm
from kuyakusho.residents.permissions import can_view_removed
from kuyakusho.residents.purpose import FLOW_FIELD, flow_from
from kuyakusho.residents.records import ViewPurpose

from .. import selectors as certificate_selectors
from ..forms import CHOOSE_FIELDS, KIND_LABELS, REQUESTER_FIELDS, CounterForm, IssuanceLookupForm, RevokeForm
from ..models import Channel, Option, Requester
from ..permissions import allowed_offices, can_revoke
from ..services.issuance import IssueRequest, fee_for, issue
from ..services.offer import offer
from ..services.protections import needs_protection_file_check
from .console_common import issuance_for, page

OFFICE_SESSION_KEY = "certificates_office"
_IDEMPOTENCY = re.compile(r"[0-9a-f]{32}", re.ASCII)
MULTI_FIELDS = {"members", "options"}


@staff(C.ISSUE_CERTIFICATE)
def counter(request: StaffRequest) -> HttpResponse:
    """Step 1: find the person (the register's search; audited there). A closed counter says so first."""
    available = offer(Channel.COUNTER)
    if not available.open:
        return _closed(request, available)
    form = SearchForm(request.GET or None)
    form.fields.pop("purpose")  # this desk searches for its own purpose
    if not can_view_removed(request.user):
        form.fields.pop("include_removed")
    results = None
    if request.GET and form.is_valid():
        d = form.cleaned_data
        criteria = selectors.SearchCriteria(
            kana=d["kana"], name=d["name"], birth_date=d["birth_date"], town=d["town"], chome=d["chome"],
            building=d["building"], resident_code=d["resident_code"], include_removed=d.get("include_removed", False))
        try:
            number = max(int(request.GET.get("page") or 1), 1)
        except ValueError:
            number = 1
        try:
            results = selectors.search_residents(user=request.user, purpose=ViewPurpose.CERTIFICATE, criteria=criteria,
                                                 page=number)
        except ApplicationError as e:
            add_refusal(form, e)
    return page(request, "certificates/console/counter_search.html", {"form": form, "page": results, "step": "search"},
                section="counter")


def _closed(request, available) -> HttpResponse:
    return page(request, "certificates/console/counter_closed.html", {"reason": available.reason, "step": "search"},
                section="counter")


def _initial(data) -> dict:
    return {k: (data.getlist(k) if k in MULTI_FIELDS else data.get(k)) for k in data if k != "csrfmiddlewaretoken"}


def _carry(data, names) -> list[tuple[str, str]]:
    return [(name, value) for name in names for value in data.getlist(name)]


def _summary(d: dict, rec, policy) -> dict:
    if d.get("whole_household"):
        printed = rec.members
    else:
        chosen = {rec.resident.pk, *d.get("members", [])}
        printed = [m for m in rec.members if m.pk in chosen] or [rec.resident]
    return {
        "kind": KIND_LABELS.get(d["kind"], d["kind"]), "printed": printed,
        "protection_file_check": needs_protection_file_check(
            channel=Channel.COUNTER, requester=d["requester"], subject_id=rec.resident.pk,
            printed=[m.pk for m in printed], on=timezone.localdate()),
        "options": [Option(o).label for o in d.get("options", [])],
        "requester": Requester(d["requester"]).label, "fee": fee_for(policy, kind=d["kind"], requester=d["requester"],
                                                                   exemption=d.get("fee_exemption", "")),
    }


def _issue_request(d: dict, subject_id: int, key: str, *, protection_file_checked: bool = False) -> IssueRequest:
    return IssueRequest(
        channel=Channel.COUNTER, kind=d["kind"], subject_id=subject_id, members=tuple(d.get("members") or ()),
        whole_household=bool(d.get("whole_household")), options=frozenset(d.get("options") or ()),
        fiscal_year=d.get("fiscal_year"), requester=d["requester"], requester_name=d.get("requester_name", ""),
        purpose=d.get("purpose", ""), identity_document=d.get("identity_document", ""),
        letter_of_authority=bool(d.get("letter_of_authority")), seal_card_number=d.get("seal_card_number", ""),
        fee_exemption=d.get("fee_exemption", ""), office_id=d["office"].pk, idempotency_key=key,
        protection_file_checked=protection_file_checked,
    )


@staff(C.ISSUE_CERTIFICATE)
def counter_person(request: StaffRequest, pk: int) -> HttpResponse:
    """Steps 2–5 for one person: choose → identity → confirm → issue (POST ``step`` names the step sent)."""
    available = offer(Channel.COUNTER)
    if not available.open:  # before the clerk fills anything in, and before the person's record is read
        return _closed(request, available)
    # One read per person shown per issuance, not one per step: the later steps carry the people already
    # recorded in a signed token (a step posted without it records them again).
    flow = flow_from(request.user, request.POST.get(FLOW_FIELD) if request.method == "POST" else None,
                     f"counter:{pk}")
    try:
        rec = selectors.open_resident(user=request.user, resident_id=pk, purpose="certificate",
                                      already_read=flow.read)
    except ApplicationError as e:
        if e.code == ErrorCode.NOT_FOUND:
            raise Http404 from None
        raise
    policy = available.policy
    offices = allowed_offices(request.user)
    make = lambda data=None, step="identity", **kw: CounterForm(  # noqa: E731
        data, policy=policy, household=rec.members, subject=rec.resident, offices=offices, step=step, **kw)
    context = {"rec": rec, "r": rec.resident, "policy": policy,
               "flow": flow.plus([rec.resident.pk, *(m.pk for m in rec.members)]).token(request.user)}

    def show(step: str, form, carry_names=()) -> HttpResponse:
        data = request.POST if request.method == "POST" else None
        carry = _carry(data, carry_names) if data else []
        choose, requester = form.bound_groups()
        return page(request, "certificates/console/counter_person.html", {
            **context, "step": step, "form": form, "visible": choose if step == "choose" else requester,
            "carry": carry}, section="counter")

    if request.method != "POST":
        office = request.session.get(OFFICE_SESSION_KEY)
        first = (offices.filter(pk=office).first() if office is not None else None) or offices.first()
        return show("choose", make(step="choose", initial={"office": first.pk if first else None,
                                                            "requester": Requester.SELF}), REQUESTER_FIELDS)

    data = request.POST
    back = data.get("back")
    if back in ("choose", "identity"):
        form = make(initial=_initial(data))
        return show(back, form, REQUESTER_FIELDS if back == "choose" else CHOOSE_FIELDS)
    step = data.get("step")
    if step == "choose":
        form = make(data, step="choose")
        if not form.is_valid():
            return show("choose", form, REQUESTER_FIELDS)
        request.session[OFFICE_SESSION_KEY] = form.cleaned_data["office"].pk
        initial = {"requester": Requester.SELF, **_initial(data)}
        return show("identity", make(initial=initial), CHOOSE_FIELDS)
    form = make(data)
    if not form.is_valid():
        wrong_choice = any(n in form.errors for n in CHOOSE_FIELDS)
        return show("choose" if wrong_choice else "identity", form,
                    REQUESTER_FIELDS if wrong_choice else CHOOSE_FIELDS)
    d = form.cleaned_data
    def confirm(key: str, error=None) -> HttpResponse:
        return page(request, "certificates/console/counter_confirm.html", {
            **context, "step": "confirm", "d": d, "summary": _summary(d, rec, policy), "error": error,
            "carry": _carry(data, CHOOSE_FIELDS + REQUESTER_FIELDS), "idempotency_key": key},
            section="counter", status=400 if error else 200)

    if step == "identity":
        return confirm(uuid.uuid4().hex)
    if step != "confirm":
        return show("choose", make(initial=_initial(data), step="choose"), REQUESTER_FIELDS)
    key = data.get("idempotency_key", "")
    if not _IDEMPOTENCY.fullmatch(key):
        key = uuid.uuid4().hex
    try:
        issuance = issue(_issue_request(d, rec.resident.pk, key,
                                        protection_file_checked=data.get("protection_file_checked") == "1"),
                         actor=request.user)
    except ApplicationError as e:
        if e.field == "protection_file_checked":
            return confirm(key, e)
        add_refusal(form, e)
        on_choice = e.field in CHOOSE_FIELDS
        return show("choose" if on_choice else "identity", form, REQUESTER_FIELDS if on_choice else CHOOSE_FIELDS)
    messages.success(request, _("証明書を交付しました。交付番号 %(number)s") % {"number": issuance.number})
    return redirect("certificates:issuance", pk=issuance.pk)


@staff(C.ISSUE_CERTIFICATE)
def issuance_detail(request: StaffRequest, pk: int) -> HttpResponse:
    """The issued certificate: number, verification code, fee; print or download; revoke (supervisors)."""
    issuance = issuance_for(request.user, pk)
    certificate_selectors.record_issuance_read(request.user, issuance, "certificates.issuance_view")
    return page(request, "certificates/console/issuance.html", {
        "i": issuance, "kind": KIND_LABELS.get(issuance.kind, issuance.kind),
        "can_revoke": can_revoke(request.user, issuance),
        "revoke_form": RevokeForm(), "verify_path": f"/verify/{issuance.verification_code}", "step": "done",
    }, section="counter")


@staff(C.ISSUE_CERTIFICATE)
def issuance_pdf(request: StaffRequest, pk: int) -> HttpResponse:
    """The signed PDF as issued (inline to print; ``?download=1`` to save). Audited as a read."""
    issuance = issuance_for(request.user, pk)
    if not issuance.pdf:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("この証明書のPDFは保存期間を過ぎたため、表示できません。"))
    certificate_selectors.record_issuance_read(request.user, issuance, "certificates.pdf_download", printed=True)
    response = HttpResponse(bytes(issuance.pdf), content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="certificate-{issuance.number}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@staff(C.ISSUE_CERTIFICATE)
def issuance_lookup(request: StaffRequest) -> HttpResponse:
    """Find an issued certificate by its number (printed on the certificate)."""
    form = IssuanceLookupForm(request.GET or None)
    if request.GET and form.is_valid():
        number = form.cleaned_data["number"].strip()
        found = certificate_selectors.issuance_id_by_number(number)
        if found is not None:
            return redirect(reverse("certificates:issuance", args=[found]))
        form.add_error("number", _("その交付番号の証明書はありません。"))
    return page(request, "certificates/console/issuance_lookup.html", {"form": form}, section="issuance_lookup")
