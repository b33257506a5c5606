"""Addresses inside the ward: which 町丁目, which 番・号, and for flats which building and room (方書).

Buildings are made as households need them and filled room by room, so a block of flats has
several households (search by building finds its neighbours).  光が丘 is the 団地 of 光が丘
パークタウン; 西大泉町 (an enclave without 住居表示) keeps 地番-style 番地 such as ``1120-3``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from kuyakusho.residents.addresses import format_address

from . import places, towns


@dataclass(slots=True)
class Place:
    town: str
    chome: int | None
    banchi: str
    go: str
    katagaki: str

    def address(self) -> str:
        return format_address(self.town, self.chome, self.banchi, self.go, self.katagaki)


@dataclass(slots=True)
class Building:
    banchi: str
    go: str
    name: str
    rooms_per_floor: int
    floors: int
    style: int
    taken: int = 0

    @property
    def full(self) -> bool:
        return self.taken >= self.rooms_per_floor * self.floors

    def next_room(self) -> str:
        floor, index = divmod(self.taken, self.rooms_per_floor)
        self.taken += 1
        room = (floor + 1) * 100 + index + 1
        if self.style == 0:
            return f"{self.name}{room}号室"
        if self.style == 1:
            return f"{self.name} {room}"
        return f"{self.name}{room}号"


NO_JUKYO_HYOJI = frozenset({"西大泉町"})


class WardPlaces:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.chomes = towns.chomes()
        self.cum = towns.cumulative_weights()
        self.indexes = range(len(self.chomes))
        self.buildings: dict[int, list[Building]] = {}

    def place(self) -> Place:
        rng = self.rng
        i = rng.choices(self.indexes, cum_weights=self.cum)[0]
        chome = self.chomes[i]
        if rng.random() < chome.flat_share:
            building = self._building(i)
            return Place(chome.town, chome.chome, building.banchi, building.go, building.next_room())
        if chome.town in NO_JUKYO_HYOJI:
            return Place(chome.town, chome.chome, f"{rng.randint(1000, 1199)}-{rng.randint(1, 30)}", "", "")
        return Place(chome.town, chome.chome, str(rng.randint(1, 40)), str(rng.randint(1, 30)), "")

    def _building(self, i: int) -> Building:
        rng = self.rng
        existing = self.buildings.setdefault(i, [])
        open_ones = [b for b in existing[-8:] if not b.full]
        if open_ones and rng.random() < 0.85:
            return rng.choice(open_ones)
        chome = self.chomes[i]
        if chome.town == "光が丘":
            name = f"{rng.choice(places.DANCHI)}{rng.randint(1, 40)}号棟"
            building = Building(str(rng.randint(1, 12)), str(rng.randint(1, 12)), name, rng.randint(4, 10),
                                rng.randint(5, 14), 0)
        else:
            name = places.building_name(rng, chome.town, len(existing) + 1)
            low = name.endswith("荘")
            building = Building(str(rng.randint(1, 40)), str(rng.randint(1, 30)), name,
                                rng.randint(2, 4) if low else rng.randint(3, 8),
                                2 if low else rng.randint(2, 12), rng.randrange(3))
        existing.append(building)
        return building
