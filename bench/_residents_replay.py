"""A year of notifications replayed through the register's services, one transaction each."""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

from bench.common import Timer
from bench.residents import YEAR, bench_clerk, sample_rng


class Picker:
    """Random open households (and their active members) not used yet in this replay."""

    def __init__(self, rng: random.Random):
        from kuyakusho.residents.models import Household

        self.rng = rng
        self.top = Household.objects.order_by("-id").values_list("id", flat=True).first()
        self.used: set[int] = set()

    def household(self, accept=lambda members: True, tries: int = 200):
        from kuyakusho.residents.models import Household, Resident

        for _ in range(tries):
            hid = self.rng.randint(1, self.top)
            if hid in self.used:
                continue
            household = Household.objects.filter(id=hid, closed_on__isnull=True).first()
            if household is None:
                continue
            members = list(Resident.objects.filter(household_id=hid, status="active").order_by("-is_head", "id"))
            if members and members[0].is_head and accept(members):
                self.used.add(hid)
                return household, members
        return None, []


def _new_person(p, **over):
    from kuyakusho.residents.services import NewPerson

    fields = {f: getattr(p, f) for f in ("name", "name_kana", "birth_date", "sex", "relationship", "my_number",
                                         "honseki", "hittosha", "nationality", "residence_status",
                                         "period_of_stay", "stay_expires_on", "residence_card_number")}
    return NewPerson(**{**fields, **over})


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class Replay:
    def __init__(self, args):
        from kuyakusho.demo.population import places
        from kuyakusho.demo.population.generator import Ward
        from kuyakusho.demo.population.people import Codes
        from kuyakusho.demo.population.places_in_ward import WardPlaces
        from kuyakusho.residents.models import Resident

        self.today = date.today()
        self.rng = sample_rng(args, "replay")
        salt = Resident.objects.count()  # a new run on a reused database draws new numbers
        self.codes = Codes(random.Random(f"replay-{args.seed}-{salt}"))
        self.incoming = Ward(residents=10**9, seed=args.seed * 7919 + salt, today=self.today).households()
        self.places = WardPlaces(self.rng)
        self.outside = places.outside_address
        self.picker = Picker(self.rng)
        self.clerk = bench_clerk()

    def _notifier(self, name: str):
        from kuyakusho.residents.services import Notifier

        return Notifier("self", name)

    def move_in(self):
        from kuyakusho.residents.services import Address, TransferCertificate, file_move_in

        hh = next(h for h in self.incoming if h.closed_on is None)
        people = [p for p in hh.members if p.status == "active"]
        day = self.today - timedelta(days=self.rng.randint(0, 10))
        previous = self.outside(self.rng)
        municipality = previous.split("区")[0] + "区" if "区" in previous else previous.split("市")[0] + "市"
        for p in people:
            p.resident_code, p.my_number = self.codes.person()
            if p.residence_card_number:
                p.residence_card_number = self.codes.card(self.rng)
        place = hh.place
        return lambda: file_move_in(
            actor=self.clerk, people=[_new_person(p) for p in people], moved_on=day,
            notifier=self._notifier(people[0].name),
            certificate=TransferCertificate(municipality, previous, day - timedelta(days=5), day - timedelta(days=1)),
            address=Address(place.town, place.chome, place.banchi, place.go, place.katagaki))

    def move_out(self):
        from kuyakusho.residents.services import Mover, file_move_out

        household, members = self.picker.household()
        movers = [Mover(m.pk, m.version) for m in members]
        return lambda: file_move_out(actor=self.clerk, household_id=household.pk, movers=movers,
                                     planned_move_on=self.today + timedelta(days=self.rng.randint(0, 14)),
                                     destination=self.outside(self.rng), notifier=self._notifier(members[0].name))

    def move_within(self):
        from kuyakusho.residents.services import Address, Mover, file_move_within

        household, members = self.picker.household()
        place = self.places.place()
        movers = [Mover(m.pk, m.version) for m in members]
        return lambda: file_move_within(
            actor=self.clerk, household_id=household.pk, movers=movers,
            moved_on=self.today - timedelta(days=self.rng.randint(0, 10)), notifier=self._notifier(members[0].name),
            address=Address(place.town, place.chome, place.banchi, place.go, place.katagaki))

    def birth(self):
        from kuyakusho.demo.population.people import given_name
        from kuyakusho.residents.services import NewPerson, Notifier, file_birth

        def has_mother(members):
            return not members[0].nationality and any(
                m.sex == "female" and 20 <= _age(m.birth_date, self.today) <= 45 for m in members)

        household, members = self.picker.household(has_mother)
        head = members[0]
        born = self.today - timedelta(days=self.rng.randint(0, 13))
        sex = self.rng.choice("MF")
        given, kana = given_name(self.rng, sex, born, {m.name for m in members})
        surname, surname_kana = head.name.split("\u3000")[0], head.name_kana.split(" ")[0]
        _, my_number = self.codes.person()
        child = NewPerson(name=f"{surname}\u3000{given}", name_kana=f"{surname_kana} {kana}", birth_date=born,
                          sex="male" if sex == "M" else "female", relationship="子", my_number=my_number,
                          honseki=head.honseki, hittosha=head.hittosha)
        return lambda: file_birth(actor=self.clerk, household_id=household.pk, child=child,
                                  notifier=Notifier("member", head.name))

    def death(self):
        from kuyakusho.residents.services import Notifier, file_death

        _, members = self.picker.household(lambda ms: any(_age(m.birth_date, self.today) >= 70 for m in ms))
        person = next(m for m in members if _age(m.birth_date, self.today) >= 70)
        heir = next((m.pk for m in members if m.pk != person.pk), None) if person.is_head else None
        return lambda: file_death(actor=self.clerk, resident_id=person.pk, version=person.version,
                                  died_on=self.today - timedelta(days=self.rng.randint(0, 7)),
                                  notifier=Notifier("officio", ""), remaining_head_id=heir)

    def household(self):
        from kuyakusho.residents.services import Mover, change_head, split_household

        if self.rng.random() < 0.5:  # 世帯主変更: the wife becomes the head of a couple
            household, members = self.picker.household(
                lambda ms: len(ms) == 2 and ms[1].relationship == "妻")
            head, wife = members
            return lambda: change_head(actor=self.clerk, household_id=household.pk,
                                       members=[Mover(head.pk, head.version, "夫"),
                                                Mover(wife.pk, wife.version, "世帯主")],
                                       moved_on=self.today, notifier=self._notifier(wife.name))
        household, members = self.picker.household(
            lambda ms: any(not m.is_head and _age(m.birth_date, self.today) >= 20 for m in ms))
        adult = next(m for m in members if not m.is_head and _age(m.birth_date, self.today) >= 20)
        return lambda: split_household(actor=self.clerk, household_id=household.pk,
                                       movers=[Mover(adult.pk, adult.version, "世帯主")],
                                       moved_on=self.today, notifier=self._notifier(adult.name))


def replay(args) -> list[dict]:
    from django.db import connection

    from kuyakusho.audit.context import audit_context
    from kuyakusho.core.errors import ApplicationError

    r = Replay(args)
    plan = [kind for kind, n in YEAR.items() for _ in range(round(n * args.year))]
    r.rng.shuffle(plan)
    timers = {kind: Timer() for kind in YEAR}
    refused: dict[str, int] = {}
    started = time.perf_counter()
    with audit_context(channel="console", via="bench"):
        for kind in plan:
            call = getattr(r, kind)()
            try:
                timers[kind].time(call)
            except ApplicationError as exc:
                refused[f"{kind}:{exc.code}"] = refused.get(f"{kind}:{exc.code}", 0) + 1
    wall = time.perf_counter() - started
    rows = []
    for kind, timer in timers.items():
        s = timer.summary()
        total = sum(timer.samples)
        rows.append({"benchmark": f"replay {kind}", **s, "total_s": round(total, 1),
                     "per_s": round(len(timer.samples) / total, 1) if total else None})
    service = sum(sum(t.samples) for t in timers.values())
    done = sum(len(t.samples) for t in timers.values())
    note = f"{args.year:g} year; wall {wall:.0f} s incl. picking; refused {refused}" if refused else \
        f"{args.year:g} year; wall {wall:.0f} s incl. picking"
    rows.append({"benchmark": "replay year (services)", "n": done, "total_s": round(service, 1),
                 "per_s": round(done / service, 1) if service else None,
                 "note": note + (f"; full year ≈ {sum(YEAR.values()) / (done / service):.0f} s" if done else "")})
    connection.close()
    return rows
