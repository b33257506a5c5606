"""A year of notifications replayed through the register's services, one transaction each."""

from __future__ import annotations

import gc
import os
import random
import time
from contextlib import contextmanager, nullcontext
from datetime import date, timedelta

from bench.common import Timer
from bench.residents import YEAR, bench_clerk, sample_rng


class Picker:
    """Random open households (and their active members) not used yet in this replay.

    With several workers, worker ``part`` of ``parts`` picks only households whose id is ``part`` modulo
    ``parts``: two workers never file for the same household (as two counters would not).
    """

    def __init__(self, rng: random.Random, part: int = 0, parts: int = 1) -> None:
        from kuyakusho.residents.models import Household

        self.rng = rng
        self.top = Household.objects.order_by("-id").values_list("id", flat=True).first() or 0
        self.used: set[int] = set()
        self.part, self.parts = part, parts

    def household(self, accept=lambda members: True, tries: int = 200):
        from kuyakusho.residents.models import Household, Resident

        for _ in range(tries):
            hid = self.rng.randint(0, (self.top - 1) // self.parts) * self.parts + (self.part - 1) % self.parts + 1
            if hid in self.used or hid > self.top:
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


def _taken(field: str, values: list[str]) -> set[str]:
    """The ``values`` of ``field`` a resident already has (as the services look them up)."""
    from kuyakusho.residents.models import Resident

    if not values:
        return set()
    return set(Resident.objects.filter(**{f"{field}__in": values}).exclude(**{field: ""})
               .values_list(field, flat=True))


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class _Strided:
    """A worker's share of ``Codes``: indices ``part``, ``part + parts``, … (no number drawn twice)."""

    def __init__(self, codes, part: int, parts: int) -> None:
        self.codes, self.parts = codes, parts
        codes.people = codes.cards = part

    def person(self):
        result = self.codes.person()
        self.codes.people += self.parts - 1
        return result

    def card(self, rng):
        result = self.codes.card(rng)
        self.codes.cards += self.parts - 1
        return result


class Replay:
    def __init__(self, args, part: int = 0, parts: int = 1) -> None:
        from kuyakusho.demo.population import places
        from kuyakusho.demo.population.generator import Ward
        from kuyakusho.demo.population.people import Codes
        from kuyakusho.demo.population.places_in_ward import WardPlaces
        from kuyakusho.residents.models import Resident

        self.today = date.today()
        self.rng = sample_rng(args, "replay" if parts == 1 else f"replay-{part}-of-{parts}")
        salt = Resident.objects.count()  # a new run on a reused database draws new numbers
        self.codes: Codes | _Strided = Codes(random.Random(f"replay-{args.seed}-{salt}"))
        if parts > 1:
            self.codes = _Strided(self.codes, part, parts)
        self.incoming = Ward(residents=10**9, seed=args.seed * 7919 + salt + 104_729 * part,
                             today=self.today).households()
        self.places = WardPlaces(self.rng)
        self.outside = places.outside_address
        self.picker = Picker(self.rng, part, parts)
        self.clerk = bench_clerk()

    def _notifier(self, name: str):
        from kuyakusho.residents.services import Notifier

        return Notifier("self", name)

    def move_in(self):
        from kuyakusho.residents.services import Address, TransferCertificate, file_move_in

        hh = next(h for h in self.incoming if h.closed_on is None)
        people = [p for p in hh.members if p.status == "active"]
        # Not before the youngest was born (the service refuses a person born after the move).
        day = max(self.today - timedelta(days=self.rng.randint(0, 10)), *(p.birth_date for p in people))
        previous = self.outside(self.rng)
        municipality = previous.split("区")[0] + "区" if "区" in previous else previous.split("市")[0] + "市"
        for p in people:
            p.resident_code, p.my_number = self.codes.person()
            if p.residence_card_number:
                p.residence_card_number = self.codes.card(self.rng)
        self._draw_again_if_taken(people)
        place = hh.place
        return lambda: file_move_in(
            actor=self.clerk, people=[_new_person(p) for p in people], moved_on=day,
            notifier=self._notifier(people[0].name),
            certificate=TransferCertificate(municipality, previous, day - timedelta(days=5), day - timedelta(days=1)),
            address=Address(place.town, place.chome, place.banchi, place.go, place.katagaki))

    def _draw_again_if_taken(self, people) -> None:
        """New numbers for anyone whose drawn My Number or card number a resident already has (the
        service would refuse the duplicate; about one draw in 100,000 at 740,000 residents)."""
        for _ in range(10):
            taken = set()
            for field in ("my_number", "residence_card_number"):  # the services' own look-up (its index)
                taken |= _taken(field, sorted({getattr(p, field) for p in people} - {""}))
            if not taken:
                return
            for p in people:
                if p.my_number in taken:
                    p.my_number = self.codes.person()[1]
                if p.residence_card_number in taken:
                    p.residence_card_number = self.codes.card(self.rng)

    def move_out(self):
        from kuyakusho.residents.services import Mover, file_move_out

        household, members = self.picker.household()
        movers = [Mover(m.pk, m.version) for m in members]
        planned, destination = self.today + timedelta(days=self.rng.randint(0, 14)), self.outside(self.rng)
        return lambda: file_move_out(actor=self.clerk, household_id=household.pk, movers=movers,
                                     planned_move_on=planned, destination=destination,
                                     notifier=self._notifier(members[0].name))

    def move_within(self):
        from kuyakusho.residents.services import Address, Mover, file_move_within

        household, members = self.picker.household()
        here = (household.town, household.chome, household.banchi, household.go, household.katagaki)
        place = self.places.place()
        while (place.town, place.chome, place.banchi, place.go, place.katagaki) == here:  # refused: not a move
            place = self.places.place()
        movers = [Mover(m.pk, m.version) for m in members]
        moved_on = self.today - timedelta(days=self.rng.randint(0, 10))
        return lambda: file_move_within(
            actor=self.clerk, household_id=household.pk, movers=movers, moved_on=moved_on,
            notifier=self._notifier(members[0].name),
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
        while _taken("my_number", [my_number]):  # drawn before: the service would refuse it
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
        died_on = self.today - timedelta(days=self.rng.randint(0, 7))
        return lambda: file_death(actor=self.clerk, resident_id=person.pk, version=person.version,
                                  died_on=died_on, notifier=Notifier("officio", ""), remaining_head_id=heir)

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


class Costs:
    """Where a replay's time goes: wall time inside the commits (and with ``statements``, inside each
    statement), and the CPU time of this process and (PostgreSQL) of its server process. On a 2-core
    machine the CPU per notification bounds the rate whatever the number of processes:
    2 cores / (client + server CPU).

    Timing the statements takes an ``execute_wrapper`` around every query: slower, so only on request
    (``--replay-statements``).
    """

    def __init__(self, statements: bool = False) -> None:
        self.timed = statements
        self.statements, self.statement_s, self.commit_s, self.client_cpu_s, self.server_cpu_s = 0, 0.0, 0.0, 0.0, 0.0

    @staticmethod
    def _server_cpu(wrapper) -> float:
        if wrapper.vendor != "postgresql":
            return 0.0
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        try:  # utime and stime of the server process (same machine)
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    @contextmanager
    def measuring(self):
        from django.db import DEFAULT_DB_ALIAS, connections

        wrapper = connections[DEFAULT_DB_ALIAS]

        def timed(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                self.statements += 1
                self.statement_s += time.perf_counter() - started

        commit = wrapper._commit

        def timed_commit():
            started = time.perf_counter()
            try:
                return commit()
            finally:
                self.commit_s += time.perf_counter() - started

        server, client = self._server_cpu(wrapper), time.process_time()
        wrapper._commit = timed_commit
        try:
            with wrapper.execute_wrapper(timed) if self.timed else nullcontext():
                yield self
        finally:
            del wrapper._commit
            self.client_cpu_s += time.process_time() - client
            self.server_cpu_s += self._server_cpu(wrapper) - server

    def add(self, other: Costs) -> None:
        for key in ("statements", "statement_s", "commit_s", "client_cpu_s", "server_cpu_s"):
            setattr(self, key, getattr(self, key) + getattr(other, key))
        self.timed = other.timed

    def note(self, done: int) -> str:
        if not done:
            return ""
        ms = 1000 / done
        text = "per notification: "
        if self.timed:
            text += f"{self.statements / done:.1f} statements, {self.statement_s * ms:.2f} ms in them, "
        text += f"{self.commit_s * ms:.2f} ms in the commit (wall); CPU {self.client_cpu_s * ms:.2f} ms here"
        if self.server_cpu_s:
            text += f" + {self.server_cpu_s * ms:.2f} ms in the server"
        return text


def _plan(args, rng: random.Random) -> list[str]:
    plan = [kind for kind, n in YEAR.items() for _ in range(round(n * args.year))]
    rng.shuffle(plan)
    return plan


def _rows(timers: dict, refused: dict, args, *, note: str, label: str, per_s: float | None,
          total_s: float) -> list[dict]:
    rows = []
    for kind, samples in timers.items():
        s = _summary(samples)
        total = sum(samples)
        rows.append({"benchmark": f"replay {kind}", **s, "total_s": round(total, 1),
                     "per_s": round(len(samples) / total, 1) if total else None})
    done = sum(len(samples) for samples in timers.values())
    note = f"{args.year:g} year; {note}" + (f"; refused {refused}" if refused else "")
    if per_s:
        note += f"; full year ≈ {sum(YEAR.values()) / per_s:.0f} s"
    rows.append({"benchmark": label, "n": done, "total_s": round(total_s, 1),
                 "per_s": round(per_s, 1) if per_s else None, "note": note})
    return rows


def _summary(samples: list[float]) -> dict:
    timer = Timer()
    timer.samples = samples
    return timer.summary()


def replay(args) -> list[dict]:
    from django.db import connection

    workers = getattr(args, "workers", 1) or 1
    if workers > 1:
        if connection.vendor != "postgresql":
            return [{"benchmark": f"replay ({workers} workers)", "note": "PostgreSQL only (SQLite has one writer)"}]
        return _replay_parallel(args, workers)
    from kuyakusho.audit.context import audit_context
    from kuyakusho.core.errors import ApplicationError

    started = time.perf_counter()
    r = Replay(args)
    plan = _plan(args, r.rng)
    calls = [(kind, getattr(r, kind)()) for kind in plan]  # the households are chosen first: not measured
    picking = time.perf_counter() - started
    gc.freeze()  # the year's work list is the bench's own: not for the collector to walk between notifications
    timers = {kind: Timer() for kind in YEAR}
    refused: dict[str, int] = {}
    costs = Costs(args.replay_statements)
    with audit_context(channel="console", via="bench"), costs.measuring():
        for kind, call in calls:
            try:
                timers[kind].time(call)
            except ApplicationError as exc:
                refused[f"{kind}:{exc.code}"] = refused.get(f"{kind}:{exc.code}", 0) + 1
    service = sum(sum(t.samples) for t in timers.values())
    done = sum(len(t.samples) for t in timers.values())
    rows = _rows({kind: t.samples for kind, t in timers.items()}, refused, args,
                 note=f"1 process; households chosen first in {picking:.0f} s; {costs.note(done)}",
                 label="replay year (services)",
                 per_s=done / service if service else None, total_s=service)
    connection.close()
    return rows


def _worker(args, part: int, parts: int, plan: list[str], barrier, results) -> None:
    """One counter: picks its notifications first, waits for the others, then files them one by one."""
    from kuyakusho.audit.context import audit_context
    from kuyakusho.core.errors import ApplicationError

    try:
        r = Replay(args, part, parts)
        calls = [(kind, getattr(r, kind)()) for kind in plan]
        gc.freeze()  # as in replay()
    finally:
        barrier.wait()
    samples: dict[str, list[float]] = {kind: [] for kind in YEAR}
    refused: dict[str, int] = {}
    costs = Costs(args.replay_statements)
    try:
        with audit_context(channel="console", via="bench"), costs.measuring():
            for kind, call in calls:
                started = time.perf_counter()
                try:
                    call()
                except ApplicationError as exc:
                    refused[f"{kind}:{exc.code}"] = refused.get(f"{kind}:{exc.code}", 0) + 1
                    continue
                samples[kind].append(time.perf_counter() - started)
    except Exception as exc:  # a database error (deadlock …) fails the benchmark, in the parent
        results.put((None, f"worker {part}: {exc!r}"))
        raise
    results.put((samples, refused, costs))


def _replay_parallel(args, workers: int) -> list[dict]:
    """The same plan filed by ``workers`` processes at once (counters of one ward); wall-clock throughput."""
    import multiprocessing

    from django.db import connections

    plan = _plan(args, sample_rng(args, "replay"))
    connections.close_all()  # each process opens its own connection
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(workers + 1), context.Queue()
    processes = [context.Process(target=_worker, args=(args, k, workers, plan[k::workers], barrier, results))
                 for k in range(workers)]
    for process in processes:
        process.start()
    barrier.wait()  # every worker has picked its households
    started = time.perf_counter()
    outcomes = [results.get() for _ in processes]
    wall = time.perf_counter() - started
    for process in processes:
        process.join()
    failures = [outcome[1] for outcome in outcomes if outcome[0] is None]
    if failures:
        raise RuntimeError("; ".join(failures))
    timers = {kind: [x for samples, _refused, _costs in outcomes for x in samples[kind]] for kind in YEAR}
    refused: dict[str, int] = {}
    costs = Costs()
    for _samples, counts, worker_costs in outcomes:
        costs.add(worker_costs)
        for key, n in counts.items():
            refused[key] = refused.get(key, 0) + n
    done = sum(len(samples) for samples in timers.values())
    return _rows(timers, refused, args, label=f"replay year ({workers} workers)", per_s=done / wall, total_s=wall,
                 note=f"{workers} processes filing at once; per-kind per_s is per process, the year's is "
                      f"wall-clock; {costs.note(done)}")
