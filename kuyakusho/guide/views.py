"""The resident site's information pages (all public, read-only)."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from kuyakusho.core.access import public
from kuyakusho.core.recent import recent
from kuyakusho.offices.models import Office

from . import selectors
from .models import Procedure

MAX_QUERY = 100
OFFICE_FACTS_SECONDS = 60  # an office's hours, services and kiosks on its page: edits show within a minute


def _map() -> dict:
    return {"boundary_url": "/ward-boundary.geojson", "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION, "boundary_credit": settings.WARD_BOUNDARY_CREDIT}


@public
@require_GET
def office(request: HttpRequest, code: str) -> HttpResponse:
    # The hours, services and kiosks change when staff edit them: kept for a minute. "Open now" and the waiting
    # figures are read for each view (the calendar is in memory, the figures in every office's 5-second snapshot),
    # and the page's rendering is kept until what it shows changes (its digest).
    def facts() -> dict | None:
        found = Office.objects.select_related("schedule").prefetch_related("services") \
            .filter(code=code, schedule__isnull=False).first()
        return selectors.office_facts(found) if found is not None else None

    page = recent(f"guide:office:{code}", facts, seconds=OFFICE_FACTS_SECONDS) if len(code) <= 64 else None
    if page is None:
        raise Http404
    return render(request, "guide/office.html", {**page, **selectors.office_now(page["office"], page["digest"]),
                                                 "map": _map()})


@public
@require_GET
def certificates(request: HttpRequest) -> HttpResponse:
    return render(request, "guide/certificates.html", {"channels": selectors.certificate_channels()})


@public
@require_GET
def procedures(request: HttpRequest) -> HttpResponse:
    return render(request, "guide/procedures.html", {"procedures": selectors.procedures()})


@public
@require_GET
def procedure(request: HttpRequest, slug: str) -> HttpResponse:
    found = get_object_or_404(Procedure.objects.prefetch_related("services"), slug=slug)
    return render(request, "guide/procedure.html", selectors.procedure_page(found))


@public
@require_GET
def notices(request: HttpRequest) -> HttpResponse:
    return render(request, "guide/notices.html", {"notices": selectors.notices()})


@public
@require_GET
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "guide/notice.html", {"notice": get_object_or_404(selectors.notices(), pk=pk)})


@public
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:MAX_QUERY]
    return render(request, "guide/search.html", {"q": q, "hits": selectors.search(q) if q else []})


@public
@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "guide/accessibility.html", {
        "tested_on": settings.ACCESSIBILITY_TESTED_ON, "pages": selectors.accessibility_pages()})


@public
@require_GET
def boundary(request: HttpRequest) -> HttpResponse:
    path = settings.WARD_BOUNDARY
    if not path.is_file():
        raise Http404
    # a small file, read whole: a streamed file makes the ASGI server warn about a synchronous iterator
    response = HttpResponse(path.read_bytes(), content_type="application/geo+json")
    patch_cache_control(response, public=True, max_age=86400)
    return response
