"""The postal desk's online requests (オンライン申請): signed with the card, paid online; issue and mail."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.accounts.capabilities import Capability as C
from kuyakusho.core.access import staff
from kuyakusho.core.errors import ApplicationError, ErrorCode

from ..forms import KIND_LABELS
from ..models import OnlineRequest, OnlineStatus, Option
from ..services import online
from .console_common import page

STEP_MESSAGES = {"issue": gettext_lazy("証明書を交付しました。住民登録の住所へ郵送してください。"),
                 "mail": gettext_lazy("発送済みにしました。")}


def _detail(request: StaffRequest, reference: str, *, error: ApplicationError | None = None,
            status: int = 200) -> HttpResponse:
    try:
        req = online.open_request(user=request.user, reference=reference)
    except ApplicationError as e:
        if e.code == ErrorCode.NOT_FOUND:
            raise Http404 from None
        raise
    return page(request, "certificates/console/online_detail.html", {
        "req": req, "kind": KIND_LABELS.get(req.kind, req.kind), "S": OnlineStatus,
        "options": [Option(o).label for o in req.options if o in Option.values],
        "issuances": list(req.issuances.all()), "error": error,
        "refusal": online.REFUSALS.get(req.refusal, "") if req.refusal else "",
    }, section="postal", status=status)


@staff(C.ISSUE_CERTIFICATE)
def online_detail(request: StaffRequest, reference: str) -> HttpResponse:
    return _detail(request, reference)


@staff(C.ISSUE_CERTIFICATE)
def online_step(request: StaffRequest, reference: str) -> HttpResponse:
    """Issue (through the one issuance service) or mark mailed; POST ``action`` and the ``version`` seen."""
    if request.method != "POST":
        return redirect("certificates:online_detail", reference=reference)
    action = request.POST.get("action", "")
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        if action == "issue":
            req: OnlineRequest = online.issue_online(actor=request.user, reference=reference, version=version)
        elif action == "mail":
            req = online.mark_mailed(actor=request.user, reference=reference, version=version)
        else:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("操作を選び直してください。"))
    except online.OnlineRefused as e:
        messages.warning(request, str(e.message))
        return redirect("certificates:online_detail", reference=reference)
    except ApplicationError as e:
        if e.code == ErrorCode.NOT_FOUND and e.field == "reference":
            raise Http404 from None
        return _detail(request, reference, error=e, status=e.http_status)
    messages.success(request, str(STEP_MESSAGES[action]))
    return redirect("certificates:online_detail", reference=req.reference)
