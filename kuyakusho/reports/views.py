"""The resident site's report pages: report a problem (phone first, with or without the map), nearby reports
and 「わたしも」, follow, reopen; the public map, list and each report's page with its timeline; photos."""

from __future__ import annotations

import math
from datetime import date

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kuyakusho.core.access import public
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.net import client_address

from . import geo, hooks, selectors, services
from .hooks import ResidentAccount, resident
from .models import OPEN, Photo, Report, Status


class ResidentRequest(HttpRequest):
    """The request of a page declared ``@resident``: the signed-in resident's account is attached."""

    resident_account: ResidentAccount


STATUS_COLOURS = {  # a class per status; the status is always written too, never colour alone
    Status.RECEIVED: "received", Status.CHECKING: "checking", Status.PLANNED: "planned",
    Status.IN_PROGRESS: "in-progress", Status.FIXED: "fixed", Status.NOT_FIXABLE: "not-fixable",
    Status.REFERRED: "referred", Status.DUPLICATE: "duplicate"}


def _number(value: str | None, field: str) -> float | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("位置の値が正しくありません。"), field=field) from None
    if not math.isfinite(number):
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("位置の値が正しくありません。"), field=field)
    return number


def _attribute_fields(category, data) -> list[dict]:
    """The category's attributes as form fields in the page's language, with what was typed."""
    en = (translation.get_language() or "").startswith("en")
    fields = []
    for a in sorted(category.attributes, key=lambda a: a.get("order", 0)):
        fields.append({
            "code": a["code"], "name": f"attribute[{a['code']}]", "datatype": a.get("datatype", "string"),
            "label": a.get("description_en" if en else "description_ja", a["code"]), "required": a.get("required"),
            "value": data.get(f"attribute[{a['code']}]", ""),
            "values": [(v["key"], v.get("name_en" if en else "name_ja", v["key"])) for v in a.get("values", [])]})
    return fields


def _given_attributes(data) -> dict[str, str]:
    return {k[len("attribute["):-1]: v for k, v in data.items() if k.startswith("attribute[") and k.endswith("]")}


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filters(request: HttpRequest) -> selectors.Filters:
    g = request.GET
    status = g.get("status", "")
    valid = {s.value for s in Status} | {"open", "closed"}
    return selectors.Filters(category=g.get("category", "")[:40], status=status if status in valid else "",
                             town=g.get("town", "")[:40], since=_date(g.get("since")), until=_date(g.get("until")))


def _place_context(request: HttpRequest) -> dict:
    return {"categories": selectors.categories(), "towns": geo.town_choices(), "map": _map_settings()}


def _map_settings() -> dict:
    from django.conf import settings

    return {"boundary_url": reverse("guide:boundary"), "tile_url": getattr(settings, "MAP_TILE_URL", ""),
            "tile_attribution": getattr(settings, "MAP_TILE_ATTRIBUTION", "")}


# --- reporting ---------------------------------------------------------------------------------------------

@resident
@require_GET
def new(request: ResidentRequest) -> HttpResponse:
    """Step 1: what and where (a 町丁目, the phone's position or a pin on the map)."""
    return render(request, "reports/new.html", {**_place_context(request), "values": request.GET})


@resident
@require_http_methods(["GET", "POST"])
def details(request: ResidentRequest) -> HttpResponse:
    """Step 2: open reports of the same kind nearby (say 「わたしも」 instead), then photos and the description."""
    data = request.POST if request.method == "POST" else request.GET
    category = data.get("category", "")
    context: dict = {**_place_context(request), "values": data}
    try:
        lat, lon = _number(data.get("lat"), "location"), _number(data.get("lon"), "location")
        use_photo = data.get("use_photo_position") == "1"
        cat = selectors.categories().filter(code=category).first()
        if cat is None:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("レポートの種類を一覧から選んでください。"),
                                   field="category")
        if not use_photo or lat is not None or data.get("town"):
            lat, lon = services.resolve_place(lat=lat, lon=lon, town=data.get("town", ""))
    except ApplicationError as e:
        return render(request, "reports/new.html", {**context, "error": e}, status=400)
    context.update({"category": cat, "lat": lat, "lon": lon, "use_photo": use_photo and lat is None,
                    "town": data.get("town", ""), "max_photos": services.MAX_PHOTOS,
                    "place": geo.nearest_town(lat, lon) if lat is not None and lon is not None else None,
                    "attribute_fields": _attribute_fields(cat, data)})
    if lat is not None and lon is not None and cat.kind == "problem":
        context["nearby"] = selectors.duplicates(category=cat.code, lat=lat, lon=lon)
    if request.method == "GET":
        return render(request, "reports/details.html", context)
    files = request.FILES.getlist("photos")
    if len(files) > services.MAX_PHOTOS:
        too_many = ApplicationError(ErrorCode.INVALID_INPUT, _("写真は5枚までです。"), field="photos")
        return render(request, "reports/details.html", {**context, "error": too_many}, status=400)
    raws = []
    for f in files:
        if f.size and f.size > 20 * 1024 * 1024:
            too_big = ApplicationError(ErrorCode.INVALID_INPUT, _("写真は1枚20MBまでです。"), field="photos")
            return render(request, "reports/details.html", {**context, "error": too_big}, status=400)
        raws.append(f.read())
    new_report = services.NewReport(
        category=cat.code, description=data.get("description", ""), lat=lat, lon=lon, town=data.get("town", ""),
        address=data.get("address", ""), use_photo_position=use_photo, photos=raws,
        contact_name=data.get("contact_name", ""), contact_email=data.get("contact_email", ""),
        contact_phone=data.get("contact_phone", ""), nickname=data.get("nickname", ""),
        anonymous=data.get("anonymous", "1") == "1", attributes=_given_attributes(data))
    try:
        report = services.submit_report(actor=request.resident_account, new=new_report,
                                         client_address=client_address(request))
    except ApplicationError as e:
        return render(request, "reports/details.html", {**context, "error": e}, status=e.http_status)
    return redirect(reverse("reports:report", args=[report.pk]) + "?sent=1")


@resident
@require_POST
def me_too(request: ResidentRequest, pk: int) -> HttpResponse:
    try:
        services.add_me_too(actor=request.resident_account, report_id=pk)
    except ApplicationError as e:
        return _report_page(request, pk, error=e)
    return redirect(reverse("reports:report", args=[pk]) + "?metoo=1")


@resident
@require_POST
def follow(request: ResidentRequest, pk: int) -> HttpResponse:
    try:
        services.follow(actor=request.resident_account, report_id=pk, on=request.POST.get("on") == "1")
    except ApplicationError as e:
        return _report_page(request, pk, error=e)
    return redirect("reports:report", pk)


@resident
@require_POST
def reopen(request: ResidentRequest, pk: int) -> HttpResponse:
    try:
        services.reopen(actor=request.resident_account, report_id=pk, note=request.POST.get("note", ""))
    except ApplicationError as e:
        return _report_page(request, pk, error=e)
    return redirect(reverse("reports:report", args=[pk]) + "?reopened=1")


@resident
@require_GET
def mine(request: ResidentRequest) -> HttpResponse:
    reports = selectors.my_reports(request.resident_account.pk)[:100]
    return render(request, "reports/mine.html", {"reports": reports, "colours": STATUS_COLOURS})


# --- public ------------------------------------------------------------------------------------------------

def _viewer(request: HttpRequest) -> int | None:
    account = hooks.current_account(request)
    return int(account.pk) if account is not None else None


def _visible_report(request: HttpRequest, pk: int) -> tuple[Report, bool]:
    """A published report, or her own (or one she follows) before publication; (report, is_public)."""
    report = selectors.public_report(pk)
    if report is not None:
        return report, True
    viewer = _viewer(request)
    own = selectors.own_report(pk, viewer) if viewer else None
    if own is None:
        raise Http404
    return own, False


def _report_page(request: HttpRequest, pk: int, *, error: ApplicationError | None = None) -> HttpResponse:
    report, is_public = _visible_report(request, pk)
    account = hooks.current_account(request)
    viewer = int(account.pk) if account is not None else None
    context = {
        "report": report, "is_public": is_public, "colours": STATUS_COLOURS, "viewer": viewer,
        "is_reporter": viewer is not None and report.reporter_id == viewer,
        "following": selectors.is_following(report, viewer), "said_me_too": selectors.said_me_too(report, viewer),
        "can_reopen": services.can_reopen(report, account), "reopen_days": services.REOPEN_DAYS,
        "is_open": report.status in OPEN, "error": error, "map": _map_settings(),
        "report_photos": [p for p in selectors.public_photos_of(report) if p.kind == Photo.Kind.REPORT],
        "fix_photos": [p for p in selectors.public_photos_of(report) if p.kind == Photo.Kind.FIX],
    }
    response = render(request, "reports/report.html", context, status=error.http_status if error else 200)
    if viewer:
        response.headers["Cache-Control"] = "no-store"
    return response


@public
@require_GET
def report(request: HttpRequest, pk: int) -> HttpResponse:
    return _report_page(request, pk)


@public
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    f = _filters(request)
    page = Paginator(selectors.public_reports(f), 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "reports/index.html", {
        "page": page, "filters": f, "categories": selectors.categories(active=False), "statuses": Status.choices,
        "towns": [label for _, label in geo.town_choices()], "colours": STATUS_COLOURS, "map": _map_settings(),
        "query": query.urlencode(), "signed_in": _viewer(request) is not None})


@public
@require_GET
def map_data(request: HttpRequest) -> JsonResponse:
    bbox = None
    raw = request.GET.get("bbox", "")
    if raw:
        try:
            parts = [float(x) for x in raw.split(",")]
        except ValueError:
            parts = []
        if len(parts) != 4 or not all(math.isfinite(x) for x in parts):
            return JsonResponse({"code": "invalid_input", "message": _("表示範囲の指定が正しくありません。"),
                                 "field": "bbox"}, status=400)
        bbox = (parts[0], parts[1], parts[2], parts[3])
    data = selectors.map_data(_filters(request), bbox=bbox)
    response = JsonResponse(data)
    patch_cache_control(response, public=True, max_age=60)
    return response


@public
@require_GET
def photo(request: HttpRequest, pk: int, photo_id: int, size: str) -> HttpResponse:
    """A photo as the public sees it (blurred copy if staff blurred it; hidden ones never)."""
    if size not in ("thumb", "full"):
        raise Http404
    report, _is_public = _visible_report(request, pk)
    p = Photo.objects.filter(pk=photo_id, report=report, hidden=False).only(
        "id", "blurred", "public_data", "data", "thumb").first()
    if p is None:
        raise Http404
    body = bytes(p.thumb) if size == "thumb" else bytes(p.public_data if p.blurred else p.data)
    response = HttpResponse(body, content_type="image/jpeg")
    if _is_public:
        patch_cache_control(response, public=True, max_age=300)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
