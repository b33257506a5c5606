"""Coverage: shares within 1/2/3 km from the register, what-ifs, the ward's boundary."""

from __future__ import annotations

import datetime

import pytest

from kuyakusho.planning.coverage import (
    Population,
    Site,
    TownCount,
    WhatIf,
    apply_what_if,
    catchment_shares,
    compute,
)
from kuyakusho.planning.geo import distance_km, grid, in_ward, towns
from kuyakusho.planning.selectors import count_population, office_sites
from kuyakusho.residents.models import RemovalReason, Status
from kuyakusho.residents.tests.factories import HouseholdFactory, ResidentFactory


def test_distance_is_the_great_circle():
    # One degree of latitude is about 111.2 km.
    assert distance_km(35.0, 139.0, 36.0, 139.0) == pytest.approx(111.19, rel=1e-3)
    assert distance_km(35.7, 139.6, 35.7, 139.6) == 0


def test_the_ward_boundary_decides_inside_and_outside():
    assert in_ward(35.735623, 139.651658)  # the ward's main building
    assert not in_ward(35.681236, 139.767125)  # Tokyo Station
    assert not in_ward(35.0, 139.0)
    assert all(in_ward(t.lat, t.lon) for t in towns()[:20])


def test_the_grid_covers_the_ward_and_nothing_outside():
    cells = grid().centres
    assert 500 < len(cells) < 1200  # about 48 km² in 0.25 km cells (0.0625 km² each: ~770)
    assert all(in_ward(lat, lon) for lat, lon in cells[::50])


def _population(*counts: tuple[int, int, int]) -> Population:
    """Residents in the first towns of the ward's list: (town index, total, 65+)."""
    ts = towns()
    return Population(on="2026-12-01", towns=tuple(TownCount(town=ts[i], total=n, elderly=e) for i, n, e in counts))


def test_shares_within_each_band_from_town_points():
    ts = towns()
    here = Site(code="a", name="A", lat=ts[0].lat, lon=ts[0].lon)
    pop = _population((0, 100, 30), (5, 50, 10))
    far = distance_km(ts[0].lat, ts[0].lon, ts[5].lat, ts[5].lon)
    cov = compute(sites=(here,), population=pop)
    assert cov.total == 150 and cov.elderly == 40
    for band in cov.bands:
        expect = 150 if far <= band.km else 100
        assert band.total == expect
        assert band.share == pytest.approx(expect / 150)
    assert cov.catchments[0].total == 150


def test_a_what_if_move_changes_the_shares_and_the_catchments():
    ts = towns()
    pop = _population(*[(i, 100, 20) for i in range(0, len(ts), 10)])
    a = Site(code="a", name="A", lat=ts[0].lat, lon=ts[0].lon)
    b = Site(code="b", name="B", lat=ts[100].lat, lon=ts[100].lon)
    before = compute(sites=(a, b), population=pop)
    moved = compute(sites=(a, Site(code="b", name="B", lat=ts[-1].lat, lon=ts[-1].lon)), population=pop)
    assert [c.total for c in before.catchments] != [c.total for c in moved.catchments]
    assert sum(c.total for c in moved.catchments) == pop.total
    shares = catchment_shares(before=before, after=compute(sites=(a,), population=pop))
    assert shares["b"] == {"a": pytest.approx(1.0)}  # closing B sends all its residents to A


def test_population_counts_residents_on_the_register_by_town_and_age(offices):
    old = HouseholdFactory(town="豊玉北", chome=6)
    ResidentFactory(household=old, birth_date=datetime.date(1950, 1, 1))
    ResidentFactory(household=old, is_head=False, birth_date=datetime.date(2000, 1, 1))
    ResidentFactory(household=HouseholdFactory(town="豊玉北", chome=6), status=Status.REMOVED,
                    removed_on=datetime.date(2025, 1, 1), removal_reason=RemovalReason.MOVE_OUT)
    ResidentFactory(household=HouseholdFactory(town="どこにもない町", chome=1))
    pop = count_population(on=datetime.date(2026, 12, 1))
    row = next(t for t in pop.towns if t.town.key == ("豊玉北", 6))
    assert (row.total, row.elderly) == (2, 1)
    assert pop.unlocated == 1
    assert pop.total == 2


def test_population_is_counted_in_one_grouped_query(offices, django_assert_num_queries):
    for town, chome in (("豊玉北", 6), ("関町北", 1), ("どこにもない町", 1)):
        ResidentFactory(household=HouseholdFactory(town=town, chome=chome), birth_date=datetime.date(1961, 12, 1))
    with django_assert_num_queries(1):
        pop = count_population(on=datetime.date(2026, 12, 1))
    assert (pop.total, pop.elderly, pop.unlocated, pop.unlocated_elderly) == (2, 2, 1, 1)
    assert count_population(on=datetime.date(2026, 11, 30)).elderly == 0  # 65 from 1 December only


def test_a_what_if_moves_closes_and_adds_sites_and_names_what_it_refuses():
    ts = towns()
    a = Site(code="a", name="A", lat=ts[0].lat, lon=ts[0].lon)
    b = Site(code="b", name="B", lat=ts[100].lat, lon=ts[100].lon)
    new = Site(code="new-1", name="N", lat=ts[50].lat, lon=ts[50].lon)
    sites, errors, changed = apply_what_if((a, b), WhatIf(moved={"a": (ts[1].lat, ts[1].lon)}, closed=frozenset({"b"}),
                                                          added=(new,)))
    assert not errors and changed
    assert [(s.code, s.lat) for s in sites] == [("a", ts[1].lat), ("new-1", ts[50].lat)]
    assert apply_what_if((a, b), WhatIf(moved={"a": (a.lat, a.lon)})) == ((a, b), [], False)
    _s, errors, _c = apply_what_if((a, b), WhatIf(moved={"a": (35.6812, 139.7671)}, closed=frozenset({"zz"}),
                                                  added=(Site(code="new-1", name="N", lat=35.0, lon=139.0),)))
    assert [e.field for e in errors] == ["offices", "move.a", "add[0]"]
    assert "zz" in errors[0].message and "区の外" in errors[1].message
    kept, errors, changed = apply_what_if((a, b), WhatIf(closed=frozenset({"a", "b"})))
    assert kept == (a, b) and not changed and errors[0].field == "close"


def test_offices_become_sites_with_their_positions(offices):
    sites = office_sites()
    assert {s.code for s in sites} == {"nerima", "hikarigaoka", "shakujii", "oizumi", "daini", "seki"}
    assert all(in_ward(s.lat, s.lon) for s in sites)
