"""Asking the purpose on console pages of the register and recording what each page shows
(``kuyakusho.residents.purpose`` describes the grant and flow tokens)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import redirect, render

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.accounts.models import Staff

from .. import selectors
from ..forms import PurposeForm
from ..purpose import FLOW_FIELD, GRANT_PARAM, Flow, flow_from, grant, granted_purpose

#: The field that marks a post of the purpose question (not of the page's own form).
ASK_FIELD = "_ask_purpose"
_NOT_CARRIED = {"csrfmiddlewaretoken", ASK_FIELD, "purpose", FLOW_FIELD}


@dataclass
class Reading:
    """What a page may show and for which purpose: the member of staff, the purpose they gave for ``scope``,
    its grant token (carried in links and form actions) and the people already recorded in this form."""

    user: Staff
    purpose: str
    scope: str
    token: str
    flow: Flow
    resumed: bool = False  # the purpose was asked again in the middle of a form: show the form, do not go on
    recorded: list[str] = field(default_factory=list)

    def record(self, *, action: str, subject_ids: Iterable, target=None, detail=None) -> None:
        """One read for each person shown that this form has not recorded yet."""
        new = self.flow.unread(subject_ids)
        if new:
            selectors.record_shown(user=self.user, action=action, subject_ids=new, purpose=self.purpose,
                                   target=target, detail=detail)
            self.flow = self.flow.plus(new)
            self.recorded += new

    @property
    def flow_token(self) -> str:
        return self.flow.token(self.user)

    def query(self) -> str:
        return f"?{urlencode({GRANT_PARAM: self.token})}" if self.token else ""

    def link(self, url: str, *, scope: str | None = None) -> str:
        """``url`` with a grant of this purpose for ``scope`` (default: this page's)."""
        if scope is None or scope == self.scope:
            return url + self.query()
        return f"{url}?{urlencode({GRANT_PARAM: grant(self.user, self.purpose, scope)})}"


def read_for(request: StaffRequest, *, scopes: Sequence[str], what: str, default: str = "",
             ) -> tuple[Reading | None, HttpResponse | None]:
    """The page's :class:`Reading`, or the page that asks the purpose.

    Returns ``(reading, None)`` when the request carries a grant for one of ``scopes`` or answers the
    question (a POST of the purpose form, CSRF-checked); else ``(None, response)``: the question (a purpose
    in the query string only preselects the answer) or, once answered on a GET page, a redirect to the page
    with its grant. A form's post whose grant has expired keeps what was typed: the question carries it and
    the form comes back filled in.
    """
    user, scope = request.user, scopes[0]
    token = request.GET.get(GRANT_PARAM, "")
    flow_token = request.POST.get(FLOW_FIELD) if request.method == "POST" else None
    purpose = granted_purpose(user, token, scopes)
    if purpose:
        return Reading(user, purpose, scope, token, flow_from(user, flow_token, scope)), None
    carried = []
    if request.method == "POST":
        carried = [(k, v) for k in request.POST if k not in _NOT_CARRIED for v in request.POST.getlist(k)]
    if request.method == "POST" and ASK_FIELD in request.POST:
        form = PurposeForm(request.POST)
        if form.is_valid():
            token = grant(user, form.cleaned_data["purpose"], scope)
            if not carried:
                return None, redirect(f"{request.path}?{urlencode({GRANT_PARAM: token})}")
            return Reading(user, form.cleaned_data["purpose"], scope, token, Flow(scope, frozenset()),
                           resumed=True), None
    else:
        form = PurposeForm(initial={"purpose": request.GET.get("purpose") or default})
    return None, render(request, "residents/purpose.html", {
        "form": form, "what": what, "carry": carried, "ask_field": ASK_FIELD}, status=200)


def implied(request, *, purpose: str, scope: str) -> Reading:
    """A form that shows nothing of the register until its confirmation (a 転入 typed in): the filing is
    its purpose; whatever the confirmation shows of people already registered is recorded under it."""
    flow_token = request.POST.get(FLOW_FIELD) if request.method == "POST" else None
    return Reading(request.user, purpose, scope, "", flow_from(request.user, flow_token, scope))
