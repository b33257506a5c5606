"""Channel policies (交付ポリシー): what each channel issues, to whom, when, and for how much."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.accounts.capabilities import Capability as C
from kuyakusho.core.access import staff
from kuyakusho.core.actions import add_refusal
from kuyakusho.core.errors import ApplicationError

from .. import selectors
from ..forms import KIND_LABELS, PolicyForm
from ..models import Channel, Option, Requester
from ..services import admin
from .console_common import page


@staff(C.MANAGE_POLICY)
def policies(request: StaffRequest) -> HttpResponse:
    rows = []
    for policy in selectors.policies():
        rows.append({
            "policy": policy,
            "kinds": [(KIND_LABELS.get(k, k), policy.fee_for(k)) for k in policy.kinds],
            "options": [Option(o).label for o in policy.options if o in Option.values],
            "requesters": [Requester(r).label for r in policy.requesters if r in Requester.values],
        })
    return page(request, "certificates/console/policies.html", {"rows": rows}, section="policies")


def _seen(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


@staff(C.MANAGE_POLICY)
def policy_edit(request: StaffRequest, channel: str) -> HttpResponse:
    if channel not in Channel.values:
        raise Http404
    policy = selectors.policy(channel)
    if policy is None:
        raise Http404
    if request.method == "POST":
        form = PolicyForm(request.POST, channel=channel)
        if form.is_valid():
            d = form.cleaned_data
            try:
                admin.update_policy(actor=request.user, channel=channel, seen_updated_at=_seen(d["updated_at"]),
                                    data=admin.PolicyInput(
                                        enabled=d["enabled"], schedule_id=d["schedule"].pk if d["schedule"] else None,
                                        identity=d["identity"], kinds=tuple(d["kinds"]), options=tuple(d["options"]),
                                        requesters=tuple(d["requesters"]), fees=form.fees()))
            except ApplicationError as e:
                add_refusal(form, e)
            else:
                messages.success(request, _("交付ポリシーを変更しました（%(channel)s）。")
                                 % {"channel": Channel(channel).label})
                return redirect("certificates:policies")
    else:
        form = PolicyForm(initial=PolicyForm.initial_for(policy), channel=channel)
    return page(request, "certificates/console/policy_edit.html", {"policy": policy, "form": form},
                section="policies")
