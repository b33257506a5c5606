"""Who lives together: household sizes and the people in a household.

Sizes follow a Tokyo ward's census profile: about half the households are one person (young
adults and old people living alone), a quarter two (couples, a parent with a child), and the rest
families; the average is about 1.9 people.  ``compose`` returns the members of one household as
``Member(relationship, sex, age, kin)``; ``kin`` says how they relate to the head's family, for
surnames and 本籍 (``head``, ``spouse``, ``child``, ``parent``, ``spouse_parent``, ``child_spouse``,
``grandchild``, ``partner``, ``lodger``).  Ages of heads come from the pyramid tilted by how often
people of that age live in such a household, so that the population follows ``ages.PYRAMID``.
"""

from __future__ import annotations

import random
from itertools import accumulate
from typing import NamedTuple

from .ages import AgeSampler, female_share

# Household size → share of households (Tokyo ward, 2020s census profile). Mean ≈ 1.93.
SIZES = ((1, 0.495), (2, 0.245), (3, 0.135), (4, 0.095), (5, 0.024), (6, 0.006))
_SIZE_CUM = tuple(accumulate(s for _, s in SIZES))


class Member(NamedTuple):
    relationship: str
    sex: str  # "M" or "F"
    age: int
    kin: str


def household_size(rng: random.Random) -> int:
    return rng.choices([n for n, _ in SIZES], cum_weights=_SIZE_CUM)[0]


def _single_tilt(start: int) -> float:
    # Living alone: common from 20 to 35 (students, first jobs) and after 75; rarer in between.
    return {15: 0.15, 20: 1.15, 25: 1.0, 30: 0.7, 35: 0.6, 40: 0.5, 45: 0.47, 50: 0.45, 55: 0.5, 60: 0.75,
            65: 0.8, 70: 0.75, 75: 0.9, 80: 1.0, 85: 1.1, 90: 1.3, 95: 1.5, 100: 2.0}.get(start, 0.0)


def _couple_tilt(start: int) -> float:
    # Couples without children at home: young couples and empty nesters.
    return {20: 0.25, 25: 0.5, 30: 0.45, 35: 0.35, 40: 0.25, 45: 0.25, 50: 0.4, 55: 0.75, 60: 1.5, 65: 1.7,
            70: 1.4, 75: 1.15, 80: 0.8, 85: 0.45, 90: 0.2}.get(start, 0.0)


SINGLE_AGE = AgeSampler(18, 104, _single_tilt)
COUPLE_AGE = AgeSampler(22, 95, _couple_tilt)
# The mother's age in a family with children at home: few mothers under 30 in Tokyo.
PARENT_AGE = AgeSampler(26, 58, lambda start: {25: 0.35, 30: 0.75, 35: 1.1, 40: 1.2, 45: 1.2, 50: 1.0}.get(start, 0.8))
OLD_AGE = AgeSampler(70, 100)


def _other(sex: str) -> str:
    return "F" if sex == "M" else "M"


def _children(rng: random.Random, mother_age: int, count: int, adult: bool = False) -> list[Member]:
    """``count`` children of a mother aged ``mother_age``: her first at 24–36, then one every 1–5 years.

    Births that would lie in the future move back together (the youngest is then a baby).
    """
    at = [rng.randint(24, 36) if not adult else rng.randint(24, 32)]
    for _ in range(count - 1):
        at.append(at[-1] + rng.randint(1, 5))
    excess = max(0, at[-1] - mother_age)
    ages = [max(0, mother_age - (a - excess)) for a in at]
    if adult:
        ages = [max(18, a) for a in ages]
    return [Member("子", rng.choice("MF"), a, "child") for a in ages]


def _couple(rng: random.Random, woman_age: int) -> list[Member]:
    """A married couple, the husband usually the head, about two years older."""
    man_age = max(18, woman_age + round(rng.gauss(2, 3)))
    if rng.random() < 0.93:
        return [Member("世帯主", "M", man_age, "head"), Member("妻", "F", woman_age, "spouse")]
    return [Member("世帯主", "F", woman_age, "head"), Member("夫", "M", man_age, "spouse")]


def compose(rng: random.Random, size: int) -> list[Member]:
    """The members of a household of ``size`` people (the head first)."""
    if size == 1:
        age = SINGLE_AGE(rng)
        return [Member("世帯主", "F" if rng.random() < _alone_female(age) else "M", age, "head")]
    if size == 2:
        r = rng.random()
        if r < 0.62:  # a couple
            return _couple(rng, COUPLE_AGE(rng))
        if r < 0.80:  # a single parent (mostly a mother) and a child
            mother = PARENT_AGE(rng)
            sex = "F" if rng.random() < 0.85 else "M"
            return [Member("世帯主", sex, mother, "head"), *_children(rng, mother, 1)]
        if r < 0.95:  # an old parent and an adult child who stayed
            parent = OLD_AGE(rng)
            return [Member("世帯主", "F" if rng.random() < female_share(parent) else "M", parent, "head"),
                    *_children(rng, parent, 1, adult=True)]
        # two unrelated people sharing (同居人) or an unmarried couple
        age = SINGLE_AGE(rng)
        sex = rng.choice("MF")
        if rng.random() < 0.5:
            mate = Member("同居人", rng.choice("MF"), max(18, age + rng.randint(-5, 5)), "lodger")
            return [Member("世帯主", sex, age, "head"), mate]
        return [Member("世帯主", "M", age, "head"),
                Member("妻（未届）", "F", max(18, age + rng.randint(-6, 3)), "partner")]
    mother = PARENT_AGE(rng)
    r = rng.random()
    if size == 3 and r < 0.12:  # a single parent with two children
        return [Member("世帯主", "F", mother, "head"), *_children(rng, mother, 2)]
    if size == 3 and r < 0.22:  # an old couple with an adult child
        old = AgeSampler(62, 90)(rng)
        return [*_couple(rng, old), *_children(rng, old, 1, adult=True)]
    if size >= 4 and r < 0.18:  # three generations: a couple, children and a parent of the head
        couple = _couple(rng, mother)
        head = couple[0]
        elder_age = min(104, head.age + rng.randint(25, 34))
        elder_sex = "F" if rng.random() < 0.75 else "M"
        parent_word = "母" if elder_sex == "F" else "父"
        if rng.random() < 0.7:  # the head's own parent
            elder = Member(parent_word, elder_sex, elder_age, "parent")
        else:  # the spouse's parent (妻の母, 夫の父 …)
            elder = Member(("妻の" if head.sex == "M" else "夫の") + parent_word, elder_sex, elder_age, "spouse_parent")
        return [*couple, elder, *_children(rng, mother, size - 3)][:size]
    return [*_couple(rng, mother), *_children(rng, mother, size - 2)]


def _alone_female(age: int) -> float:
    # Young people living alone are a little more often men; old people mostly women.
    if age < 30:
        return 0.46
    if age < 65:
        return 0.42
    return min(0.8, female_share(age) + 0.12)
