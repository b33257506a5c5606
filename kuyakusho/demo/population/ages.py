"""The age pyramid of a Tokyo ward, in 5-year bands, and dates of birth.

``PYRAMID`` is the share of Nerima's residents in each band (per mille, both sexes) and the share
of women in it, shaped on the ward's 住民基本台帳 age tables of the 2020s: a narrow base (0–14
about 11.5 %), a bulge of people in their late forties and early fifties (the second baby boom,
born 1971–1974), a dip in the early sixties, the first baby boom around 75, and about 21.5 % aged
65 or over, women outnumbering men from the seventies on.

The household generator draws ages per role (a single person, a couple, their children…);
``role_ages`` restricts the pyramid to a role's ages so that the whole population follows it.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from itertools import accumulate

from kuyakusho.core.dates import age_on, years_before  # noqa: F401  (age_on: the generator asks here)

# (first age of the band, per mille of all residents, share of women)
PYRAMID: tuple[tuple[int, float, float], ...] = (
    (0, 40, 0.49), (5, 41, 0.49), (10, 41, 0.49), (15, 42, 0.49), (20, 56, 0.50),
    (25, 64, 0.50), (30, 63, 0.49), (35, 64, 0.49), (40, 69, 0.49), (45, 82, 0.49),
    (50, 85, 0.49), (55, 70, 0.49), (60, 56, 0.50), (65, 49, 0.51), (70, 57, 0.53),
    (75, 50, 0.56), (80, 39, 0.60), (85, 24, 0.66), (90, 11, 0.74), (95, 3.5, 0.82), (100, 0.5, 0.88),
)
BAND_WIDTH = 5
MAX_AGE = 104


def band_of(age: int) -> int:
    """Index of the band holding ``age``."""
    return min(age // BAND_WIDTH, len(PYRAMID) - 1)


def band_label(index: int) -> str:
    start = PYRAMID[index][0]
    return f"{start}+" if index == len(PYRAMID) - 1 else f"{start}-{start + BAND_WIDTH - 1}"


class AgeSampler:
    """Ages between ``low`` and ``high`` (inclusive) in the proportions of the pyramid, times ``tilt``.

    ``tilt`` maps a band's first age to a factor: e.g. the share of single people among the
    residents of that age, so single-person households get their own age profile.
    """

    def __init__(self, low: int, high: int, tilt=None):
        ages, weights = [], []
        for age in range(low, high + 1):
            start, per_mille, _ = PYRAMID[band_of(age)]
            width = BAND_WIDTH if start < PYRAMID[-1][0] else MAX_AGE - start + 1
            factor = tilt(start) if tilt else 1.0
            ages.append(age)
            weights.append(per_mille / width * factor)
        self.ages = ages
        self.cum = list(accumulate(weights))

    def __call__(self, rng: random.Random) -> int:
        return rng.choices(self.ages, cum_weights=self.cum)[0]


def female_share(age: int) -> float:
    return PYRAMID[band_of(age)][2]


def birth_date(rng: random.Random, age: int, today: date) -> date:
    """A date of birth of someone who is ``age`` years old on ``today``."""
    latest = years_before(today, age)  # birthday today at the latest
    earliest = years_before(today, age + 1) + timedelta(days=1)
    return earliest + timedelta(days=rng.randrange((latest - earliest).days + 1))


def pyramid_shares() -> list[float]:
    """The target share (0–1) of each band."""
    total = sum(p for _, p, _ in PYRAMID)
    return [p / total for _, p, _ in PYRAMID]
