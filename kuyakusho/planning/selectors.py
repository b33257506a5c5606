"""Reads for the planning area: residents counted per 町丁目 and the offices as points.

Every figure is an aggregate: no query here returns a person, and no planning page reads a resident's record,
so nothing here is audited as a read of personal data (writes — saved simulation runs — are, in ``services``).
"""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from kuyakusho.core.dates import years_before
from kuyakusho.offices.models import Office
from kuyakusho.residents.models import Resident, Status

from .coverage import Population, Site, TownCount
from .geo import towns

POPULATION_CACHE_SECONDS = 600
ELDERLY_AGE = 65


def count_population(*, on: datetime.date) -> Population:
    """Residents on the register today, counted per 町丁目 of their household's address (all, and 65+ on ``on``).

    町丁目 missing from the ward's list are counted as unlocated.
    """
    cutoff = years_before(on, ELDERLY_AGE)
    # One grouped query that reads the residents' (household, status, birth date) index alone, never their rows
    # (residents.Resident's res_resident_household): about 1 s of CPU for 740,000 residents on SQLite.
    counts = {(town, chome): (n, n65) for town, chome, n, n65 in Resident.objects.filter(status=Status.ACTIVE)
              .values_list("household__town", "household__chome")
              .annotate(n=Count("*"), n65=Count("birth_date", filter=Q(birth_date__lte=cutoff))).order_by()}
    placed: list[TownCount] = []
    for t in towns():
        n, n65 = counts.pop(t.key, (0, 0))
        placed.append(TownCount(town=t, total=n, elderly=n65))
    return Population(on=on.isoformat(), towns=tuple(placed), unlocated=sum(v[0] for v in counts.values()),
                      unlocated_elderly=sum(v[1] for v in counts.values()))


def population(*, on: datetime.date | None = None, fresh: bool = False) -> Population:
    """``count_population`` kept in the shared cache for ten minutes, so that what-ifs need no query."""
    day = on or timezone.localdate()
    key = f"planning:population:{day.isoformat()}"
    if not fresh:
        hit = cache.get(key)
        if isinstance(hit, Population):
            return hit
    result = count_population(on=day)
    cache.set(key, result, POPULATION_CACHE_SECONDS)
    return result


def office_sites() -> tuple[Site, ...]:
    """The offices residents go to (those with counter services and a position), as points."""
    offices = (Office.objects.filter(services__isnull=False, latitude__isnull=False, longitude__isnull=False)
               .distinct().order_by("sort_order", "code"))
    return tuple(Site(code=o.code, name=o.name, lat=float(o.latitude or 0), lon=float(o.longitude or 0))
                 for o in offices)
