"""My page: online certificate requests (オンライン申請) — choose, sign with the card, pay, follow.

The rules are the certificates' online service's (``certificates.services.online``); what the channel takes
comes from its policy (``offer("online")``) before she fills anything in. Signing goes to the identity
provider's 署名 flow (``identity.views.sign_with_card``); paying to the payments area's checkout.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from kuyakusho.certificates.documents.model import CertificateKind
from kuyakusho.certificates.forms import KIND_LABELS
from kuyakusho.certificates.models import Channel, OnlineStatus, Option
from kuyakusho.certificates.services import online
from kuyakusho.certificates.services.content import fiscal_year_default
from kuyakusho.certificates.services.offer import Offer, offer
from kuyakusho.core.errors import ApplicationError
from kuyakusho.core.forms import field_of
from kuyakusho.identity.sessions import ResidentRequest, resident
from kuyakusho.identity.views import sign_with_card
from kuyakusho.payments.services import start_checkout

from . import mypage

#: The steps as the resident follows them (受付 → 交付済 → 発送済).
STEPS = [OnlineStatus.RECEIVED, OnlineStatus.ISSUED, OnlineStatus.MAILED]


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("証明書"), widget=forms.RadioSelect)
    subject = forms.TypedChoiceField(label=_("どなたの証明書ですか"), coerce=int, widget=forms.RadioSelect)
    whole_household = forms.BooleanField(label=_("世帯全員を記載する（住民票の写し・記載事項証明書）"),
                                         required=False)
    options = forms.MultipleChoiceField(label=_("記載する事項"), required=False,
                                        widget=forms.CheckboxSelectMultiple)
    fiscal_year = forms.TypedChoiceField(label=_("年度（税の証明書）"), coerce=int, required=False, empty_value=None)
    copies = forms.TypedChoiceField(label=_("通数"), coerce=int, initial=1,
                                    choices=[(n, n) for n in range(1, online.MAX_COPIES + 1)])

    def __init__(self, *args: Any, available: Offer, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = [k for k in available.kinds if k != CertificateKind.INKAN]
        field_of(self, "kind", forms.ChoiceField).choices = [
            (k.value, _("%(kind)s（1通%(fee)s円）") % {"kind": KIND_LABELS[k], "fee": f"{available.fee_for(k):,}"})
            for k in CertificateKind if k.value in kinds]
        field_of(self, "subject", forms.ChoiceField).choices = members
        field_of(self, "options", forms.ChoiceField).choices = [(o, Option(o).label) for o in available.options]
        latest = fiscal_year_default(timezone.localdate())
        years = [(y, str(y)) for y in range(latest, latest - 5, -1)]
        field_of(self, "fiscal_year", forms.ChoiceField).choices = [("", _("最新の年度")), *years]


def _linked(request: ResidentRequest) -> int | None:
    return mypage.linked_resident_id(request.resident_session)


def _account_ref(request: ResidentRequest) -> str:
    return request.resident_session.account.actor_label


@resident
def requests_list(request: ResidentRequest) -> HttpResponse:
    rid = _linked(request)
    if rid is None:
        return redirect("identity:link")
    return render(request, "portal/requests_list.html", {
        "requests": list(online.my_requests(account_ref=_account_ref(request))[:50]), "kinds": KIND_LABELS,
        "offer": offer(Channel.ONLINE)})


@resident
def request_new(request: ResidentRequest) -> HttpResponse:
    rid = _linked(request)
    if rid is None:
        return redirect("identity:link")
    available = offer(Channel.ONLINE)
    if not available.open:
        return render(request, "portal/request_new.html", {"closed": available.reason})
    # Her household as My page shows it (members under a support measure left out); the read is her own.
    record = mypage.my_record(session=request.resident_session, resident_id=rid, full=False)
    people = [record.resident, *[m for m in record.members if m.pk != rid]]
    members = [(p.pk, p.name) for p in people]
    form = RequestForm(request.POST or None, available=available, members=members,
                       initial={"subject": rid, "kind": CertificateKind.JUMINHYO.value})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            req = online.create_request(
                actor=request.resident_session.account, account_ref=_account_ref(request),
                requester_id=rid, data=online.OnlineInput(
                    kind=d["kind"], subject_id=d["subject"], options=frozenset(d["options"]),
                    whole_household=d["whole_household"], fiscal_year=d["fiscal_year"], copies=d["copies"]))
        except ApplicationError as e:
            form.add_error(e.field if e.field in form.fields else None, str(e.message))
        else:
            return redirect("portal:request_detail", reference=req.reference)
    return render(request, "portal/request_new.html", {"form": form, "people": people, "self_id": rid,
                                                        "fees": {k: available.fee_for(k) for k in available.kinds}},
                  status=400 if form.errors else 200)


@resident
def request_detail(request: ResidentRequest, reference: str) -> HttpResponse:
    try:
        req = online.my_request(account_ref=_account_ref(request), reference=reference)
    except ApplicationError:
        return render(request, "portal/request_detail.html", {"missing": True}, status=404)
    step = STEPS.index(OnlineStatus(req.status)) if req.status in STEPS else -1
    return render(request, "portal/request_detail.html", {
        "req": req, "kind": KIND_LABELS.get(req.kind, req.kind),
        "options": [Option(o).label for o in req.options if o in Option.values],
        "steps": [{"label": s.label, "done": i <= step, "current": i == step} for i, s in enumerate(STEPS)],
        "S": OnlineStatus, "bill": req.bill, "error": request.GET.get("error") == "1"})


@resident
@require_POST
def request_sign(request: ResidentRequest, reference: str) -> HttpResponse:
    try:
        req = online.my_request(account_ref=_account_ref(request), reference=reference)
    except ApplicationError:
        return render(request, "portal/request_detail.html", {"missing": True}, status=404)
    if req.status != OnlineStatus.SIGNING:
        return redirect("portal:request_detail", reference=req.reference)
    return sign_with_card(request, document=online.signing_document(req),
                          next_url=reverse("portal:request_detail", args=[req.reference]))


@resident
@require_POST
def request_pay(request: ResidentRequest, reference: str) -> HttpResponse:
    account = request.resident_session.account
    back = reverse("portal:request_detail", args=[reference])
    try:
        bill = online.bill_to_pay(account_ref=_account_ref(request), reference=reference)
        payment = start_checkout(actor=account, bill=bill, return_url=request.build_absolute_uri(back))
    except ApplicationError as e:
        return render(request, "portal/request_detail.html", {"missing": True, "message": e.message}, status=409)
    return redirect(payment.redirect_url)


@resident
@require_POST
def request_cancel(request: ResidentRequest, reference: str) -> HttpResponse:
    try:
        online.cancel_request(actor=request.resident_session.account,
                              account_ref=_account_ref(request), reference=reference)
    except ApplicationError as e:
        return render(request, "portal/request_detail.html", {"missing": True, "message": e.message},
                      status=e.http_status)
    return redirect("portal:requests")
