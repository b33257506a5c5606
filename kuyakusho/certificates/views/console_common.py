"""Helpers shared by the console pages of certificates (counter, postal desk, supervision, policies)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kuyakusho.accounts.capabilities import Capability
from kuyakusho.accounts.permissions import can_work_at_office
from kuyakusho.audit.services import record_reads
from kuyakusho.core.errors import ApplicationError

from ..models import Issuance

#: Who may see the statistics: counter supervisors and policy administrators.
STATS_CAPABILITIES = (Capability.SUPERVISE_COUNTER, Capability.MANAGE_POLICY)


def add_error(form, error: ApplicationError) -> None:
    """A service's refusal on the form: on its field if the form shows it, else at the top."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def has_any(user, capabilities) -> bool:
    return any(user.has_capability(c) for c in capabilities)


def issuance_for(user, pk: int) -> Issuance:
    """An issuance this member of staff may see: staff limited to offices see their offices' only."""
    issuance = Issuance.objects.select_related("subject", "office", "issued_by").filter(pk=pk).first()
    if issuance is None:
        raise Http404
    if issuance.office is not None and not can_work_at_office(user, issuance.office):
        raise PermissionDenied
    return issuance


def read_issuance(user, issuance: Issuance, action: str, *, printed: bool = False) -> None:
    """Seeing an issued certificate is a read of the subject's data; its PDF (``printed``), of everyone printed
    on it (one event each, one lock of the trail)."""
    people = [issuance.subject_id, *(issuance.members or [])] if printed else [issuance.subject_id]
    with transaction.atomic():
        record_reads(actor=user, action=action, subject_ids=people, purpose="certificate", target=issuance,
                     detail={"number": issuance.number})


def _nav(user, section: str) -> list[dict]:
    items = []
    if user.has_capability(Capability.ISSUE_CERTIFICATE):
        items += [("counter", _("窓口交付")), ("postal", _("郵送請求")), ("issuance_lookup", _("交付記録の検索"))]
    if user.has_capability(Capability.SUPERVISE_COUNTER):
        items += [("alerts", _("警告")), ("protections", _("支援措置・本人通知")), ("cards", _("カードのロック"))]
    if user.has_capability(Capability.MANAGE_POLICY):
        items += [("policies", _("交付ポリシー"))]
    if has_any(user, STATS_CAPABILITIES):
        items += [("stats", _("交付統計"))]
    return [{"url": reverse(f"certificates:{name}"), "label": label, "current": name == section}
            for name, label in items]


COUNTER_STEPS = [("search", _("対象者の検索")), ("choose", _("証明書の選択")), ("identity", _("請求者と本人確認")),
                 ("confirm", _("確認")), ("done", _("交付・印刷"))]


def page(request: HttpRequest, template: str, context: dict, *, section: str, status: int = 200) -> HttpResponse:
    """Render a certificates console page with the section's navigation."""
    return render(request, template, {**context, "cert_nav": _nav(request.user, section), "section": section,
                                      "steps": COUNTER_STEPS}, status=status)
