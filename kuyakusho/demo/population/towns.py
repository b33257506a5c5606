"""Nerima's 202 町丁目 and how many residents of the synthetic ward live in each.

The names, readings and representative points are the register's own table
(``kuyakusho.residents.addresses``, from 「Geolonia 住所データ」（株式会社Geolonia）CC BY 4.0 を加工して作成
（元データ: 国土交通省 位置参照情報）).

The CSV has no population.  ``TOWN_POPULATION`` gives each town's residents as the ward's
町丁別世帯と人口 reported them (rounded to the hundred).  Where we could check a figure it is the
one quoted from that table (2017-12-01) — 石神井台 30,756, 大泉町 22,321, 西大泉 21,971, 光が丘
27,896 — or a later one (東大泉 35,422, 2023-08-01); the other towns are estimates of the same
order (densely built 大泉学園町, 南大泉, 関町北 and 北町 large; 西大泉町, an enclave in 新座市,
and 上石神井南町 small).  Within a town the 丁目 share its population by ``CHOME_WEIGHTS`` where
the table was checked, otherwise equally.  The figures only set relative weights: the generator
scales them to the number of residents asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import accumulate

from kuyakusho.residents.addresses import chome_table

TOWN_POPULATION: dict[str, int] = {
    "旭丘": 4_900, "旭町": 12_800, "大泉学園町": 38_000, "大泉町": 22_300, "小竹町": 6_600,
    "上石神井": 24_000, "上石神井南町": 2_400, "北町": 24_500, "春日町": 24_000, "光が丘": 27_900,
    "向山": 7_000, "栄町": 4_100, "桜台": 21_000, "下石神井": 21_500, "石神井台": 30_800,
    "石神井町": 26_500, "関町北": 25_000, "関町東": 8_000, "関町南": 17_500, "高野台": 15_000,
    "高松": 18_500, "田柄": 24_000, "立野町": 6_000, "土支田": 14_500, "豊玉上": 6_200,
    "豊玉北": 18_500, "豊玉中": 13_500, "豊玉南": 9_000, "中村": 9_200, "中村北": 12_500,
    "中村南": 8_300, "錦": 7_300, "西大泉": 22_000, "西大泉町": 1_500, "貫井": 17_500,
    "練馬": 22_500, "羽沢": 6_000, "早宮": 14_000, "東大泉": 35_400, "氷川台": 13_500,
    "平和台": 14_500, "富士見台": 18_000, "三原台": 9_000, "南大泉": 27_000, "南田中": 16_000,
    "谷原": 17_000,
}

# Checked per-丁目 figures (2017-12-01): relative weights of 丁目 1, 2, ...
CHOME_WEIGHTS: dict[str, tuple[int, ...]] = {
    "石神井台": (1_628, 4_693, 5_549, 4_561, 3_924, 2_981, 3_580, 3_840),
    "大泉町": (5_249, 4_713, 3_930, 3_790, 2_210, 2_429),
    "西大泉": (4_031, 3_013, 3_623, 3_637, 4_867, 2_800),
}

# Share of households living in a flat (with a 方書) by town: 光が丘 is almost all 団地 and
# flats; the far west (大泉, 西大泉, 土支田) has more detached houses.
FLAT_SHARE_DEFAULT = 0.55
FLAT_SHARE: dict[str, float] = {
    "光が丘": 0.97, "練馬": 0.75, "豊玉北": 0.7, "桜台": 0.7, "栄町": 0.7, "小竹町": 0.65, "豊玉上": 0.65,
    "西大泉": 0.35, "西大泉町": 0.25, "土支田": 0.4, "大泉町": 0.4, "大泉学園町": 0.45, "三原台": 0.4,
}


@dataclass(frozen=True, slots=True)
class Chome:
    town: str
    chome: int | None
    town_kana: str
    lat: float
    lon: float
    weight: float

    @property
    def label(self) -> str:
        return f"{self.town}{self.chome}丁目" if self.chome else self.town

    @property
    def flat_share(self) -> float:
        return FLAT_SHARE.get(self.town, FLAT_SHARE_DEFAULT)


@cache
def chomes() -> tuple[Chome, ...]:
    """All 202 町丁目 in the CSV's order, each with its share of the ward's residents (summing to 1)."""
    rows = list(chome_table().values())
    per_town: dict[str, list] = {}
    for row in rows:
        per_town.setdefault(row.town, []).append(row)
    missing = set(per_town) ^ set(TOWN_POPULATION)
    if missing:
        raise ValueError(f"town weights and CSV disagree: {sorted(missing)}")
    total = sum(TOWN_POPULATION.values())
    out = []
    for row in rows:
        town, chome = row.town, row.chome
        split = CHOME_WEIGHTS.get(town)
        if split is not None and chome is not None:
            share = split[chome - 1] / sum(split)
        else:
            share = 1 / len(per_town[town])
        out.append(Chome(town, chome, row.town_kana, row.lat, row.lon, TOWN_POPULATION[town] * share / total))
    return tuple(out)


@cache
def cumulative_weights() -> tuple[float, ...]:
    return tuple(accumulate(c.weight for c in chomes()))


def is_real_town(town: str, chome: int | None) -> bool:
    return (town, chome) in chome_table()
