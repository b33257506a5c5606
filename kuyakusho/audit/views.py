from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from kuyakusho.core.access import staff
from kuyakusho.core.actors import ActorRequest
from kuyakusho.core.capabilities import Capability

from .forms import AuditSearchForm
from .selectors import AuditFilter, search_audit


@staff(Capability.VIEW_AUDIT)
def search(request: ActorRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    page = None
    if form.is_bound and form.is_valid():
        events = search_audit(actor=request.user, f=AuditFilter(**form.cleaned_data))
    elif not form.is_bound:
        events = search_audit(actor=request.user, f=AuditFilter())
    else:
        events = None
    if events is not None:
        page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "audit/search.html", {"form": form, "page": page})
