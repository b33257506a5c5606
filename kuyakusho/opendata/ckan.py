"""CKAN's Action API (``/api/3/action/<name>``): the read actions harvesters and client libraries use.

Each action takes the parameters CKAN documents (from the query string of a GET, or a JSON object POSTed) and
returns what CKAN returns, in its envelope::

    {"help": "<url of help_show>", "success": true, "result": …}
    {"help": "…", "success": false, "error": {"__type": "Validation Error", "rows": ["Must be a natural number"]}}

Errors are CKAN's types and statuses: ``Bad Request`` 400 (unknown action, unreadable JSON), ``Not Found Error``
404, ``Validation Error`` 409, ``Search Query Error`` 409 (``fq``/``sort`` that cannot be read), ``Search Error``
409 (unknown parameters). Limits are CKAN's defaults: ``rows`` ≤ 1000 (``ckan.search.rows_max``), datastore
``limit`` ≤ 32000 (``ckan.datastore.search.rows_max``), organisation lists ≤ 1000 (25 with ``all_fields``).
Nothing here writes; write actions are answered as unknown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from kuyakusho.core.ward import ward

from . import datastore, selectors
from .models import LICENSE_URLS, MEDIA_TYPES, Dataset, License, Organization, Resource, State

ROWS_MAX = 1000
ROWS_DEFAULT = 10
DATASTORE_LIMIT_MAX = 32000
DATASTORE_LIMIT_DEFAULT = 100
ORG_LIST_MAX = 1000
ORG_LIST_ALL_FIELDS_MAX = 25
MAX_INT = 2**62
MAX_TEXT = 1000
CKAN_COMPATIBLE_VERSION = "2.10.0"


class ActionError(Exception):
    def __init__(self, status: int, kind: str, message: str | None = None,
                 fields: Mapping[str, list[str]] | None = None) -> None:
        super().__init__(message or kind)
        self.status, self.kind, self.message, self.fields = status, kind, message, dict(fields or {})

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"__type": self.kind}
        if self.message is not None:
            error["message"] = self.message
        error.update(self.fields)
        return error


def not_found(message: str = "Not found") -> ActionError:
    return ActionError(404, "Not Found Error", message)


def invalid(**fields: str) -> ActionError:
    return ActionError(409, "Validation Error", fields={k: [v] for k, v in fields.items()})


# --- parameters ---------------------------------------------------------------------------------------------------

Params = Mapping[str, Any]


def _text(params: Params, name: str, default: str = "") -> str:
    value = params.get(name, default)
    if value is None:
        return default
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise invalid(**{name: "Must be a string"})
    text = str(value)
    if len(text) > MAX_TEXT or "\x00" in text:
        raise invalid(**{name: "Value too long or not text"})
    return text


def _natural(params: Params, name: str, default: int | None) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise invalid(**{name: "Invalid integer"})
    try:
        number = int(str(value).strip())
    except ValueError:
        raise invalid(**{name: "Invalid integer"}) from None
    if number < 0:
        raise invalid(**{name: "Must be a natural number"})
    return min(number, MAX_INT)


def _bool(params: Params, name: str, default: bool) -> bool:
    value = params.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise invalid(**{name: "Value must be one of: true, false"})


def _json_value(params: Params, name: str) -> Any:
    value = params.get(name)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _string_list(params: Params, name: str) -> list[str]:
    value = _json_value(params, name)
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v for v in value if v]
    raise invalid(**{name: "Must be a list of strings"})


def _only(params: Params, allowed: set[str]) -> None:
    unknown = sorted(set(params) - allowed - {"_"})
    if unknown:
        raise ActionError(409, "Search Error", f"Invalid search parameters: {unknown}")


# --- dictionaries ---------------------------------------------------------------------------------------------------

def _absolute(path: str) -> str:
    return settings.PUBLIC_BASE_URL + path


def organization_dict(org: Organization, package_count: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(org.id), "name": org.name, "title": org.title, "display_name": org.title,
        "description": org.description, "type": "organization", "is_organization": True, "state": "active",
        "approval_status": "approved", "image_url": "", "created": org.created.isoformat(),
        "title_translated": {"ja": org.title, "en": org.title_en or org.title},
    }
    if package_count is not None:
        out["package_count"] = package_count
    return out


def resource_dict(res: Resource, dataset: Dataset | None = None) -> dict[str, Any]:
    ds = dataset or res.dataset
    return {
        "id": str(res.id), "package_id": str(ds.id), "name": res.name, "description": res.description,
        "format": res.format, "mimetype": MEDIA_TYPES.get(res.format, "application/octet-stream"),
        "url": _absolute(reverse("opendata:download", args=[res.id, res.file_name])),
        "url_type": "upload" if not res.generated_at else "generated",
        "size": res.size, "hash": res.sha256 and f"sha256:{res.sha256}", "position": res.position,
        "created": res.created.isoformat(), "last_modified": res.last_modified.isoformat(),
        "metadata_modified": res.last_modified.isoformat(), "state": "active",
        "datastore_active": res.datastore_active,
        "generated_at": res.generated_at.isoformat() if res.generated_at else None,
        "generated_from": res.generated_from,
    }


def package_dict(ds: Dataset) -> dict[str, Any]:
    tags = list(ds.tags.all())
    resources = list(ds.resources.all())
    extras = {
        "standard_id": ds.standard_id, "frequency": ds.frequency, "spatial_text": ds.spatial,
        "temporal_start": ds.temporal_start.isoformat() if ds.temporal_start else "",
        "temporal_end": ds.temporal_end.isoformat() if ds.temporal_end else "",
        "title_en": ds.title_en, "notes_en": ds.notes_en, "reading": ds.reading, "source": ds.source,
    }
    return {
        "id": str(ds.id), "name": ds.name, "title": ds.title, "notes": ds.notes, "type": "dataset",
        "state": "active" if ds.state == State.ACTIVE else "deleted", "private": False,
        "license_id": ds.license_id, "license_title": str(License(ds.license_id).label),
        "license_url": LICENSE_URLS[License(ds.license_id)], "isopen": True,
        "author": ds.organization.title, "author_email": ds.organization.email,
        "maintainer": ds.organization.title, "maintainer_email": ds.organization.email,
        "url": _absolute(reverse("opendata:dataset", args=[ds.name])), "version": None,
        "metadata_created": ds.issued.isoformat(), "metadata_modified": ds.modified.isoformat(),
        "owner_org": str(ds.organization.id), "organization": organization_dict(ds.organization),
        "num_tags": len(tags), "num_resources": len(resources),
        "tags": [{"id": str(t.id), "name": t.name, "display_name": t.name, "state": "active",
                  "vocabulary_id": None} for t in tags],
        "resources": [resource_dict(r, ds) for r in resources],
        "groups": [], "relationships_as_object": [], "relationships_as_subject": [],
        "extras": [{"key": k, "value": v} for k, v in extras.items() if v],
        "title_translated": {"ja": ds.title, "en": ds.title_en or ds.title},
        "notes_translated": {"ja": ds.notes, "en": ds.notes_en or ds.notes},
    }


# --- fq and sort ------------------------------------------------------------------------------------------------

_CLAUSE = re.compile(r'\s*(?:AND\s+)?([+-]?)([a-z_]+):(?:"((?:[^"\\]|\\.)*)"|([^\s"()\[\]{}:*?]+))\s*')


def parse_fq(fq: str) -> list[tuple[str, str, bool]]:
    """``organization:x +tags:"a b" -res_format:PDF`` → [(field, value, negated)]; anything else is refused."""
    clauses: list[tuple[str, str, bool]] = []
    position = 0
    fq = fq.strip()
    while position < len(fq):
        match = _CLAUSE.match(fq, position)
        if match is None or match.end() == position:
            raise ActionError(409, "Search Query Error", f"Search Query is invalid: \"Cannot parse fq at {position}\"")
        sign, field, quoted, bare = match.groups()
        if field not in selectors.FACET_FIELDS:
            raise ActionError(409, "Search Query Error", f'Search Query is invalid: "Unknown field {field!r} in fq"')
        value = quoted.replace('\\"', '"').replace("\\\\", "\\") if quoted is not None else bare
        clauses.append((field, value, sign == "-"))
        position = match.end()
    return clauses


# --- actions ------------------------------------------------------------------------------------------------------

def package_search(params: Params) -> dict[str, Any]:
    """Search datasets: q, fq, sort, rows (≤ 1000), start, facet, facet.field, facet.limit, facet.mincount."""
    _only(params, {"q", "fq", "sort", "rows", "start", "facet", "facet.field", "facet.limit", "facet.mincount",
                   "include_private", "include_drafts", "fl"})
    q = _text(params, "q").strip()
    if q in ("*:*", "*"):
        q = ""
    sort = _text(params, "sort", selectors.DEFAULT_SORT).strip() or selectors.DEFAULT_SORT
    sort = re.sub(r"\s+", " ", sort)
    if sort not in selectors.SORTS:
        raise ActionError(409, "Search Query Error", f'Search Query is invalid: "Invalid sort {sort!r}"')
    rows = min(_natural(params, "rows", ROWS_DEFAULT) or 0, ROWS_MAX)
    start = _natural(params, "start", 0) or 0
    facet_fields = _string_list(params, "facet.field") if _bool(params, "facet", True) else []
    unknown = [f for f in facet_fields if f not in selectors.FACET_FIELDS]
    if unknown:
        raise ActionError(409, "Search Query Error", f'Search Query is invalid: "Unknown facet field {unknown}"')
    limit_param = params.get("facet.limit")
    facet_limit = -1 if str(limit_param).strip() == "-1" else (_natural(params, "facet.limit", 50) or 0)
    criteria = selectors.Criteria(
        q=q, filters=parse_fq(_text(params, "fq")), sort=sort, rows=rows, start=start, facet_fields=facet_fields,
        facet_limit=facet_limit, facet_mincount=_natural(params, "facet.mincount", 1) or 0)
    found = selectors.search(criteria)
    titles = _facet_titles(found.facets)
    return {
        "count": found.count, "sort": sort,
        "results": [package_dict(ds) for ds in found.datasets],
        "facets": {name: dict(items) for name, items in found.facets.items()},
        "search_facets": {name: {"title": name, "items": [
            {"name": value, "display_name": titles.get((name, value), value), "count": n} for value, n in items]}
            for name, items in found.facets.items()},
    }


def _facet_titles(facets: Mapping[str, list[tuple[str, int]]]) -> dict[tuple[str, str], str]:
    titles: dict[tuple[str, str], str] = {}
    names = [v for v, _n in facets.get("organization", [])]
    for org in Organization.objects.filter(name__in=names):
        titles[("organization", org.name)] = org.title
    for value, _n in facets.get("license_id", []):
        if value in License.values:
            titles[("license_id", value)] = str(License(value).label)
    return titles


def package_show(params: Params) -> dict[str, Any]:
    key = _required(params, "id")
    ds = selectors.dataset_by_name_or_id(key)
    if ds is None:
        raise not_found()
    return package_dict(ds)


def package_list(params: Params) -> list[str]:
    limit = _natural(params, "limit", None)
    offset = _natural(params, "offset", 0) or 0
    names = selectors.active().order_by("name").values_list("name", flat=True)
    if limit is not None:
        return list(names[offset:offset + limit]) if limit and offset < MAX_INT else []
    return list(names[offset:]) if offset < MAX_INT else []


def _org_queryset() -> Any:
    return Organization.objects.annotate(package_count=Count("datasets", filter=Q(datasets__state=State.ACTIVE)))


def organization_list(params: Params) -> list[Any]:
    all_fields = _bool(params, "all_fields", False)
    cap = ORG_LIST_ALL_FIELDS_MAX if all_fields else ORG_LIST_MAX
    limit = min(_natural(params, "limit", cap) or 0, cap)
    offset = _natural(params, "offset", 0) or 0
    sort = re.sub(r"\s+", " ", _text(params, "sort", "name asc").strip() or "name asc")
    orders = {"name asc": ("name",), "name desc": ("-name",), "name": ("name",), "title asc": ("title", "name"),
              "title desc": ("-title", "name"), "package_count desc": ("-package_count", "name"),
              "package_count asc": ("package_count", "name"), "package_count": ("-package_count", "name")}
    if sort not in orders:
        raise invalid(sort=f"Cannot sort by field `{sort}`")
    qs = _org_queryset().order_by(*orders[sort])
    wanted = _string_list(params, "organizations")
    if wanted:
        qs = qs.filter(name__in=wanted)
    page = list(qs[offset:offset + limit]) if offset < MAX_INT else []
    if all_fields:
        return [organization_dict(o, o.package_count) for o in page]
    return [o.name for o in page]


def organization_show(params: Params) -> dict[str, Any]:
    key = _required(params, "id")
    qs = _org_queryset()
    org = qs.filter(name=key).first() or (qs.filter(pk=key).first() if selectors._is_uuid(key) else None)
    if org is None:
        raise not_found("Organization was not found.")
    out = organization_dict(org, org.package_count)
    if _bool(params, "include_datasets", False):
        datasets = selectors.with_related(selectors.active().filter(organization=org)).order_by("name")[:ROWS_MAX]
        out["packages"] = [package_dict(ds) for ds in datasets]
    return out


def tag_list(params: Params) -> list[Any]:
    query = _text(params, "query") or _text(params, "q")
    tags = selectors.tags_in_use(query)
    if _bool(params, "all_fields", False):
        return [{"id": str(t.id), "name": t.name, "display_name": t.name, "vocabulary_id": None} for t in tags]
    return [t.name for t in tags]


def resource_show(params: Params) -> dict[str, Any]:
    key = _required(params, "id")
    res = selectors.resource_by_id(key)
    if res is None:
        raise not_found("Resource was not found.")
    return resource_dict(res)


def status_show(params: Params) -> dict[str, Any]:
    w = ward()
    return {
        "site_title": f"{w.name_ja} オープンデータカタログ", "site_url": settings.PUBLIC_BASE_URL,
        "site_description": _("%(ward)sのオープンデータ") % {"ward": w.name_ja},
        "ckan_version": CKAN_COMPATIBLE_VERSION, "error_emails_to": None, "locale_default": "ja",
        "extensions": ["datastore", "dcat"],
    }


def _required(params: Params, name: str) -> str:
    value = _text(params, name).strip()
    if not value:
        raise invalid(**{name: "Missing value"})
    return value


def _sort_spec(text: str, known: set[str]) -> list[tuple[str, bool]]:
    spec: list[tuple[str, bool]] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        pieces = part.rsplit(" ", 1)
        field, direction = (pieces[0].strip().strip('"'), pieces[1].lower()) if len(pieces) == 2 and \
            pieces[1].lower() in ("asc", "desc") else (part.strip('"'), "asc")
        if field not in known:
            raise invalid(sort=f'field "{field}" not in table')
        spec.append((field, direction == "desc"))
    return spec


def datastore_search(params: Params) -> dict[str, Any]:
    """Rows of a tabular resource: resource_id, filters, q, fields, sort, limit (≤ 32000), offset, include_total."""
    _only(params, {"resource_id", "id", "filters", "q", "fields", "sort", "limit", "offset", "include_total",
                   "records_format", "distinct", "plain", "language", "full_text", "total_estimation_threshold"})
    resource_id = _text(params, "resource_id") or _text(params, "id")
    if not resource_id.strip():
        raise invalid(resource_id="Missing value")
    resource = selectors.resource_by_id(resource_id.strip())
    if resource is None or not resource.datastore_active:
        raise not_found(f'Resource "{resource_id}" was not found.')
    known = {"_id"} | {f["id"] for f in resource.datastore_fields}

    filters_raw = _json_value(params, "filters") or {}
    if not isinstance(filters_raw, dict):
        raise invalid(filters="Not a json object")
    filters: dict[str, list[str]] = {}
    for field, value in filters_raw.items():
        if field not in known:
            raise invalid(filters=f'field "{field}" not in table')
        values = value if isinstance(value, list) else [value]
        if not values or any(isinstance(v, (dict, list)) or v is None for v in values):
            raise invalid(filters=f'invalid value for field "{field}"')
        filters[field] = [str(v).lower() if isinstance(v, bool) else str(v) for v in values][:100]

    q_raw = _json_value(params, "q")
    q_words: list[str] = []
    q_fields: dict[str, str] = {}
    if isinstance(q_raw, dict):
        for field, text in q_raw.items():
            if field not in known or field == "_id":
                raise invalid(q=f'field "{field}" not in table')
            if not isinstance(text, str):
                raise invalid(q="Must be a string")
            q_fields[field] = text[:MAX_TEXT]
    elif q_raw not in (None, ""):
        q_words = selectors.words(str(_text(params, "q")))

    fields = _string_list(params, "fields")
    for field in fields:
        if field not in known:
            raise invalid(fields=f'field "{field}" not in table')
    sort = _sort_spec(_text(params, "sort"), known)
    records_format = _text(params, "records_format", "objects") or "objects"
    if records_format not in ("objects", "lists"):
        raise invalid(records_format='Value must be one of ["objects", "lists"]')
    limit = min(_natural(params, "limit", DATASTORE_LIMIT_DEFAULT) or 0, DATASTORE_LIMIT_MAX)
    offset = _natural(params, "offset", 0) or 0
    include_total = _bool(params, "include_total", True)
    result = datastore.search(resource, datastore.DatastoreQuery(
        filters=filters, q_words=q_words, q_fields=q_fields, fields=fields, sort=sort, limit=limit,
        offset=min(offset, 2**53), include_total=include_total))
    records: list[Any] = result.records
    if records_format == "lists":
        records = [list(r.values()) for r in result.records]
    start_link = reverse("opendata:action", args=["datastore_search"]) + f"?resource_id={resource.id}"
    out: dict[str, Any] = {
        "resource_id": str(resource.id), "fields": result.fields, "records": records,
        "records_format": records_format, "limit": limit, "offset": offset, "include_total": include_total,
        "_links": {"start": start_link, "next": f"{start_link}&offset={offset + limit}"},
    }
    if result.total is not None:
        out["total"] = result.total
        out["total_was_estimated"] = False
    if filters:
        out["filters"] = filters_raw
    if q_raw not in (None, ""):
        out["q"] = q_raw
    if sort:
        out["sort"] = ", ".join(f"{f} {'desc' if d else 'asc'}" for f, d in sort)
    return out


@dataclass(frozen=True)
class Action:
    function: Callable[[Params], Any]
    help: str


ACTIONS: dict[str, Action] = {}


def _register(*functions: Callable[[Params], Any]) -> None:
    for f in functions:
        ACTIONS[f.__name__] = Action(f, (f.__doc__ or "").strip())


def help_show(params: Params) -> str:
    """The documentation of one action: name."""
    name = _required(params, "name")
    action = ACTIONS.get(name)
    if action is None:
        raise not_found(f"Action function not found: {name}")
    return action.help or name


_register(package_search, package_show, package_list, organization_list, organization_show, tag_list,
          resource_show, status_show, datastore_search, help_show)


def call(name: str, params: Params) -> Any:
    action = ACTIONS.get(name)
    if action is None:
        raise ActionError(400, "Bad Request", f"Bad request - Action name not known: {name}")
    return action.function(params)


def help_url(name: str) -> str:
    return _absolute(reverse("opendata:action", args=["help_show"])) + f"?name={name}"
