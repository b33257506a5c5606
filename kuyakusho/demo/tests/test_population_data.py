"""The reference data of the synthetic ward: names and readings, towns, ages, household sizes."""

from __future__ import annotations

import random
import unicodedata

from kuyakusho.core.text import fold_name_for_search, is_katakana_reading
from kuyakusho.demo.population import ages, foreign, given_names, households, surnames, towns
from kuyakusho.residents.addresses import chome_table


def test_surnames_are_many_distinct_and_read_in_katakana():
    kanji = [k for k, _ in surnames.SURNAMES]
    assert len(kanji) >= 200
    assert len(set(kanji)) == len(kanji)
    assert all(is_katakana_reading(r) and unicodedata.normalize("NFKC", r) == r for _, r in surnames.SURNAMES)


def test_variant_surnames_fold_to_their_common_form_and_keep_its_reading():
    readings = dict(surnames.SURNAMES)
    for common, variants in surnames.VARIANTS.items():
        assert common in readings
        for variant, share in variants:
            assert variant != common and 0 < share < 0.5
            assert fold_name_for_search(variant) == fold_name_for_search(common)
    entries, _ = surnames.weighted()
    written = {k for k, _ in entries}
    assert {"髙橋", "山﨑", "𠮷田", "渡邊", "齋藤"} <= written
    assert any("\U000e0100" <= ch <= "\U000e01ef" for k in written for ch in k)  # a variation sequence


def test_given_names_per_sex_and_cohort():
    for sex in "MF":
        names = given_names.distinct(sex)
        assert len(names) >= 200
        assert all(is_katakana_reading(r) for _, r in names)
        # one reading per written name within a sex
        written = {}
        for k, r in names:
            assert written.setdefault(k, r) == r, k
    old, _ = given_names.pool("F", 1940)
    young, _ = given_names.pool("F", 2018)
    assert ("和子", "カズコ") in old and ("和子", "カズコ") not in young
    assert ("陽葵", "ヒマリ") in young


def test_foreign_names_readings_and_statuses():
    from kuyakusho.residents.records import RESIDENCE_STATUSES

    rng = random.Random(3)
    for nat in foreign.NATIONALITIES:
        assert all(s in RESIDENCE_STATUSES for s, _ in nat.statuses)
        for sex in "MF":
            name, kana, _, in_kanji = foreign.name(rng, nat, sex)
            assert is_katakana_reading(kana)
            assert in_kanji or name.isascii()
    assert foreign.period_label(15) == "1年3月" and foreign.period_label(6) == "6月"


def test_towns_are_the_real_202_chome_with_weights_summing_to_one():
    chomes = towns.chomes()
    assert len(chomes) == 202 == len(chome_table())
    assert abs(sum(c.weight for c in chomes) - 1) < 1e-9
    by_town = {}
    for c in chomes:
        by_town[c.town] = by_town.get(c.town, 0) + c.weight
    assert by_town["大泉学園町"] > 0.04 > by_town["西大泉町"]
    assert towns.is_real_town("豊玉北", 6) and not towns.is_real_town("豊玉北", 9)


def test_pyramid_and_household_sizes_look_like_a_tokyo_ward():
    shares = ages.pyramid_shares()
    assert abs(sum(shares) - 1) < 1e-9
    old = sum(s for (start, _, _), s in zip(ages.PYRAMID, shares, strict=True) if start >= 65)
    assert 0.19 < old < 0.24
    mean = sum(n * s for n, s in households.SIZES) / sum(s for _, s in households.SIZES)
    assert 1.85 < mean < 2.0


def test_birth_dates_give_the_asked_age():
    from datetime import date

    rng = random.Random(1)
    today = date(2024, 2, 29)
    for age in (0, 1, 17, 40, 103):
        for _ in range(50):
            assert ages.age_on(ages.birth_date(rng, age, today), today) == age
