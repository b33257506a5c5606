"""Every read of the reports area used by pages, the map and Open311."""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from . import geo
from .models import OPEN, Category, Follower, MeToo, Photo, Report, Status, StatusChange

DUPLICATE_RADIUS_M = 50.0
#: Above this many reports in view, the map gets clusters (cells of a grid) instead of points.
MAP_POINTS_MAX = 1500


def categories(*, active: bool = True) -> QuerySet[Category]:
    qs = Category.objects.all()
    return qs.filter(active=True) if active else qs


def sections() -> list[str]:
    return sorted(set(Category.objects.values_list("section", flat=True)))


def _public_photos() -> Prefetch[str, QuerySet[Photo], str]:
    return Prefetch("photos", queryset=Photo.objects.filter(hidden=False).only(
        "id", "report_id", "kind", "hidden", "blurred", "width", "height").order_by("id"), to_attr="public_photos")


def public_photos_of(report: Report) -> list[Photo]:
    """The photos the public may see, as prefetched by ``public_report``/``own_report``/``duplicates``."""
    photos: list[Photo] = getattr(report, "public_photos", [])
    return photos


def duplicates(*, category: str, lat: float, lon: float, radius_m: float = DUPLICATE_RADIUS_M,
               exclude_id: int | None = None, limit: int = 10) -> list[tuple[Report, float]]:
    """Open reports of the same category within ``radius_m`` metres, nearest first, with their distance."""
    lat_min, lat_max, lon_min, lon_max = geo.box(lat, lon, radius_m)
    rows = list(Report.objects.filter(category__code=category, lat__gte=lat_min, lat__lte=lat_max,
                                      lon__gte=lon_min, lon__lte=lon_max, status__in=list(OPEN))
                .exclude(pk=exclude_id or 0).values_list("pk", "lat", "lon"))
    near = sorted((d, pk) for pk, a, b in rows if (d := geo.distance_m(lat, lon, a, b)) <= radius_m)[:limit]
    if not near:
        return []
    found = {r.pk: r for r in Report.objects.filter(pk__in=[pk for _, pk in near]).select_related("category")
             .prefetch_related(_public_photos())}
    return [(found[pk], d) for d, pk in near if pk in found]


@dataclass(frozen=True)
class Filters:
    category: str = ""
    status: str = ""
    town: str = ""
    since: date | None = None
    until: date | None = None


def _filtered(qs: QuerySet[Report], f: Filters) -> QuerySet[Report]:
    if f.category:
        qs = qs.filter(category__code=f.category)
    if f.status == "open":
        qs = qs.filter(status__in=list(OPEN))
    elif f.status == "closed":
        qs = qs.exclude(status__in=list(OPEN))
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.town:
        qs = qs.filter(town=f.town)
    tz = timezone.get_current_timezone()
    if f.since:
        qs = qs.filter(created_at__gte=datetime.combine(f.since, time.min, tz))
    if f.until:
        qs = qs.filter(created_at__lt=datetime.combine(f.until + timedelta(days=1), time.min, tz))
    return qs


def public_reports(f: Filters) -> QuerySet[Report]:
    return (_filtered(Report.objects.filter(published=True), f).select_related("category")
            .prefetch_related(_public_photos()).order_by("-created_at", "-id"))


def public_report(report_id: int) -> Report | None:
    return (Report.objects.filter(pk=report_id, published=True).select_related("category", "duplicate_of")
            .prefetch_related(_public_photos(), Prefetch("changes", queryset=StatusChange.objects.order_by(
                "created_at", "id"))).first())


def map_data(f: Filters, *, bbox: tuple[float, float, float, float] | None = None) -> dict[str, Any]:
    """The public map's data: points when few are in view, otherwise clusters: the reports counted per cell of
    the fixed grid (``geo.cell``, from the index on published, cell and status alone), merged into about 40
    cells across the view, each with its count of open and closed reports."""
    qs = _filtered(Report.objects.filter(published=True), f)
    if bbox is not None:
        south, west, north, east = bbox
        qs = qs.filter(lat__gte=south, lat__lte=north, lon__gte=west, lon__lte=east)
    span = max((bbox[2] - bbox[0]) if bbox else 0.1, geo.CELL_LAT)
    if bbox is not None and span < 0.01:
        rows = list(qs.values_list("pk", "lat", "lon", "status", "category_id")[:MAP_POINTS_MAX + 1])
        if len(rows) <= MAP_POINTS_MAX:
            codes = dict(Category.objects.values_list("pk", "code"))
            return {"kind": "points", "points": [
                {"id": pk, "lat": round(a, 6), "lon": round(b, 6), "status": s, "category": codes.get(c, ""),
                 "open": s in OPEN} for pk, a, b, s, c in rows]}
    size = max(span / 40, geo.CELL_LAT)
    counts: dict[tuple[int, int], list[float]] = {}
    for cell, status, n in qs.values_list("cell", "status").annotate(n=Count("*")).order_by():
        lat, lon = geo.cell_centre(cell)
        key = (math.floor(lat / size), math.floor(lon / size))
        entry = counts.setdefault(key, [0, 0, 0.0, 0.0])
        entry[0 if status in OPEN else 1] += n
        entry[2] += lat * n
        entry[3] += lon * n
    return {"kind": "clusters", "cells": [
        {"lat": round(sy / (o + c), 6), "lon": round(sx / (o + c), 6), "open": o, "closed": c, "count": o + c}
        for _key, (o, c, sy, sx) in sorted(counts.items())]}


def queue(*, section: str = "", status: str = "", overdue: bool = False, assigned_to: int | None = None
          ) -> QuerySet[Report]:
    qs = Report.objects.select_related("category", "assigned_to").order_by("due_at", "id")
    if section:
        qs = qs.filter(category__section=section)
    if status == "open" or not status:
        qs = qs.filter(status__in=list(OPEN))
    elif status != "all":
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status__in=list(OPEN), due_at__lt=timezone.now())
    if assigned_to:
        qs = qs.filter(assigned_to_id=assigned_to)
    return qs


def staff_report(report_id: int) -> Report | None:
    return (Report.objects.filter(pk=report_id)
            .select_related("category", "assigned_to", "duplicate_of", "reporter")
            .prefetch_related("photos", "internal_notes__author", "changes__by_staff").first())


def is_following(report: Report, account_id: int | None) -> bool:
    return bool(account_id) and Follower.objects.filter(report=report, account_id=account_id).exists()


def said_me_too(report: Report, account_id: int | None) -> bool:
    return bool(account_id) and MeToo.objects.filter(report=report, account_id=account_id).exists()


def my_reports(account_id: int) -> QuerySet[Report]:
    return (Report.objects.filter(Q(reporter_id=account_id) | Q(followers__account_id=account_id)).distinct()
            .select_related("category").order_by("-created_at"))


# --- statistics (no personal data: counts, categories, towns, months) ----------------------------------------

def statistics_for(*, since: date | None = None, until: date | None = None) -> dict[str, Any]:
    f = Filters(since=since, until=until)
    qs = _filtered(Report.objects.all(), f)
    tz = timezone.get_current_timezone()
    by_month: Counter[str] = Counter()
    for created in qs.values_list("created_at", flat=True).iterator(chunk_size=5000):
        by_month[timezone.localtime(created, tz).strftime("%Y-%m")] += 1
    names = {c.code: c for c in Category.objects.all()}
    by_category = Counter(dict(qs.values_list("category__code").annotate(n=Count("id")).order_by()))
    by_status = Counter(dict(qs.values_list("status").annotate(n=Count("id")).order_by()))
    by_town = Counter(dict(qs.exclude(town="").values_list("town").annotate(n=Count("id")).order_by()))
    fix_days: dict[str, list[float]] = defaultdict(list)
    for code, created, fixed in (qs.filter(status=Status.FIXED, fixed_at__isnull=False)
                                 .values_list("category__code", "created_at", "fixed_at").iterator(chunk_size=5000)):
        if fixed is not None:
            fix_days[code].append((fixed - created).total_seconds() / 86400)
    return {
        "total": qs.count(),
        "months": sorted(by_month.items()),
        "categories": [(names[c], n, round(statistics.median(fix_days[c]), 1) if fix_days.get(c) else None)
                       for c, n in sorted(by_category.items(), key=lambda kv: names[kv[0]].order)],
        "statuses": [(s, by_status.get(s.value, 0)) for s in Status],
        "towns": by_town.most_common(20),
    }


def export_rows(*, since: date | None = None, until: date | None = None) -> Iterator[list[object]]:
    """One row per published report for the open-data catalogue: no reporter, contact, free text or photo."""
    qs = _filtered(Report.objects.filter(published=True), Filters(since=since, until=until))
    yield ["id", "category", "status", "open311_status", "town", "lat", "lon", "created_at", "fixed_at"]
    for pk, code, status, town, lat, lon, created, fixed in (
            qs.order_by("id").values_list("pk", "category__code", "status", "town", "lat", "lon", "created_at",
                                          "fixed_at").iterator(chunk_size=5000)):
        yield [pk, code, status, "open" if status in OPEN else "closed", town, round(lat, 5), round(lon, 5),
               created.isoformat(), fixed.isoformat() if fixed else ""]


def own_report(report_id: int, account_id: int) -> Report | None:
    """A report before publication, for its reporter and those who follow it (no contact details shown)."""
    return (Report.objects.filter(pk=report_id).filter(Q(reporter_id=account_id) | Q(followers__account_id=account_id))
            .select_related("category", "duplicate_of").prefetch_related(
                _public_photos(), Prefetch("changes", queryset=StatusChange.objects.order_by("created_at", "id")))
            .distinct().first())
