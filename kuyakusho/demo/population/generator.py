"""The synthetic ward: households with their people and their history, one at a time.

``Ward(residents=N, seed=S, today=D).households()`` yields households until exactly N people live
in the ward on D; between them come closed households (everyone moved out or died) and, inside
open households, removed people (a late spouse, a child who moved away): the 除票.  Everything is
drawn from one ``random.Random(S)`` in a fixed order, so the same seed and date give the same ward.

Nothing here touches the database (``writer.py`` does); a household carries its events (異動) in
date order, each with the people it affected and, for each, how their 住民票 then differed from
today's (``Entry.overrides``; empty when it is today's).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date

from . import foreign, places
from .ages import AgeSampler, birth_date
from .events import Household
from .households import Member, compose, household_size
from .people import SEX, Codes, Person, family_status, japanese, relative_name, residence, surname
from .places_in_ward import WardPlaces
from .registry import HistoryBuilder

FOREIGN_HOUSEHOLDS = 0.034  # ≈ 2.8 % of residents: foreign households are smaller
MIXED_COUPLES = 0.006  # couples where the spouse is a foreign national
CLOSED_PER_HOUSEHOLD = 0.055  # households that moved out or died out during the last year
FOREIGN_SIZES = ((1, 0.6), (2, 0.2), (3, 0.12), (4, 0.08))
FOREIGN_SINGLE_AGE = AgeSampler(18, 80, lambda s: {20: 3, 25: 2.6, 30: 1.6, 35: 1.0, 40: 0.8}.get(s, 0.4))


class Ward:
    def __init__(self, *, residents: int, seed: int, today: date):
        self.target = residents
        self.seed = seed
        self.today = today
        self.rng = random.Random(seed)
        self.codes = Codes(random.Random(f"codes-{seed}"))
        self.places = WardPlaces(self.rng)
        self.history = HistoryBuilder(self.rng, today)

    def households(self) -> Iterator[Household]:
        active = 0  # people on the register today (a move-out recorded for a later date still counts)
        while active < self.target:
            if self.rng.random() < CLOSED_PER_HOUSEHOLD:
                closed = self._household(closing=True)
                leaving = len(closed.members) if closed.closed_on > self.today else 0
                if active + leaving < self.target:
                    active += leaving
                    yield closed
            household = self._household(closing=False)
            excess = active + household.active_count() - self.target
            if excess > 0:
                self._trim(household, excess)
            active += household.active_count()
            yield household

    # --- one household ----------------------------------------------------------------------

    def _household(self, *, closing: bool) -> Household:
        rng = self.rng
        is_foreign = rng.random() < FOREIGN_HOUSEHOLDS
        if is_foreign:
            size = rng.choices([n for n, _ in FOREIGN_SIZES], weights=[w for _, w in FOREIGN_SIZES])[0]
        else:
            size = household_size(rng) if not closing or rng.random() < 0.5 else 1
        members = compose(rng, size)
        if is_foreign and size == 1:
            members = [members[0]._replace(age=FOREIGN_SINGLE_AGE(rng))]
        people = self._foreign(members) if is_foreign else self._japanese(members)
        for person in people:
            person.resident_code, person.my_number = self.codes.person()
        household = Household(self.places.place(), self.today, people)
        self.history.build(self, household, closing=closing, is_foreign=is_foreign)
        return household

    def new_person(self, member: Member, family: tuple[str, str], avoid: set[str]) -> Person:
        """A Japanese person for ``member`` (used for removed relatives too)."""
        name, kana, born = japanese(self.rng, family, member.sex, member.age, self.today, avoid)
        person = Person(name, kana, born, SEX[member.sex], member.relationship == "世帯主", member.relationship,
                        kin=member.kin, surname=family)
        person.resident_code, person.my_number = self.codes.person()
        return person

    def _japanese(self, members: list[Member]) -> list[Person]:
        rng, today = self.rng, self.today
        family = surname(rng)
        avoid: set[str] = set()
        people = []
        for m in members:
            own = family if m.kin in ("head", "spouse", "child", "parent") else surname(rng)
            name, kana, born = japanese(rng, own, m.sex, m.age, today, avoid)
            people.append(Person(name, kana, born, SEX[m.sex], m.kin == "head", m.relationship, kin=m.kin,
                                 surname=own))
        self._honseki(people)
        spouse = next((p for p in people if p.kin == "spouse"), None)
        if spouse is not None and rng.random() < MIXED_COUPLES:
            japanese_name = spouse.name
            self._make_foreign_spouse(spouse)
            for p in people:  # a foreign national has no 戸籍: the Japanese partner heads it
                if p.hittosha == japanese_name:
                    p.hittosha = people[0].name
        return people

    def _honseki(self, people: list[Person]) -> None:
        rng = self.rng
        ward = self.places.chomes
        head = people[0]
        spouse = next((p for p in people if p.kin == "spouse"), None)
        home = places.honseki(rng, ward)
        if spouse is not None:
            husband = head if head.sex == "male" else spouse
            keeper = husband.name if rng.random() < 0.95 else (spouse if husband is head else head).name
        elif head.birth_date.year > self.today.year - 35 and rng.random() < 0.6:
            keeper = relative_name(rng, head.surname, "M", head.birth_date.year - 30)  # still in the parents' 戸籍
        elif head.sex == "female" and head.birth_date.year < self.today.year - 60 and rng.random() < 0.7:
            keeper = relative_name(rng, head.surname, "M", head.birth_date.year - 2)  # a late husband's 戸籍
        else:
            keeper = head.name
        for p in people:
            if p.kin in ("head", "spouse", "child"):
                p.honseki, p.hittosha = home, keeper
            elif p.kin == "parent":
                p.honseki = home if rng.random() < 0.5 else places.honseki(rng, ward)
                p.hittosha = p.name if p.sex == "male" else relative_name(rng, p.surname, "M", p.birth_date.year - 3)
            else:
                p.honseki = places.honseki(rng, ward)
                p.hittosha = p.name if rng.random() < 0.5 else relative_name(rng, p.surname, "M",
                                                                              p.birth_date.year - 30)

    def _make_foreign_spouse(self, spouse: Person) -> None:
        rng = self.rng
        nat = rng.choice([n for n in foreign.NATIONALITIES if n.code in ("CN", "PH", "KR", "US", "TW", "VN")])
        sex = "M" if spouse.sex == "male" else "F"
        spouse.name, spouse.name_kana, _, _ = foreign.name(rng, nat, sex)
        spouse.honseki = spouse.hittosha = ""
        spouse.surname = ("", "")
        residence(rng, self.codes, spouse, nat, "日本人の配偶者等" if rng.random() < 0.6 else "永住者", self.today)

    def _foreign(self, members: list[Member]) -> list[Person]:
        rng, today = self.rng, self.today
        nat = foreign.nationality(rng)
        head_status = foreign.status(rng, nat, members[0].age)
        family = None
        kanji = None
        people = []
        for m in members:
            keep = m.kin in ("head", "child") or (m.kin == "spouse" and nat.code in ("US", "GB", "FR"))
            name, kana, fam, kanji = foreign.name(rng, nat, m.sex, family if keep else None, kanji)
            if m.kin == "head":
                family = fam
            person = Person(name, kana, birth_date(rng, m.age, today), SEX[m.sex], m.kin == "head",
                            m.relationship, kin=m.kin)
            status = head_status if m.kin == "head" else family_status(head_status, rng)
            residence(rng, self.codes, person, nat, status, today)
            people.append(person)
        return people

    def _trim(self, household: Household, excess: int) -> None:
        """Drop the last active non-head members so that the ward has exactly the asked number."""
        for person in reversed(list(household.members)):
            if excess <= 0:
                break
            if person.status == "active" and not person.is_head:
                household.members.remove(person)
                excess -= 1
        kept = {id(p) for p in household.members}
        for event in household.events:
            event.entries = [e for e in event.entries if id(e.person) in kept]
        household.events = [e for e in household.events if e.entries]
