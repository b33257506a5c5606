"""The generated ward (no database): determinism, valid codes, households, shares and history."""

from __future__ import annotations

from collections import Counter
from dataclasses import astuple
from datetime import date

import pytest

from kuyakusho.core.identifiers import validate_my_number, validate_resident_code
from kuyakusho.core.text import is_katakana_reading
from kuyakusho.demo.population.generator import Ward
from kuyakusho.demo.population.towns import is_real_town
from kuyakusho.residents.records import RELATIONSHIPS, RESIDENCE_STATUSES, UNLIMITED_STATUSES

TODAY = date(2026, 4, 1)


def _ward(seed=7, residents=2000):
    return list(Ward(residents=residents, seed=seed, today=TODAY).households())


def _fingerprint(households):
    out = []
    for hh in households:
        out.append((astuple(hh.place), hh.established_on, hh.closed_on,
                    [astuple(p) for p in hh.members],
                    [(e.kind, e.moved_on, e.notified_on, e.notifier_name,
                      [(hh.members.index(x.person), sorted(x.overrides.items(), key=str)) for x in e.entries])
                     for e in hh.events]))
    return out


@pytest.fixture(scope="module")
def ward():
    return _ward()


@pytest.fixture(scope="module")
def people(ward):
    return [p for hh in ward for p in hh.members]


def test_same_seed_same_ward_other_seed_other_ward(ward):
    assert _fingerprint(_ward()) == _fingerprint(ward)
    assert _fingerprint(_ward(seed=8)) != _fingerprint(ward)


def test_exactly_the_asked_number_of_residents(people):
    on_register = [p for p in people if p.status == "active" or p.removed_on > TODAY]
    assert len(on_register) == 2000


def test_codes_are_valid_and_unique(people):
    codes = [p.resident_code for p in people]
    numbers = [p.my_number for p in people]
    cards = [p.residence_card_number for p in people if p.residence_card_number]
    assert all(validate_resident_code(c) == c for c in codes)
    assert all(validate_my_number(n) == n for n in numbers)
    assert len(set(codes)) == len(codes) and len(set(numbers)) == len(numbers)
    assert len(set(cards)) == len(cards) and all(len(c) == 12 for c in cards)


def test_one_head_per_open_household_and_relationships_on_the_list(ward):
    for hh in ward:
        active = [p for p in hh.members if p.status == "active"]
        if active:  # the register's rule: one head among the members not removed
            assert hh.closed_on is None
            assert sum(p.is_head for p in active) == 1
        else:  # closed (or closing on a planned move-out date): everybody removed, the last head kept
            assert hh.closed_on is not None and sum(p.is_head for p in hh.members) == 1
        for p in hh.members:
            assert p.relationship in RELATIONSHIPS
            assert (p.relationship == "世帯主") == p.is_head


def test_shares_of_foreign_residents_and_one_person_households(ward, people):
    active = [p for p in people if p.status == "active"]
    assert 0.015 <= sum(bool(p.nationality) for p in active) / len(active) <= 0.04
    open_households = [hh for hh in ward if hh.closed_on is None]
    singles = sum(hh.active_count() == 1 for hh in open_households)
    assert 0.35 <= singles / len(open_households) <= 0.65
    assert 1.7 <= len(active) / len(open_households) <= 2.1


def test_names_readings_towns_and_nationals_items(ward, people):
    assert all(is_katakana_reading(p.name_kana) for p in people)
    assert all(is_real_town(hh.place.town, hh.place.chome) for hh in ward)
    for p in people:
        if p.nationality:
            assert not p.honseki and not p.hittosha
            assert p.residence_status in RESIDENCE_STATUSES and p.residence_card_number
            assert (p.stay_expires_on is None) == (p.residence_status in UNLIMITED_STATUSES)
            assert p.stay_expires_on is None or p.stay_expires_on > TODAY
        else:
            assert p.honseki and p.hittosha
    assert any(p.name.isascii() for p in people if p.nationality)  # alphabet names
    assert any(not p.name.isascii() for p in people if p.nationality)  # kanji as registered
    assert sum(bool(p.katagaki) for p in (hh.place for hh in ward)) > len(ward) / 3  # flats


def test_history_and_removed_records(ward, people):
    kinds = Counter(e.kind for hh in ward for e in hh.events)
    for kind in ("initial", "move_in", "move_within", "birth", "move_out", "death"):
        assert kinds[kind] > 0, kind
    removed = [p for p in people if p.status == "removed"]
    assert removed and {p.removal_reason for p in removed} >= {"move_out", "death"}
    for hh in ward:
        assert hh.events and hh.events[0].moved_on == hh.established_on
        dates = [e.moved_on for e in hh.events]
        assert dates == sorted(dates)
        in_events = {id(x.person) for e in hh.events for x in e.entries}
        assert all(id(p) in in_events for p in hh.members)  # everybody has an event
        for e in hh.events:
            assert e.notified_on <= TODAY and e.moved_on <= max(TODAY, e.moved_on)
            assert e.late == (e.kind in ("move_in", "move_within", "head_change")
                              and (e.notified_on - e.moved_on).days > 14)
        for p in hh.members:
            assert p.birth_date <= p.became_resident_on <= p.address_since <= TODAY
            if p.status == "removed":
                assert p.removed_on and p.removal_reason
                assert p.destination or p.removal_reason == "death"
    moved = [hh for hh in ward if any(e.kind == "move_within" for e in hh.events)]
    first = moved[0].events[0].entries[0]
    assert first.overrides["address"] != moved[0].place.address()  # the earlier address is kept
