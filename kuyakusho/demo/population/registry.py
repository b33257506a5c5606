"""A household's history on the register: when it came, moves within the ward, births, people who
joined, died or moved away, and households that left.

Dates: people in their twenties have lived in the ward a few years, people over 65 for decades
(exponential, mean by the head's age).  Households that came before 2000 enter by 移行記載 (the
records carried over from the paper register); later ones by 転入 or, for foreign residents,
国外転入.  About 30 % of households that have been here long moved once within the ward (転居).
A notification is due within 14 days; about 4 % come later and are flagged 届出期間経過.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from . import foreign, places
from .ages import age_on
from .events import Entry, Event, Household, People
from .households import Member
from .people import Person, relative_name, surname

SYSTEM_START = date(2000, 1, 1)
MIGRATION_REASON = "住民記録システムへの移行による記載"
LATE_SHARE = 0.04
MOVED_WITHIN = 0.3
LATE_SPOUSE = 0.3
CHILD_MOVED_OUT = 0.12
ELDER_JOINED = 0.5
PLANNED_MOVE_OUT = 0.04


def _mean_years(age: int) -> float:
    return 3 if age < 30 else 8 if age < 45 else 16 if age < 65 else 28


class HistoryBuilder:
    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today

    def _days_between(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    def _notice(self, moved_on: date, *, limit: int = 14) -> tuple[date, bool]:
        rng = self.rng
        if rng.random() < LATE_SHARE:
            notified = moved_on + timedelta(days=rng.randint(limit + 1, 90))
        else:
            notified = moved_on + timedelta(days=rng.randint(0, limit))
        notified = min(notified, self.today)
        return notified, (notified - moved_on).days > limit

    def _notifier(self, present: list[Person]) -> dict:
        rng = self.rng
        r = rng.random()
        head = next((p for p in present if p.is_head), present[0])
        adults = [p for p in present if p is not head and age_on(p.birth_date, self.today) >= 18]
        if r < 0.15 and adults:
            return {"notifier_type": "member", "notifier_name": rng.choice(adults).name}
        if r < 0.25:
            return {"notifier_type": "proxy", "letter_of_authority": True,
                    "notifier_name": relative_name(rng, surname(rng), rng.choice("MF"), rng.randint(1950, 2000))}
        return {"notifier_type": "self", "notifier_name": head.name}

    def build(self, ward: People, hh: Household, *, closing: bool, is_foreign: bool) -> None:

        rng, today = self.rng, self.today
        people = hh.members
        head = people[0]
        end = today  # the last day the household is in the ward
        planned = False
        if closing:
            planned = rng.random() < PLANNED_MOVE_OUT
            end = today + timedelta(days=rng.randint(1, 14)) if planned else today - timedelta(days=rng.randint(1, 365))
        adults = [p for p in people if p.kin in ("head", "spouse", "partner", "lodger")]
        youngest_adult = min(age_on(p.birth_date, today) for p in adults)
        settled = not is_foreign or head.residence_status in ("永住者", "特別永住者")
        years = rng.expovariate(1 / (_mean_years(age_on(head.birth_date, today)) if settled else 3))
        years = min(years, max(0.2, youngest_adult - 18))
        arrival = min(end, today) - timedelta(days=30 + int(years * 365.25))
        from_abroad = is_foreign and not settled and rng.random() < 0.6
        origin = foreign.country_of(head.nationality) if from_abroad else places.outside_address(rng)
        # Children born after the family left were never here.
        hh.members = people = [p for p in people if p.birth_date < min(end, today)]
        hh.established_on = arrival

        elders = [p for p in people if p.kin in ("parent", "spouse_parent")]
        joined = {id(p): self._days_between(arrival + timedelta(days=1), min(end, today) - timedelta(days=2))
                  for p in elders if rng.random() < ELDER_JOINED}
        moved_on = None
        if years > 1.5 and not closing and rng.random() < MOVED_WITHIN:
            moved_on = self._days_between(arrival + timedelta(days=180), today - timedelta(days=7))
        earlier = ward.places.place() if moved_on else None

        events: list[Event] = []
        # the people who came with the household
        founders = [p for p in people if id(p) not in joined and p.birth_date <= arrival]
        if arrival < SYSTEM_START:
            first = Event("initial", arrival, arrival, "officio", [], reason=MIGRATION_REASON)
        else:
            notified, late = self._notice(arrival)
            first = Event("abroad_in" if from_abroad else "move_in", arrival, notified, entries=[], late=late,
                          details={"previous_address": origin}, **self._notifier(founders))
        events.append(first)
        for p in founders:
            p.became_resident_on = p.address_since = arrival
            p.became_resident_reason = "abroad_in" if from_abroad else "move_in"
            p.address_notified_on = first.notified_on
            p.previous_address = origin
            first.entries.append(Entry(p))
        for p in people:
            if id(p) in joined:
                day = joined[id(p)]
                notified, late = self._notice(day)
                p.became_resident_on = p.address_since = day
                p.address_notified_on, p.previous_address = notified, places.outside_address(rng)
                events.append(Event("move_in", day, notified, entries=[Entry(p)], late=late,
                                    details={"previous_address": p.previous_address}, **self._notifier([p])))
            elif p.birth_date > arrival:
                notified, _ = self._notice(p.birth_date)
                p.became_resident_on = p.address_since = p.birth_date
                p.became_resident_reason = "birth"
                p.address_notified_on = notified
                parent = head if head.kin == "head" else p
                events.append(Event("birth", p.birth_date, notified, "member", [Entry(p)], notifier_name=parent.name))
        if moved_on and earlier is not None:
            self._move_within(hh, events, moved_on, earlier)
        if closing:
            self._close(hh, events, end, planned, is_foreign)
        elif head.kin == "head" and len(people) == 1 and not is_foreign and age_on(head.birth_date, today) >= 70 \
                and rng.random() < LATE_SPOUSE:
            self._late_spouse(ward, hh, events, first, moved_on)
        elif len(people) == 2 and people[1].kin == "spouse" and not is_foreign \
                and 50 <= age_on(people[1].birth_date, today) <= 72 and rng.random() < CHILD_MOVED_OUT:
            self._child_moved_out(ward, hh, events, first, moved_on)
        events.sort(key=lambda e: e.moved_on)
        hh.events = events

    def _move_within(self, hh: Household, events: list, moved_on: date, earlier) -> None:
        """転居 from ``earlier`` to today's address: entries made before it keep the 住所 items of then."""

        notified, late = self._notice(moved_on)
        present = [p for p in hh.members if p.address_since <= moved_on]
        old = {"town": earlier.town, "chome": earlier.chome, "banchi": earlier.banchi, "go": earlier.go,
               "katagaki": earlier.katagaki, "address": earlier.address()}
        then = {id(p): {"address_since": p.address_since.isoformat(),
                        "address_notified_on": p.address_notified_on.isoformat(),
                        "previous_address": p.previous_address} for p in present}
        for event in events:
            if event.moved_on <= moved_on:
                for entry in event.entries:
                    entry.overrides.update(old)
                    entry.overrides.update(then[id(entry.person)])
        for p in present:
            p.address_since, p.address_notified_on, p.previous_address = moved_on, notified, earlier.address()
        events.append(Event("move_within", moved_on, notified, entries=[Entry(p) for p in present], late=late,
                            **self._notifier(present)))

    def _remove(self, p: Person, day: date, reason: str, destination: str, events: list) -> None:
        p.status, p.removed_on, p.removal_reason, p.destination = "removed", day, reason, destination
        active = {"status": "active", "removed_on": None, "removal_reason": "", "destination": ""}
        for event in events:
            for entry in event.entries:
                if entry.person is p:
                    entry.overrides.update(active)

    def _close(self, hh: Household, events: list, end: date, planned: bool, is_foreign: bool) -> None:

        rng, today = self.rng, self.today
        people = hh.members
        head = people[0]
        if len(people) == 1 and age_on(head.birth_date, today) >= 75 and not planned and rng.random() < 0.5:
            notified = min(today, end + timedelta(days=rng.randint(0, 7)))
            self._remove(head, end, "death", "", events)
            events.append(Event("death", end, notified, "officio", [self._entry(head)]))
        else:
            abroad = is_foreign and rng.random() < 0.6
            destination = foreign.country_of(head.nationality) if abroad else places.outside_address(rng)
            if planned:
                notified = today - timedelta(days=rng.randint(0, 5))
            elif rng.random() < 0.7:
                notified = end - timedelta(days=rng.randint(0, 14))
            else:
                notified = min(today, end + timedelta(days=rng.randint(0, 14)))
            for p in people:
                self._remove(p, end, "abroad_out" if abroad else "move_out", destination, events)
            events.append(Event("abroad_out" if abroad else "move_out", end, notified,
                                entries=[self._entry(p) for p in people], details={"destination": destination},
                                certificate=None if abroad else (notified, end, destination),
                                **self._notifier(people)))
        hh.closed_on = end

    @staticmethod
    def _entry(p: Person):

        return Entry(p)

    def _late_spouse(self, ward: People, hh: Household, events: list, first, moved_on: date | None) -> None:
        """A widow(er) living alone: the late spouse stays on the register as a 除票."""

        rng, today = self.rng, self.today
        survivor = hh.members[0]
        age = age_on(survivor.birth_date, today)
        sex = "M" if survivor.sex == "female" else "F"
        was_head = sex == "M" and rng.random() < 0.7
        late = ward.new_person(Member("世帯主" if was_head else ("夫" if sex == "M" else "妻"), sex,
                                      min(104, age + (2 if sex == "M" else -2)), "spouse"),
                               survivor.surname, {survivor.name.split("\u3000")[-1]})
        late.honseki = survivor.honseki
        husband = late if sex == "M" else survivor
        late.hittosha = survivor.hittosha = husband.name
        for attr in ("became_resident_on", "became_resident_reason", "address_since", "address_notified_on",
                     "previous_address"):
            setattr(late, attr, getattr(survivor, attr))
        hh.members.append(late)
        for event in events:  # the late spouse was there whenever the survivor was
            if any(e.person is survivor for e in event.entries) and event.kind != "birth":
                survivor_entry = next(e for e in event.entries if e.person is survivor)
                event.entries.append(Entry(late, dict(survivor_entry.overrides)))
        start = max(moved_on or first.moved_on, today - timedelta(days=730)) + timedelta(days=1)
        died = self._days_between(start, today - timedelta(days=1))
        self._remove(late, died, "death", "", events)
        events.append(Event("death", died, min(today, died + timedelta(days=rng.randint(0, 7))), "officio",
                            [Entry(late)]))
        if was_head:
            survivor.is_head = True
            before = {"is_head": False, "relationship": "妻" if survivor.sex == "female" else "夫",
                      "head_name": late.name}
            for event in events[:-1]:
                for entry in event.entries:
                    if entry.person is survivor:
                        entry.overrides.update(before)
            survivor.relationship = "世帯主"
            notified, late_flag = self._notice(died)
            events.append(Event("head_change", died, notified, "self", [Entry(survivor)],
                                notifier_name=survivor.name, late=late_flag))

    def _child_moved_out(self, ward: People, hh: Household, events: list, first, moved_on: date | None) -> None:
        """An older couple whose grown-up child moved out of the ward last year (a 除票 in the household)."""

        rng, today = self.rng, self.today
        head, spouse = hh.members
        mother = spouse if spouse.sex == "female" else head
        child_age = max(19, min(age_on(mother.birth_date, today) - rng.randint(24, 34), 32))
        child = ward.new_person(Member("子", rng.choice("MF"), child_age, "child"), head.surname,
                                {p.name.split("\u3000")[-1] for p in hh.members})
        if child.birth_date > first.moved_on:
            return  # born after the couple came: not kept (a birth would need its own history)
        child.honseki, child.hittosha = head.honseki, head.hittosha
        for attr in ("became_resident_on", "became_resident_reason", "address_since", "address_notified_on",
                     "previous_address"):
            setattr(child, attr, getattr(head, attr))
        hh.members.append(child)
        for event in events:  # the child came with the parents and moved with them
            ref = next((e for e in event.entries if e.person is head), None)
            if ref is not None and event.kind in ("initial", "move_in", "move_within"):
                event.entries.append(Entry(child, dict(ref.overrides)))
        start = max(moved_on or first.moved_on, today - timedelta(days=365)) + timedelta(days=1)
        left = self._days_between(start, today - timedelta(days=1))
        destination = places.outside_address(rng)
        notified = max(start, left - timedelta(days=rng.randint(0, 14)))
        self._remove(child, left, "move_out", destination, events)
        events.append(Event("move_out", left, notified, entries=[Entry(child)], details={"destination": destination},
                            certificate=(notified, left, destination), **self._notifier([child])))
