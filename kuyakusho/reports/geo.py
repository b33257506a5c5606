"""Where a report is: inside the ward (the boundary of ``settings.WARD_BOUNDARY``, shapely), the nearest 町丁目
(the ward's towns file through ``residents.addresses``) and distances on the ground (haversine; at 50 m the
error against the ellipsoid is centimetres)."""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

from django.conf import settings
from shapely import prepared
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from kuyakusho.residents.addresses import Chome, chome_table

EARTH_RADIUS_M = 6_371_008.8
#: Metres per degree of latitude (mean).
M_PER_DEG_LAT = math.pi * EARTH_RADIUS_M / 180


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


#: The fixed grid of the public map (about 280 m × 270 m in Tokyo): cell = row · CELL_ROW + column.
CELL_LAT, CELL_LON, CELL_ROW = 0.0025, 0.003, 1_000_000


def cell(lat: float, lon: float) -> int:
    return math.floor(lat / CELL_LAT) * CELL_ROW + math.floor(lon / CELL_LON)


def cell_centre(value: int) -> tuple[float, float]:
    row, column = divmod(value, CELL_ROW)
    return (row + 0.5) * CELL_LAT, (column + 0.5) * CELL_LON


def box(lat: float, lon: float, metres: float) -> tuple[float, float, float, float]:
    """(lat_min, lat_max, lon_min, lon_max) of a square around the point that holds the circle of ``metres``."""
    dlat = metres / M_PER_DEG_LAT
    dlon = metres / (M_PER_DEG_LAT * max(math.cos(math.radians(lat)), 1e-6))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


@cache
def _boundary(path: str) -> tuple[BaseGeometry, prepared.PreparedGeometry]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    features = data.get("features") or [data]
    geometry = unary_union([shape(f.get("geometry", f)) for f in features])
    return geometry, prepared.prep(geometry)


def boundary() -> BaseGeometry:
    return _boundary(str(settings.WARD_BOUNDARY))[0]


def in_ward(lat: float, lon: float) -> bool:
    return bool(_boundary(str(settings.WARD_BOUNDARY))[1].covers(Point(lon, lat)))


def nearest_town(lat: float, lon: float) -> Chome | None:
    """The 町丁目 whose representative point is nearest (the ward's towns file gives one point each)."""
    best, best_d = None, math.inf
    for c in chome_table().values():
        d = distance_m(lat, lon, c.lat, c.lon)
        if d < best_d:
            best, best_d = c, d
    return best


def town_choices() -> list[tuple[str, str]]:
    """(key, label) of every 町丁目 in kana order, for the picker: key ``town:chome``."""
    rows = sorted(chome_table().values(), key=lambda c: (c.town_kana, c.chome or 0))
    return [(f"{c.town}:{c.chome or ''}", c.label) for c in rows]


def town_point(key: str) -> Chome | None:
    town, _, chome = (key or "").partition(":")
    try:
        return chome_table().get((town, int(chome) if chome else None))
    except ValueError:
        return None
