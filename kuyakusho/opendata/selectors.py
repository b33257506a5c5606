"""Reads of the catalogue for pages, the CKAN API and DCAT."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When

from .models import Dataset, Resource, State, Tag
from .readings import query_variants

# The faceted fields (CKAN's names) and the dataset column each filters.
FACET_FIELDS: dict[str, str] = {
    "organization": "organization__name",
    "tags": "tags__name",
    "res_format": "resources__format",
    "license_id": "license_id",
    "standard_id": "standard_id",
    "frequency": "frequency",
}
SORTS: dict[str, tuple[str, ...]] = {
    "score desc, metadata_modified desc": ("-score", "-modified", "name"),
    "score desc": ("-score", "-modified", "name"),
    "metadata_modified desc": ("-modified", "name"),
    "metadata_modified asc": ("modified", "name"),
    "metadata_created desc": ("-issued", "name"),
    "metadata_created asc": ("issued", "name"),
    "name asc": ("name",),
    "name desc": ("-name",),
    "title_string asc": ("title", "name"),
    "title_string desc": ("-title", "name"),
}
DEFAULT_SORT = "score desc, metadata_modified desc"
MAX_WORDS = 10


@dataclass(frozen=True)
class Criteria:
    q: str = ""
    filters: Sequence[tuple[str, str, bool]] = ()  # (facet field, value, negated)
    sort: str = DEFAULT_SORT
    rows: int = 10
    start: int = 0
    facet_fields: Sequence[str] = ()
    facet_limit: int = 50
    facet_mincount: int = 1


@dataclass
class Found:
    count: int
    datasets: list[Dataset]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def active() -> QuerySet[Dataset]:
    return Dataset.objects.filter(state=State.ACTIVE)


def with_related(qs: QuerySet[Dataset]) -> QuerySet[Dataset]:
    return qs.select_related("organization").prefetch_related(
        "tags", Prefetch("resources", queryset=Resource.objects.order_by("position", "created")))


def words(q: str) -> list[str]:
    return [w for w in q.replace("\u3000", " ").split() if w][:MAX_WORDS]


def matching(criteria: Criteria) -> QuerySet[Dataset]:
    qs = active()
    for word in words(criteria.q):
        any_spelling = Q()
        for variant in query_variants(word):
            any_spelling |= Q(search_key__contains=variant)
        qs = qs.filter(any_spelling)
    for name, value, negated in criteria.filters:
        column = FACET_FIELDS[name]
        if column.startswith(("tags__", "resources__")):
            relation = Dataset.objects.filter(**{column: value}).values("pk")
            qs = qs.exclude(pk__in=relation) if negated else qs.filter(pk__in=relation)
        else:
            qs = qs.exclude(**{column: value}) if negated else qs.filter(**{column: value})
    return qs


def _scored(qs: QuerySet[Dataset], q: str) -> QuerySet[Dataset]:
    first = words(q)[:1]
    if not first:
        return qs.annotate(score=Value(0, output_field=IntegerField()))
    in_title = Q()
    for variant in query_variants(first[0]):
        in_title |= Q(title__contains=variant)
    return qs.annotate(score=Case(When(in_title, then=Value(1)), default=Value(0), output_field=IntegerField()))


def facet_counts(qs: QuerySet[Dataset], name: str, limit: int, mincount: int = 1) -> list[tuple[str, int]]:
    ids = qs.values("pk")
    rows: QuerySet[Any, Any]
    if name == "tags":
        rows = (Dataset.tags.through.objects.filter(dataset__in=ids).values_list("tag__name")
                .annotate(n=Count("dataset_id")))
    elif name == "res_format":
        rows = (Resource.objects.filter(dataset__in=ids).values_list("format")
                .annotate(n=Count("dataset_id", distinct=True)))
    else:
        column = FACET_FIELDS[name]
        rows = (Dataset.objects.filter(pk__in=ids).exclude(**{column: ""}).values_list(column)
                .annotate(n=Count("pk")))
    counted = sorted(((str(v), n) for v, n in rows if v not in ("", None) and n >= mincount),
                     key=lambda item: (-item[1], item[0]))
    return counted if limit < 0 else counted[:limit]


def search(criteria: Criteria) -> Found:
    qs = matching(criteria)
    count = qs.count()
    page: list[Dataset] = []
    if criteria.rows > 0 and criteria.start < count:
        ordered = _scored(qs, criteria.q).order_by(*SORTS[criteria.sort])
        page = list(with_related(ordered)[criteria.start:criteria.start + criteria.rows])
    facets = {name: facet_counts(qs, name, criteria.facet_limit, criteria.facet_mincount)
              for name in criteria.facet_fields}
    return Found(count=count, datasets=page, facets=facets)


def dataset_by_name_or_id(key: str, *, include_withdrawn: bool = False) -> Dataset | None:
    qs = Dataset.objects.all() if include_withdrawn else active()
    qs = with_related(qs)
    found = qs.filter(name=key).first()
    if found is None and _is_uuid(key):
        found = qs.filter(pk=key).first()
    return found


def resource_by_id(key: str) -> Resource | None:
    if not _is_uuid(key):
        return None
    return (Resource.objects.select_related("dataset", "dataset__organization")
            .filter(pk=key, dataset__state=State.ACTIVE).first())


def tags_in_use(query: str = "") -> QuerySet[Tag]:
    qs = Tag.objects.filter(datasets__state=State.ACTIVE).distinct()
    if query:
        qs = qs.filter(name__icontains=query)
    return qs.order_by("name")


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True
