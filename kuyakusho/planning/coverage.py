"""Coverage: how far residents live from the nearest office, by 町丁目, and what a change of offices does to it.

Pure computation: ``compute(sites=..., population=...)`` takes the offices (real or what-if) and the residents
counted per 町丁目 (``selectors.count_population``) and returns shares within 1, 2 and 3 km, each town's
nearest office and distance, and each office's catchment. 202 towns × a handful of offices: a what-if is
re-computed in about a millisecond once the population is counted. ``apply_what_if`` is the one check of a
what-if (offices moved, closed or added) for the console page and the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .geo import Town, distance_km, in_ward

BANDS_KM: tuple[float, ...] = (1.0, 2.0, 3.0)


@dataclass(frozen=True, slots=True)
class Site:
    """An office as a point: a real one (its code) or one added in a what-if."""

    code: str
    name: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class TownCount:
    town: Town
    total: int
    elderly: int  # 65 and over


@dataclass(frozen=True, slots=True)
class Population:
    """Residents counted per 町丁目 on a date; ``unlocated`` lived at an address whose 町丁目 has no point."""

    on: str  # ISO date
    towns: tuple[TownCount, ...]
    unlocated: int = 0
    unlocated_elderly: int = 0

    @property
    def total(self) -> int:
        return sum(t.total for t in self.towns)

    @property
    def elderly(self) -> int:
        return sum(t.elderly for t in self.towns)


@dataclass(frozen=True, slots=True)
class TownRow:
    town: Town
    total: int
    elderly: int
    nearest: str  # the site's code
    distance_km: float


@dataclass(slots=True)
class Catchment:
    site: Site
    total: int = 0
    elderly: int = 0
    towns: int = 0


@dataclass(frozen=True, slots=True)
class Band:
    km: float
    total: int
    elderly: int
    share: float
    elderly_share: float


@dataclass(slots=True)
class Coverage:
    sites: tuple[Site, ...]
    bands: tuple[Band, ...]
    beyond_total: int
    beyond_elderly: int
    total: int
    elderly: int
    rows: list[TownRow] = field(default_factory=list)
    catchments: list[Catchment] = field(default_factory=list)
    max_distance_km: float = 0.0

    @property
    def beyond_share(self) -> float:
        return self.beyond_total / self.total if self.total else 0.0

    @property
    def beyond_elderly_share(self) -> float:
        return self.beyond_elderly / self.elderly if self.elderly else 0.0

    def as_dict(self) -> dict[str, object]:
        """The figures a page redraws after a what-if (aggregates only)."""
        return {
            "bands": [{"km": b.km, "share": round(b.share, 4), "elderly_share": round(b.elderly_share, 4)}
                      for b in self.bands],
            "beyond_share": round(self.beyond_share, 4),
            "beyond_elderly_share": round(self.beyond_elderly_share, 4),
            "max_distance_km": round(self.max_distance_km, 2),
            "catchments": [{"code": c.site.code, "name": c.site.name, "total": c.total, "elderly": c.elderly}
                           for c in self.catchments],
        }


def nearest(sites: tuple[Site, ...], lat: float, lon: float) -> tuple[Site, float]:
    best, best_d = sites[0], distance_km(lat, lon, sites[0].lat, sites[0].lon)
    for s in sites[1:]:
        d = distance_km(lat, lon, s.lat, s.lon)
        if d < best_d:
            best, best_d = s, d
    return best, best_d


def compute(*, sites: tuple[Site, ...], population: Population) -> Coverage:
    """Shares of residents (and of those 65+) within each band of the nearest site, straight-line."""
    if not sites:
        raise ValueError("at least one office is needed")
    catchments = {s.code: Catchment(site=s) for s in sites}
    within = [[0, 0] for _ in BANDS_KM]
    rows: list[TownRow] = []
    beyond = [0, 0]
    max_d = 0.0
    for tc in population.towns:
        site, d = nearest(sites, tc.town.lat, tc.town.lon)
        rows.append(TownRow(town=tc.town, total=tc.total, elderly=tc.elderly, nearest=site.code, distance_km=d))
        c = catchments[site.code]
        c.total += tc.total
        c.elderly += tc.elderly
        c.towns += 1
        if tc.total:
            max_d = max(max_d, d)
        placed = False
        for i, km in enumerate(BANDS_KM):
            if d <= km:
                within[i][0] += tc.total
                within[i][1] += tc.elderly
                placed = True
        if not placed:
            beyond[0] += tc.total
            beyond[1] += tc.elderly
    total, elderly = population.total, population.elderly
    bands = tuple(Band(km=km, total=w[0], elderly=w[1], share=w[0] / total if total else 0.0,
                       elderly_share=w[1] / elderly if elderly else 0.0)
                  for km, w in zip(BANDS_KM, within, strict=True))
    return Coverage(sites=sites, bands=bands, beyond_total=beyond[0], beyond_elderly=beyond[1], total=total,
                    elderly=elderly, rows=rows, catchments=list(catchments.values()), max_distance_km=max_d)


@dataclass(frozen=True, slots=True)
class WhatIf:
    """A change of offices to try: some moved (code → lat, lon), some closed, some added (code ``new-1`` …)."""

    moved: dict[str, tuple[float, float]] = field(default_factory=dict)
    closed: frozenset[str] = frozenset()
    added: tuple[Site, ...] = ()


@dataclass(frozen=True, slots=True)
class WhatIfError:
    field: str  # "move.<code>", "close", "add[<i>]" or "offices"
    message: str


def apply_what_if(sites: tuple[Site, ...], what_if: WhatIf) -> tuple[tuple[Site, ...], list[WhatIfError], bool]:
    """The sites after ``what_if``, the refusals found (an unknown office, a point outside the ward, every
    office closed; a refused change is left out) and whether anything changed."""
    errors: list[WhatIfError] = []
    known = {s.code for s in sites}
    unknown = sorted((set(what_if.moved) | what_if.closed) - known)
    if unknown:
        errors.append(WhatIfError("offices", _("%(what)sのコードが見つかりません: %(codes)s")
                                  % {"what": _("事務所"), "codes": ", ".join(unknown)}))
    out: list[Site] = []
    changed = False
    for s in sites:
        if s.code in what_if.closed:
            changed = True
            continue
        lat, lon = what_if.moved.get(s.code, (s.lat, s.lon))
        if not in_ward(lat, lon):
            errors.append(WhatIfError(f"move.{s.code}", _("%(name)s の位置（%(lat)s, %(lon)s）は区の外です。")
                                      % {"name": s.name, "lat": lat, "lon": lon}))
            out.append(s)
            continue
        if abs(lat - s.lat) > 1e-6 or abs(lon - s.lon) > 1e-6:
            changed = True
        out.append(Site(code=s.code, name=s.name, lat=lat, lon=lon))
    for i, a in enumerate(what_if.added):
        if in_ward(a.lat, a.lon):
            out.append(a)
            changed = True
        else:
            errors.append(WhatIfError(f"add[{i}]", _("%(name)s の位置（%(lat)s, %(lon)s）は区の外です。")
                                      % {"name": a.name, "lat": a.lat, "lon": a.lon}))
    if not out:
        errors.append(WhatIfError("close", _("すべての事務所を閉じることはできません。")))
        return sites, errors, False
    return tuple(out), errors, changed


def catchment_shares(*, before: Coverage, after: Coverage) -> dict[str, dict[str, float]]:
    """For each site of ``before``: the share of its residents that ``after`` assigns to each site.

    The simulator moves recorded arrivals with these shares when a what-if closes, moves or adds an office.
    """
    by_town_before = {r.town.key: r for r in before.rows}
    out: dict[str, dict[str, float]] = {}
    totals: dict[str, int] = {c.site.code: c.total for c in before.catchments}
    for r in after.rows:
        b = by_town_before.get(r.town.key)
        if b is None or not b.total:
            continue
        share = out.setdefault(b.nearest, {})
        share[r.nearest] = share.get(r.nearest, 0.0) + b.total / max(totals[b.nearest], 1)
    return out
