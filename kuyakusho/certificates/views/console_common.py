"""Helpers shared by the console pages of certificates (counter, postal desk, supervision, policies)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kuyakusho.accounts.capabilities import Capability

from .. import selectors
from ..models import Issuance
from ..permissions import can_see_issuance, can_see_stats


def issuance_for(user, pk: int) -> Issuance:
    """An issuance this member of staff may see (404, or 403 for another office's)."""
    issuance = selectors.issuance(pk)
    if issuance is None:
        raise Http404
    if not can_see_issuance(user, issuance):
        raise PermissionDenied
    return issuance


def _nav(user, section: str) -> list[dict]:
    items = []
    if user.has_capability(Capability.ISSUE_CERTIFICATE):
        items += [("counter", _("窓口交付")), ("postal", _("郵送請求")), ("issuance_lookup", _("交付記録の検索"))]
    if user.has_capability(Capability.SUPERVISE_COUNTER):
        items += [("alerts", _("警告")), ("protections", _("支援措置・本人通知")), ("cards", _("カードのロック"))]
    if user.has_capability(Capability.MANAGE_POLICY):
        items += [("policies", _("交付ポリシー"))]
    if can_see_stats(user):
        items += [("stats", _("交付統計"))]
    return [{"url": reverse(f"certificates:{name}"), "label": label, "current": name == section}
            for name, label in items]


COUNTER_STEPS = [("search", _("対象者の検索")), ("choose", _("証明書の選択")), ("identity", _("請求者と本人確認")),
                 ("confirm", _("確認")), ("done", _("交付・印刷"))]


def page(request: HttpRequest, template: str, context: dict, *, section: str, status: int = 200) -> HttpResponse:
    """Render a certificates console page with the section's navigation."""
    return render(request, template, {**context, "cert_nav": _nav(request.user, section), "section": section,
                                      "steps": COUNTER_STEPS}, status=status)
