"""Pages (the public catalogue and the console's publishing pages), downloads, DCAT and the CKAN action API."""

from __future__ import annotations

import json
import re
from datetime import UTC
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.core.access import public, staff
from kuyakusho.core.capabilities import Capability
from kuyakusho.core.errors import ApplicationError

from . import ckan, dcat, selectors, services, sources
from .forms import DatasetForm, ResourceForm, WithdrawForm
from .models import LICENSE_URLS, MEDIA_TYPES, Dataset, DatastoreRecord, Format, License, ResourceContent, State

PER_PAGE = 20
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f々〆〇]")  # names stay Japanese: marked lang="ja"
PREVIEW_ROWS = 10
FACETS = ("organization", "tags", "res_format", "license_id", "standard_id")
FACET_LABELS = {"organization": gettext_lazy("組織"), "tags": gettext_lazy("タグ"), "res_format": gettext_lazy("形式"),
                "license_id": gettext_lazy("ライセンス"), "standard_id": gettext_lazy("標準データセット番号")}
PAGE_SORTS = {"": "score desc, metadata_modified desc", "modified": "metadata_modified desc",
              "name": "name asc", "title": "title_string asc"}


def _public_cache(response: HttpResponse, seconds: int = 300) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=seconds)
    return response


# --- the public catalogue -----------------------------------------------------------------------------------------

@public
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100].strip()
    chosen: list[tuple[str, str]] = []
    for name in FACETS:
        for value in request.GET.getlist(name)[:5]:
            if value and len(value) <= 100:
                chosen.append((name, value))
    sort_key = request.GET.get("sort", "")
    if sort_key not in PAGE_SORTS:
        sort_key = ""
    try:
        page_number = max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        page_number = 1
    criteria = selectors.Criteria(q=q, filters=[(n, v, False) for n, v in chosen], sort=PAGE_SORTS[sort_key],
                                  rows=PER_PAGE, start=(page_number - 1) * PER_PAGE, facet_fields=FACETS,
                                  facet_limit=10)
    found = selectors.search(criteria)
    titles = ckan._facet_titles(found.facets)
    facets = []
    for name in FACETS:
        items = []
        for value, count in found.facets.get(name, []):
            selected = (name, value) in chosen
            others = [(n, v) for n, v in chosen if (n, v) != (name, value)]
            toggled = others if selected else [*chosen, (name, value)]
            label = _facet_label(name, value, titles)
            items.append({"value": value, "label": label, "ja": bool(JAPANESE.search(label)), "count": count,
                          "selected": selected, "query": _query(q, toggled, sort_key)})
        facets.append({"name": name, "label": FACET_LABELS[name], "items": items})
    pages = max(1, -(-found.count // PER_PAGE))
    context = {
        "q": q, "found": found, "facets": facets, "sort": sort_key, "chosen": [
            {"facet": FACET_LABELS[n], "value": _facet_label(n, v, titles),
             "ja": bool(JAPANESE.search(_facet_label(n, v, titles))),
             "query": _query(q, [c for c in chosen if c != (n, v)], sort_key)} for n, v in chosen],
        "page": page_number, "pages": pages,
        "previous_query": _query(q, chosen, sort_key, page_number - 1) if page_number > 1 else "",
        "next_query": _query(q, chosen, sort_key, page_number + 1) if page_number < pages else "",
        "sorts": [("", _("関連度順")), ("modified", _("更新日の新しい順")), ("name", _("名前順")),
                  ("title", _("タイトル順"))],
        "hidden": chosen,
    }
    return render(request, "opendata/search.html", context)


def _facet_label(name: str, value: str, titles: dict[tuple[str, str], str]) -> str:
    if name == "standard_id":
        return _("標準%(n)s") % {"n": value}
    return titles.get((name, value), value)


def _query(q: str, chosen: list[tuple[str, str]], sort: str, page: int = 1) -> str:
    pairs: list[tuple[str, str]] = [("q", q)] if q else []
    pairs += chosen
    if sort:
        pairs.append(("sort", sort))
    if page > 1:
        pairs.append(("page", str(page)))
    return "?" + urlencode(pairs)


@public
@require_GET
def dataset(request: HttpRequest, name: str) -> HttpResponse:
    found = selectors.dataset_by_name_or_id(name, include_withdrawn=True)
    if found is None or found.name != name:
        raise Http404
    if found.state == State.WITHDRAWN:
        return render(request, "opendata/tombstone.html", {"dataset": found}, status=410)
    resources = list(found.resources.all())
    previews = []
    for res in resources:
        if res.format == Format.CSV and res.datastore_active:
            rows = list(DatastoreRecord.objects.filter(resource=res).order_by("row")[:PREVIEW_ROWS])
            header = [f["id"] for f in res.datastore_fields]
            previews.append({"resource": res, "header": header,
                             "rows": [[r.data.get(h) for h in header] for r in rows]})
            break
    english = translation.get_language() == "en"
    return render(request, "opendata/dataset.html", {
        "dataset": found, "resources": resources, "previews": previews, "tags": list(found.tags.all()),
        "title": (found.title_en or found.title) if english else found.title,
        "notes": (found.notes_en or found.notes) if english else found.notes,
        "license_url": LICENSE_URLS[License(found.license_id)],
        "license_label": License(found.license_id).label,
    })


def _not_modified(request: HttpRequest, etag: str, modified_http: str) -> bool:
    match = request.headers.get("If-None-Match")
    if match is not None:
        tags = [t.strip().removeprefix("W/") for t in match.split(",")]
        return etag in tags or "*" in tags
    since = request.headers.get("If-Modified-Since")
    if since:
        try:
            return parsedate_to_datetime(since) >= parsedate_to_datetime(modified_http)
        except (TypeError, ValueError):
            return False
    return False


@public
@require_http_methods(["GET", "HEAD"])
@gzip_page
def download(request: HttpRequest, resource_id: object, file_name: str) -> HttpResponse:
    res = selectors.resource_by_id(str(resource_id))
    if res is None or res.file_name != file_name or not ResourceContent.objects.filter(resource=res).exists():
        raise Http404
    encoding = request.GET.get("encoding", "utf-8").lower().replace("-", "_")
    if encoding not in ("utf_8", "utf8", "shift_jis", "sjis", "cp932"):
        raise Http404
    sjis = encoding in ("shift_jis", "sjis", "cp932")
    if sjis and res.format != Format.CSV:
        raise Http404
    etag = f'"{res.sha256}{"-sjis" if sjis else ""}"'
    modified_http = format_datetime(res.last_modified.astimezone(UTC), usegmt=True)
    if _not_modified(request, etag, modified_http):
        response: HttpResponse = HttpResponseNotModified()
    else:
        data = bytes(res.content.data)
        content_type = MEDIA_TYPES.get(res.format, "application/octet-stream")
        name = res.file_name
        if sjis:
            try:
                data = data.decode("utf-8-sig").encode("cp932")
            except UnicodeError:
                return render(request, "opendata/sjis_unavailable.html", {"resource": res}, status=406)
            content_type += "; charset=Shift_JIS"
            name = name.removesuffix(".csv") + "_sjis.csv"
        elif content_type.startswith("text/") or content_type.endswith("json"):
            content_type += "; charset=utf-8"
        response = HttpResponse(b"" if request.method == "HEAD" else data, content_type=content_type)
        response["Content-Length"] = str(len(data))
        response["Content-Disposition"] = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
    response["ETag"] = etag
    response["Last-Modified"] = modified_http
    response["Access-Control-Allow-Origin"] = "*"
    patch_vary_headers(response, ["Accept-Encoding"])
    return _public_cache(response)


# --- DCAT ---------------------------------------------------------------------------------------------------------

def _rdf(data: bytes, fmt: str) -> HttpResponse:
    response = HttpResponse(data, content_type=f"{dcat.FORMATS[fmt]}; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return _public_cache(response)


@public
@require_GET
def catalog(request: HttpRequest, fmt: str) -> HttpResponse:
    rdf_format = dcat.EXTENSIONS.get(fmt)
    if rdf_format is None:
        raise Http404
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        raise Http404 from None
    qs = selectors.active().order_by("-modified", "name")
    total = qs.count()
    if page > 1 and (page - 1) * dcat.PAGE_SIZE >= total:
        raise Http404
    start = (page - 1) * dcat.PAGE_SIZE
    datasets = list(selectors.with_related(qs)[start:start + dcat.PAGE_SIZE])
    return _rdf(dcat.serialize(dcat.catalog_graph(datasets, page=page, total=total), rdf_format), rdf_format)


@public
@require_GET
def dataset_dcat(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    rdf_format = dcat.EXTENSIONS.get(fmt)
    found = selectors.dataset_by_name_or_id(name)
    if rdf_format is None or found is None:
        raise Http404
    return _rdf(dcat.serialize(dcat.dataset_graph(found), rdf_format), rdf_format)


# --- CKAN action API ----------------------------------------------------------------------------------------------

def _params(request: HttpRequest) -> dict[str, Any]:
    if request.method == "GET":
        return {k: request.GET.get(k) for k in request.GET}
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return {k: request.POST.get(k) for k in request.POST}
    body = request.body
    if not body.strip():
        return {}
    try:
        data = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ckan.ActionError(400, "Bad Request", f"Bad request - JSON Error: {exc}") from None
    if not isinstance(data, dict):
        raise ckan.ActionError(400, "Bad Request", "Bad request - JSON Error: Request data JSON decoded to "
                                                   f"{type(data).__name__} but it needs to be a dictionary.")
    return data


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


@public
@csrf_exempt  # read-only actions: nothing a forged request could change
@require_http_methods(["GET", "POST"])
def action(request: HttpRequest, name: str) -> HttpResponse:
    help_url = ckan.help_url(name)
    try:
        params = _params(request)
        result = ckan.call(name, params)
    except ckan.ActionError as error:
        body: dict[str, Any] = {"help": help_url, "success": False, "error": error.body()}
        status = error.status
    except (ValueError, OverflowError) as error:
        body = {"help": help_url, "success": False,
                "error": {"__type": "Validation Error", "message": f"Invalid parameter: {error}"}}
        status = 409
    else:
        body = {"help": help_url, "success": True, "result": result}
        status = 200
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- the console ------------------------------------------------------------------------------------------------

C = Capability.MANAGE_OPEN_DATA


@staff(C)
@require_GET
def console_index(request: StaffRequest) -> HttpResponse:
    datasets = (Dataset.objects.select_related("organization").annotate(n_resources=Count("resources"))
                .order_by("state", "-modified"))
    page = Paginator(datasets, 50).get_page(request.GET.get("page"))
    generated = {ds.source: ds for ds in Dataset.objects.exclude(source="")}
    return render(request, "opendata/console_index.html", {
        "page": page, "sources": [{"source": s, "dataset": generated.get(s.key)} for s in sources.all_sources()]})


def _input(form: DatasetForm) -> services.DatasetInput:
    d = form.cleaned_data
    return services.DatasetInput(
        name=d["name"], title=d["title"], organization=d["organization"], title_en=d["title_en"], notes=d["notes"],
        notes_en=d["notes_en"], tags=form.tag_list(), license_id=d["license_id"], frequency=d["frequency"],
        temporal_start=d["temporal_start"], temporal_end=d["temporal_end"], spatial=d["spatial"],
        standard_id=d["standard_id"], reading=d["reading"])


@staff(C)
@require_http_methods(["GET", "POST"])
def console_new(request: StaffRequest) -> HttpResponse:
    form = DatasetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.publish_dataset(actor=request.user, data=_input(form))
        except ApplicationError as e:
            form.add_error(e.field if e.field in form.fields else None, str(e.message))
        else:
            messages.success(request, _("データセットを公開しました。"))
            return redirect("opendata:console_edit", name=created.name)
    return render(request, "opendata/console_form.html", {"form": form, "dataset": None},
                  status=400 if request.method == "POST" else 200)


@staff(C)
@require_http_methods(["GET", "POST"])
def console_edit(request: StaffRequest, name: str) -> HttpResponse:
    ds = get_object_or_404(Dataset.objects.select_related("organization"), name=name)
    initial = {"name": ds.name, "title": ds.title, "title_en": ds.title_en, "reading": ds.reading,
               "organization": ds.organization, "notes": ds.notes, "notes_en": ds.notes_en,
               "tags": "、".join(ds.tags.values_list("name", flat=True)), "license_id": ds.license_id,
               "frequency": ds.frequency, "temporal_start": ds.temporal_start, "temporal_end": ds.temporal_end,
               "spatial": ds.spatial, "standard_id": ds.standard_id, "version": ds.version}
    form = DatasetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.update_dataset(actor=request.user, dataset=ds,
                                              version=form.cleaned_data["version"] or 0, data=_input(form))
        except ApplicationError as e:
            form.add_error(e.field if e.field in form.fields else None, str(e.message))
        else:
            messages.success(request, _("データセットを更新しました。"))
            return redirect("opendata:console_edit", name=updated.name)
    return render(request, "opendata/console_form.html", {
        "form": form, "dataset": ds, "resources": ds.resources.all(), "withdraw_form": WithdrawForm(),
        "resource_form": ResourceForm()}, status=400 if request.method == "POST" else 200)


@staff(C)
@require_POST
def console_withdraw(request: StaffRequest, name: str) -> HttpResponse:
    ds = get_object_or_404(Dataset, name=name)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.withdraw_dataset(actor=request.user, dataset=ds, reason=form.cleaned_data["reason"])
        except ApplicationError as e:
            messages.error(request, str(e.message))
        else:
            messages.success(request, _("データセットの公開を終了しました。"))
    else:
        messages.error(request, _("公開を終了する理由を入力してください。"))
    return redirect("opendata:console_edit", name=ds.name)


@staff(C)
@require_POST
def console_upload(request: StaffRequest, name: str) -> HttpResponse:
    ds = get_object_or_404(Dataset, name=name)
    form = ResourceForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > services.MAX_UPLOAD_BYTES:
            messages.error(request, _("ファイルが大きすぎます（50MBまで）。"))
            return redirect("opendata:console_edit", name=ds.name)
        try:
            services.add_resource(actor=request.user, dataset=ds, name=form.cleaned_data["name"],
                                  fmt=form.cleaned_data["format"], file_name=upload.name, content=upload.read(),
                                  description=form.cleaned_data["description"])
        except ApplicationError as e:
            messages.error(request, str(e.message))
        else:
            messages.success(request, _("ファイルを追加しました。"))
    else:
        messages.error(request, _("名称・形式・ファイルを指定してください。"))
    return redirect("opendata:console_edit", name=ds.name)


@staff(C)
@require_POST
def console_regenerate(request: StaffRequest, key: str) -> HttpResponse:
    try:
        result = services.regenerate(actor=request.user, key=key)
    except ApplicationError as e:
        messages.error(request, str(e.message))
    except (OSError, ValueError) as e:
        messages.error(request, _("生成できませんでした：%(error)s") % {"error": e})
    else:
        messages.success(request, _("「%(title)s」を生成しました（変更されたファイル：%(n)d件）。")
                         % {"title": result.dataset.title, "n": result.changed})
    return redirect("opendata:console_index")

