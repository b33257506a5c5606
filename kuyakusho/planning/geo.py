"""The ward's geometry for planning: 町丁目 representative points, the boundary, straight-line distances.

Everything here is pure (files in, numbers out) and cached per process. Distances are straight lines on the
sphere (haversine): the ward has no road network in this tree, and every page that shows a distance says so.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from kuyakusho.core.ward import ward

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class Town:
    """One 町丁目: its name as the register writes it (town, chome) and its representative point."""

    town: str
    chome: int | None
    lat: float
    lon: float

    @property
    def key(self) -> tuple[str, int | None]:
        return (self.town, self.chome)

    @property
    def label(self) -> str:
        return f"{self.town}{self.chome}丁目" if self.chome else self.town


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (straight-line) distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@lru_cache(maxsize=4)
def _towns(path: str) -> tuple[Town, ...]:
    with Path(path).open(encoding="utf-8", newline="") as f:
        return tuple(Town(town=row["town"], chome=int(row["chome"]) if row["chome"] else None,
                          lat=float(row["lat"]), lon=float(row["lon"])) for row in csv.DictReader(f))


def towns() -> tuple[Town, ...]:
    """The ward's 町丁目 with their representative points (the ward profile's ``towns_csv``)."""
    return _towns(ward().towns_csv)


@lru_cache(maxsize=4)
def _boundary(path: str) -> tuple[tuple[float, float], ...]:
    """The outer ring of the ward's (first) polygon as (lon, lat) pairs."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    geometry = data["features"][0]["geometry"] if data.get("type") == "FeatureCollection" else data
    coords = geometry["coordinates"]
    ring = coords[0][0] if geometry["type"] == "MultiPolygon" else coords[0]
    return tuple((float(x), float(y)) for x, y in ring)


def boundary() -> tuple[tuple[float, float], ...]:
    return _boundary(str(settings.WARD_BOUNDARY))


def in_ward(lat: float, lon: float) -> bool:
    """Whether a point lies inside the ward's boundary (ray casting on the outer ring)."""
    ring = boundary()
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


@dataclass(frozen=True, slots=True)
class Grid:
    """Square cells over the ward (their centres inside the boundary), for the choropleth."""

    cell_km: float
    dlat: float
    dlon: float
    centres: tuple[tuple[float, float], ...]  # (lat, lon)


@lru_cache(maxsize=4)
def _grid(path: str, cell_km: float) -> Grid:
    ring = _boundary(path)
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    mid = math.radians((min(lats) + max(lats)) / 2)
    dlat = cell_km / 111.32
    dlon = cell_km / (111.32 * math.cos(mid))
    centres = []
    lat = min(lats) + dlat / 2
    while lat < max(lats):
        lon = min(lons) + dlon / 2
        while lon < max(lons):
            if in_ward(lat, lon):
                centres.append((round(lat, 6), round(lon, 6)))
            lon += dlon
        lat += dlat
    return Grid(cell_km=cell_km, dlat=dlat, dlon=dlon, centres=tuple(centres))


def grid(cell_km: float = 0.25) -> Grid:
    return _grid(str(settings.WARD_BOUNDARY), cell_km)
