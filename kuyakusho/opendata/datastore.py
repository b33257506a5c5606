"""``datastore_search`` over the rows of tabular resources (``DatastoreRecord``).

Filters on indexed columns go through ``DatastoreValue`` (an index on resource, field, value, row), so a filter
over a million-row resource reads only the matching rows; other filters compare the row's JSON value as text.
With the default order (``_id``) and an indexed filter, the page is read from that index in row order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet, TextField
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast

from kuyakusho.core.text import fold_name_for_search

from .models import INDEX_VALUE_LENGTH, DatastoreRecord, DatastoreValue, Resource


@dataclass(frozen=True)
class DatastoreQuery:
    filters: Mapping[str, Sequence[str]]
    q_words: Sequence[str] = ()
    q_fields: Mapping[str, str] | None = None
    fields: Sequence[str] = ()
    sort: Sequence[tuple[str, bool]] = ()  # (field, descending)
    limit: int = 100
    offset: int = 0
    include_total: bool = True


@dataclass
class DatastoreResult:
    fields: list[dict[str, str]]
    records: list[dict[str, Any]]
    total: int | None


def _json_text(field: str) -> Cast:
    return Cast(KeyTextTransform(field, "data"), output_field=TextField())


def search(resource: Resource, query: DatastoreQuery) -> DatastoreResult:
    indexed = set(resource.datastore_indexed)
    records = DatastoreRecord.objects.filter(resource=resource)
    narrowed = False  # records carries conditions beyond its resource
    driver: QuerySet[DatastoreValue] | None = None  # the first indexed filter: rows found through the index
    for n, (field, values) in enumerate(query.filters.items()):
        if field == "_id":
            records = records.filter(row__in=[int(v) for v in values if str(v).isdigit()])
            narrowed = True
        elif field in indexed and all(len(v) <= INDEX_VALUE_LENGTH for v in values):
            matches = DatastoreValue.objects.filter(resource=resource, field=field, value__in=list(values))
            if driver is None:
                driver = matches
            else:  # each row the first filter found is looked up in the index for this one
                driver = driver.filter(Exists(matches.filter(row=OuterRef("row"))))
        else:
            alias = f"_filter{n}"
            records = records.annotate(**{alias: _json_text(field)}).filter(**{f"{alias}__in": list(values)})
            narrowed = True
    for word in query.q_words:
        records = records.filter(text__contains=fold_name_for_search(word))
        narrowed = True
    for n, (field, text) in enumerate((query.q_fields or {}).items()):
        alias = f"_q{n}"
        records = records.annotate(**{alias: _json_text(field)}).filter(**{f"{alias}__icontains": text})
        narrowed = True

    if driver is not None:
        if narrowed:
            driver = driver.filter(Exists(records.filter(row=OuterRef("row"))))
        total = driver.count() if query.include_total else None
        if not query.sort:
            page_rows = list(driver.order_by("row").values_list("row", flat=True)
                             [query.offset:query.offset + query.limit]) if query.limit else []
            by_row = {r.row: r for r in DatastoreRecord.objects.filter(resource=resource, row__in=page_rows)}
            page = [by_row[r] for r in page_rows if r in by_row]
        else:
            chosen = DatastoreRecord.objects.filter(resource=resource, row__in=driver.values("row"))
            page = _sorted_page(chosen, query)
    else:
        total = records.count() if query.include_total else None
        page = _sorted_page(records, query)

    all_fields = [{"id": "_id", "type": "int"}, *resource.datastore_fields]
    shown = [f for f in all_fields if not query.fields or f["id"] in query.fields]
    names = [f["id"] for f in shown]
    out = []
    for record in page:
        row = {"_id": record.row, **record.data}
        out.append({name: row.get(name) for name in names})
    return DatastoreResult(fields=shown, records=out, total=total)


def _sorted_page(records: QuerySet[DatastoreRecord], query: DatastoreQuery) -> list[DatastoreRecord]:
    order: list[Any] = []
    for field, descending in query.sort:
        if field == "_id":
            order.append(F("row").desc() if descending else F("row").asc())
        else:
            key = KeyTransform(field, "data")
            order.append(key.desc(nulls_last=True) if descending else key.asc(nulls_last=True))
    order.append(F("row").asc())
    return list(records.order_by(*order)[query.offset:query.offset + query.limit]) if query.limit else []

