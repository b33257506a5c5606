"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2): discovery, services, a service's definition,
requests (GET with its filters and the 1,000-result cap; POST with an ``api_key``), one request and tokens, in
XML and JSON as the specification writes them: dates in the W3C profile of ISO 8601 with the offset, errors as
``<errors><error><code/><description/></error></errors>`` (JSON: ``[{"code", "description"}]``) with the HTTP
status. The ward's statuses map to ``open``/``closed``; the public note of the last change is ``status_notes``.
Only published reports are listed; a POSTed report is handled at once (its token finds it).

Plain Django views rather than the ninja API: the documents are the specification's, not our API's shapes
(form-encoded POSTs, XML, the file extension naming the format).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from kuyakusho.core.access import public
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.net import client_address
from kuyakusho.core.ward import ward

from . import services
from .models import OPEN, ApiClient, Category, Photo, Report, Status

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MAX_RESULTS = 1000
DEFAULT_DAYS = 90
FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
#: The fields of a service request, in the specification's order (GET requests, GET a request).
REQUEST_FIELDS = ("service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url")
CHANGESET = datetime(2026, 12, 6, tzinfo=UTC)
SERVICE_FIELDS = ("service_code", "service_name", "description", "metadata", "type", "keywords", "group")
ATTRIBUTE_FIELDS = ("variable", "code", "datatype", "required", "datatype_description", "order", "description")


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


def jurisdiction_id() -> str:
    return getattr(settings, "REPORTS_OPEN311_JURISDICTION", "") or ward().code


def w3c(value: datetime | None) -> str | None:
    """2026-12-06T17:23:00+09:00 (the W3C profile of ISO 8601, with the offset, whole seconds)."""
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def _xml(root: str, item: str, rows: Iterable[Mapping[str, Any]]) -> bytes:
    rows = list(rows)
    if any(isinstance(v, (Mapping, list)) for row in rows for v in row.values()):
        top = ET.Element(root)
        for row in rows:
            top.append(_element(item, row))
        return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="utf-8", xml_declaration=False)
    # Flat rows (service requests, services, errors): written directly, a fraction of ElementTree's cost for
    # 1,000 requests. Text is escaped as ElementTree escapes it; an empty value is an empty element.
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<', root, ">"]
    for row in rows:
        out += ["<", item, ">"]
        for k, v in row.items():
            if v is None:
                out += ["<", k, " />"]
            else:
                text = ("true" if v else "false") if isinstance(v, bool) else str(v)
                out += ["<", k, ">", escape(text), "</", k, ">"]
        out += ["</", item, ">"]
    out += ["</", root, ">"]
    return "".join(out).encode()


def _element(name: str, value: Any) -> ET.Element:
    el = ET.Element(name)
    if isinstance(value, Mapping):
        for k, v in value.items():
            if isinstance(v, list):
                wrapper = ET.SubElement(el, k)
                child = k[:-1] if k.endswith("s") else k  # attributes → attribute, values → value, formats → format
                for entry in v:
                    wrapper.append(_element(child, entry))
            else:
                el.append(_element(k, v))
    elif value is None:
        pass
    elif isinstance(value, bool):
        el.text = "true" if value else "false"
    else:
        el.text = str(value)
    return el


def _answer(fmt: str, data: Any, *, root: str, item: str, status: int = 200) -> HttpResponse:
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False).encode()
    elif isinstance(data, list):
        body = _xml(root, item, data)
    else:
        body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(_element(root, data), encoding="utf-8")
    return HttpResponse(body, status=status, content_type=FORMATS[fmt])


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    rows = [{"code": status, "description": description}]
    return _answer(fmt if fmt in FORMATS else "xml", rows, root="errors", item="error", status=status)


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Open311Error(404, "Unknown format: use .xml or .json")
    return fmt


def _handled(view):
    """Turns refusals into the specification's error documents (and checks jurisdiction_id)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            _format(fmt)
            given = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or ""
            if given and given != jurisdiction_id():
                raise Open311Error(404, f"Unknown jurisdiction_id: {given[:40]}")
            with translation.override("en" if request.GET.get("locale", "").startswith("en") else
                                      translation.get_language()):
                return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as e:
            return _error(fmt, e.status, e.description)
        except ApplicationError as e:
            status = {ErrorCode.RATE_LIMITED: 429, ErrorCode.NOT_FOUND: 404,
                      ErrorCode.PERMISSION_DENIED: 403}.get(e.code, 400)
            return _error(fmt, status, f"{e.field + ': ' if e.field else ''}{e.message}")

    return wrapper


# --- discovery and services ----------------------------------------------------------------------------------

@public
@require_GET
@_handled
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("reports:open311_services", kwargs={"fmt": "xml"})).rsplit("/", 1)[0]
    head = {"changeset": w3c(_changeset()), "contact": ward().contact_ja, "key_service": ward().contact_ja}
    endpoint = {"specification": SPECIFICATION, "url": base, "changeset": w3c(_changeset()) or "",
                "type": "production"}
    formats = ["text/xml", "application/json"]
    data = {**head, "endpoints": [{**endpoint, "formats": formats}]}
    if fmt == "xml":
        root = _element("discovery", head)
        el = ET.SubElement(ET.SubElement(root, "endpoints"), "endpoint")
        for k, v in endpoint.items():
            ET.SubElement(el, k).text = v
        wrapper = ET.SubElement(el, "formats")
        for f in formats:
            ET.SubElement(wrapper, "format").text = f
        return HttpResponse(b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8"),
                            content_type=FORMATS["xml"])
    return _answer(fmt, data, root="discovery", item="")


def _changeset() -> datetime:
    """When this endpoint's interface last changed (the specification's ``changeset``)."""
    return CHANGESET


def _service(c: Category) -> dict[str, Any]:
    return {"service_code": c.code, "service_name": c.name(), "description": c.description(),
            "metadata": bool(c.attributes), "type": "realtime", "keywords": c.kind, "group": c.group_ja}


@public
@require_GET
@_handled
def services_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    return _answer(fmt, [_service(c) for c in Category.objects.filter(active=True)], root="services", item="service")


@public
@require_GET
@_handled
def service_definition(request: HttpRequest, code: str, *, fmt: str) -> HttpResponse:
    c = Category.objects.filter(code=code, active=True).first()
    if c is None:
        raise Open311Error(404, f"Unknown service_code: {code[:40]}")
    en = (translation.get_language() or "").startswith("en")
    attributes = []
    for a in sorted(c.attributes, key=lambda a: a.get("order", 0)):
        row: dict[str, Any] = {
            "variable": True, "code": a["code"], "datatype": a.get("datatype", "string"),
            "required": bool(a.get("required")), "datatype_description": None, "order": a.get("order", 0),
            "description": a.get("description_en" if en else "description_ja", "")}
        if a.get("values"):
            row["values"] = [{"key": v["key"], "name": v.get("name_en" if en else "name_ja", v["key"])}
                             for v in a["values"]]
        attributes.append(row)
    return _answer(fmt, {"service_code": c.code, "attributes": attributes}, root="service_definition", item="")


# --- requests ------------------------------------------------------------------------------------------------

def _rows(qs: QuerySet[Report], base: str) -> list[dict[str, Any]]:
    """The service requests of ``qs`` in the specification's fields (one query: columns, the last public note
    and the first public photo as subqueries; labels and categories looked up once)."""
    en = (translation.get_language() or "").startswith("en")
    categories = {c.pk: (c.code, c.name_en if en else c.name_ja, c.section) for c in Category.objects.all()}
    labels = {s.value: str(s.label) for s in Status}
    photo_url = base + reverse("reports:photo", args=[1, 2, "full"]).replace("/1/photos/2/", "/{r}/photos/{p}/")
    tz = timezone.get_current_timezone()

    def w3c_fast(value: datetime) -> str:
        return value.astimezone(tz).replace(microsecond=0).isoformat()

    rows = list(qs.values_list(
        "pk", "status", "category_id", "public_text", "referred_to", "reason", "duplicate_of_id", "created_at",
        "updated_at", "due_at", "town", "address", "lat", "lon", "status_note"))
    first_photo: dict[int, int] = {}
    if rows:
        for report_id, some_photo in (Photo.objects.filter(report_id__in=[r[0] for r in rows], hidden=False)
                                      .order_by("-id").values_list("report_id", "id")):
            first_photo[report_id] = some_photo  # newest first: the first photo is written last
    out = []
    for (pk, status, category_id, text, referred_to, reason, duplicate_of, created, updated, due, town, address,
         lat, lon, note) in rows:
        photo_id = first_photo.get(pk)
        code, name, section = categories[category_id]
        label = labels[status]
        notes: str | None = note or None
        prefix = (referred_to if status == Status.REFERRED else reason if status == Status.NOT_FIXABLE
                  else f"#{duplicate_of}" if status == Status.DUPLICATE and duplicate_of else "")
        if prefix:
            notes = f"{label}: {prefix}" + (f" — {notes}" if notes else "")
        out.append({
            "service_request_id": str(pk), "status": "open" if status in OPEN else "closed", "status_notes": notes,
            "service_name": name, "service_code": code, "description": text,
            "agency_responsible": referred_to if status == Status.REFERRED and referred_to else section,
            "service_notice": label, "requested_datetime": w3c_fast(created), "updated_datetime": w3c_fast(updated),
            "expected_datetime": w3c_fast(due), "address": " ".join(x for x in (town, address) if x) or None,
            "address_id": None, "zipcode": None, "lat": round(lat, 6), "long": round(lon, 6),
            "media_url": photo_url.format(r=pk, p=photo_id) if photo_id else None})
    return out


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _date_param(request: HttpRequest, name: str) -> datetime | None:
    raw = request.GET.get(name, "")
    if not raw:
        return None
    value = parse_datetime(raw.replace(" ", "+"))
    if value is None or value.tzinfo is None:
        raise Open311Error(400, f"{name} must be a W3C date and time with a time zone, e.g. 2010-01-01T00:00:00Z")
    return value


def _get_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    qs = Report.objects.filter(published=True)
    ids = request.GET.get("service_request_id", "")
    if ids:
        wanted = [x for x in ids.split(",") if x]
        if not all(x.isdigit() and len(x) < 19 for x in wanted):
            raise Open311Error(400, "service_request_id must be numbers separated by commas")
        qs = qs.filter(pk__in=[int(x) for x in wanted])
    else:
        codes = [c for c in request.GET.get("service_code", "").split(",") if c]
        if codes:
            qs = qs.filter(category__code__in=codes)
        statuses = [s for s in request.GET.get("status", "").split(",") if s]
        if any(s not in ("open", "closed") for s in statuses):
            raise Open311Error(400, "status must be open, closed or both")
        if statuses == ["open"]:
            qs = qs.filter(status__in=list(OPEN))
        elif statuses == ["closed"]:
            qs = qs.exclude(status__in=list(OPEN))
        start, end = _date_param(request, "start_date"), _date_param(request, "end_date")
        if start and end and start > end:
            raise Open311Error(400, "start_date is after end_date")
        if start is None and end is None:  # the specification's default window: the last 90 days
            start = timezone.now() - timedelta(days=DEFAULT_DAYS)
        if start:
            qs = qs.filter(created_at__gte=start)
        if end:
            qs = qs.filter(created_at__lte=end)
    rows = _rows(qs.order_by("-created_at", "-id")[:MAX_RESULTS], _base(request))
    return _answer(fmt, rows, root="service_requests", item="request")


def _api_client(key: str) -> ApiClient:
    client = ApiClient.objects.filter(key_hash=hashlib.sha256(key.encode()).hexdigest(), active=True).first() \
        if key else None
    if client is None:
        raise Open311Error(403, "Invalid api_key received -- can't proceed with create_request.")
    return client


def _float(request: HttpRequest, name: str) -> float | None:
    raw = request.POST.get(name, "")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, f"{name} must be a number") from None
    if not math.isfinite(value):
        raise Open311Error(400, f"{name} must be a number")
    return value


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    client = _api_client(request.POST.get("api_key", ""))
    code = request.POST.get("service_code", "")
    if not code:
        raise Open311Error(400, "service_code was not provided")
    lat, lon = _float(request, "lat"), _float(request, "long")
    if (lat is None or lon is None) and not request.POST.get("address_string"):
        raise Open311Error(400, "lat and long, or address_string, are required")
    if lat is None or lon is None:
        raise Open311Error(400, "address_string alone cannot be placed: send lat and long")
    attributes = {k[len("attribute["):-1]: request.POST.get(k, "") for k in request.POST
                  if k.startswith("attribute[") and k.endswith("]")}
    name = " ".join(x for x in (request.POST.get("last_name", ""), request.POST.get("first_name", "")) if x)
    new = services.NewReport(
        category=code, description=request.POST.get("description", ""), lat=lat, lon=lon,
        address=request.POST.get("address_string", ""), attributes=attributes, contact_name=name[:60],
        contact_email=request.POST.get("email", ""), contact_phone=request.POST.get("phone", "")[:20])
    report = services.submit_report(actor=client, new=new, client_address=client_address(request))
    # A realtime service answers with the id (the specification returns either the id or a token, not both); the
    # token kept with the report still answers at tokens/{token}.
    rows = [{"service_request_id": str(report.pk), "service_notice": str(Status(report.status).label),
             "account_id": None}]
    return _answer(fmt, rows, root="service_requests", item="request", status=201)


@public
@csrf_exempt  # the api_key authenticates a POST; no cookie is read
@require_http_methods(["GET", "POST"])
@_handled
def requests_view(request: HttpRequest, *, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    return _get_requests(request, fmt)


@public
@require_GET
@_handled
def request_view(request: HttpRequest, request_id: str, *, fmt: str) -> HttpResponse:
    if not request_id.isdigit() or len(request_id) > 18:
        raise Open311Error(404, "No such service request")
    rows = _rows(Report.objects.filter(pk=int(request_id), published=True), _base(request))
    if not rows:
        raise Open311Error(404, "No such service request")
    return _answer(fmt, rows, root="service_requests", item="request")


@public
@require_GET
@_handled
def token_view(request: HttpRequest, token: str, *, fmt: str) -> HttpResponse:
    pk = Report.objects.filter(token=token).exclude(token="").values_list("pk", flat=True).first() \
        if len(token) <= 32 else None
    if pk is None:
        raise Open311Error(404, "No such token")
    return _answer(fmt, [{"service_request_id": str(pk), "token": token}], root="service_requests", item="request")
