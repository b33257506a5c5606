"""Writing the synthetic ward into the register, fast: explicit ids, ``bulk_create`` in large
batches, one transaction, and one audit event for the whole load.

The rows are the ones ``residents.models`` documents for a consistent bulk load: search keys
from ``records.prepare_*``, one ``EventEntry`` per (event, resident) whose snapshot is
``records.make_snapshot`` of the person as they stood after that event, 受付番号 numbered per
fiscal year and ``ReceiptCounter`` synchronised afterwards.
"""

from __future__ import annotations

import math
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from kuyakusho.audit.services import record_write
from kuyakusho.core.text import plain_matcher, refused_characters
from kuyakusho.core.wareki import fiscal_year
from kuyakusho.offices.models import Office
from kuyakusho.residents import records
from kuyakusho.residents.models import Event, EventEntry, Household, MoveOutCertificate, ReceiptCounter, Resident

from . import events, generator, towns

BATCH = 5_000  # rows per INSERT statement group
CHUNK = 4_000  # households generated and written together
SQLITE_CACHE_MB = 512
RESIDENT_FIELDS = (
    "name", "name_kana", "birth_date", "sex", "is_head", "relationship", "honseki", "hittosha", "nationality",
    "residence_status", "period_of_stay", "stay_expires_on", "residence_card_number", "resident_code", "my_number",
    "became_resident_on", "became_resident_reason", "address_since", "address_notified_on", "previous_address",
    "status", "removed_on", "removal_reason", "destination",
)
MODELS = (Household, Resident, Event, EventEntry, MoveOutCertificate)
# The text that the register's character policy (core.text) governs: every generated value must pass it, as
# a value typed at the counter would.
POLICY_FIELDS = {
    Household: ("town", "banchi", "go", "katagaki"),
    Resident: ("name", "name_kana", "relationship", "honseki", "hittosha", "nationality", "residence_status",
               "period_of_stay", "residence_card_number", "previous_address", "destination"),
    Event: ("notifier_name", "reason"),
    MoveOutCertificate: ("destination",),
}


class GeneratedTextRefused(ValueError):
    """A generated value breaks the character policy (a fault in the generator's data, never in the register)."""


def check_policy(model: type[models.Model], values: dict, plain=None) -> None:
    """Refuse a generated row whose text the character policy refuses (names the field and code points only)."""
    plain = plain or plain_matcher()
    for name in POLICY_FIELDS[model]:
        value = values.get(name)
        if value and not plain(value) and (refused := refused_characters(value)):
            first = refused[0]
            raise GeneratedTextRefused(f"{model.__name__}.{name}: {first.code_points} ({first.kind})")


@dataclass
class Totals:
    households: int = 0
    open_households: int = 0
    residents: int = 0
    removed: int = 0
    foreign: int = 0
    events: int = 0
    entries: int = 0
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    kinds: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1


def _nearest_offices() -> dict[tuple[str, int | None], int]:
    offices = list(Office.objects.all())
    if not offices:
        return {}
    out = {}
    for c in towns.chomes():
        best = min(offices, key=lambda o: math.hypot(float(o.latitude) - c.lat, (float(o.longitude) - c.lon) * 0.81))
        out[(c.town, c.chome)] = best.pk
    return out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Table:
    """Rows for one model, inserted with ``executemany`` (no model instances, no SQL compiler per row).

    Every concrete field of the model must be given, have a default, be nullable or be
    ``auto_now``: a field added to the model later fails loudly here rather than being left out.
    """

    def __init__(self, model: type[models.Model], now):
        self.model = model
        fields = model._meta.concrete_fields
        qn = connection.ops.quote_name
        # Table and column names come from the model and are quoted; the values are parameters.
        columns = ", ".join(qn(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        self.sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
        self.copy_sql = f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN"
        self.names = [f.attname for f in fields]
        self.defaults = {}
        self.convert = {}
        sqlite = connection.vendor == "sqlite"
        for f in fields:
            kind = f.get_internal_type()
            if kind == "DateField" and sqlite:
                self.convert[f.attname] = _iso
            elif kind == "JSONField":
                self.convert[f.attname] = partial(f.get_db_prep_save, connection=connection)
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = f.get_db_prep_save(now, connection)
            elif f.has_default():
                self.defaults[f.attname] = f.get_db_prep_save(f.get_default(), connection)
            elif f.null:
                self.defaults[f.attname] = None
        self.rows: list[tuple] = []
        self.plain = plain_matcher() if model in POLICY_FIELDS else None

    def add(self, values: dict) -> None:
        if self.plain:
            check_policy(self.model, values, self.plain)
        row = []
        for name in self.names:
            if name in values:
                value = values[name]
                convert = self.convert.get(name)
                row.append(convert(value) if convert and value is not None else value)
            elif name in self.defaults:
                row.append(self.defaults[name])
            else:
                raise TypeError(f"{self.model.__name__}.{name} has no value and no default: teach the writer")
        self.rows.append(tuple(row))

    def flush(self, cursor) -> int:
        count = len(self.rows)
        if connection.vendor == "postgresql":  # COPY: one stream instead of a statement per row
            with cursor.cursor.copy(self.copy_sql) as copy:
                for row in self.rows:
                    copy.write_row(row)
        else:
            for start in range(0, count, BATCH):
                cursor.executemany(self.sql, self.rows[start:start + BATCH])
        self.rows = []
        return count


def _iso(value: date) -> str:
    return value.isoformat()


class _HouseholdView:
    """What ``records.make_snapshot`` reads of a household."""

    __slots__ = ("banchi", "chome", "go", "head_name", "katagaki", "pk", "town")

    def __init__(self, pk: int, place, head_name: str):
        self.pk, self.town, self.chome, self.banchi, self.go, self.katagaki = (
            pk, place.town, place.chome, place.banchi, place.go, place.katagaki)
        self.head_name = head_name


class Writer:
    def __init__(self, today: date):
        self.today = today
        self.ids = {m: _next_id(m) for m in MODELS}
        self.serials: dict[int, int] = {}
        self.offices = _nearest_offices()
        self.totals = Totals()
        now = timezone.now()
        self.tables = {m: Table(m, now) for m in MODELS}

    def _id(self, model) -> int:
        value = self.ids[model]
        self.ids[model] = value + 1
        return value

    def write(self, batch: list[events.Household]) -> None:
        t = self.totals
        households, residents, events, entries, certificates = (self.tables[m] for m in MODELS)
        for hh in batch:
            place = hh.place
            hid = self._id(Household)
            households.add({"id": hid, "town": place.town, "chome": place.chome, "banchi": place.banchi,
                            "go": place.go, "katagaki": place.katagaki,
                            "katagaki_key": records.katagaki_key(place.katagaki),
                            "established_on": hh.established_on, "closed_on": hh.closed_on})
            view = _HouseholdView(hid, place, hh.head.name)
            rows = {}
            for p in hh.members:
                rid = self._id(Resident)
                values = {f: getattr(p, f) for f in RESIDENT_FIELDS}
                values["name_key"], values["kana_key"] = records.search_keys(p.name, p.name_kana)
                values["id"], values["household_id"] = rid, hid
                residents.add(values)
                rows[id(p)] = (rid, records.make_snapshot(p, view))
                t.residents += p.status == "active" or p.removed_on > self.today
                t.removed += p.status != "active"
                t.foreign += bool(p.nationality) and p.status == "active"
            office = self.offices.get((place.town, place.chome))
            for e in hh.events:
                fy = fiscal_year(e.notified_on)
                serial = self.serials[fy] = self.serials.get(fy, 0) + 1
                eid = self._id(Event)
                events.add({"id": eid, "kind": e.kind, "moved_on": e.moved_on, "notified_on": e.notified_on,
                            "fiscal_year": fy, "serial": serial, "notifier_type": e.notifier_type,
                            "notifier_name": e.notifier_name, "letter_of_authority": e.letter_of_authority,
                            "reason": e.reason, "late": e.late, "details": e.details,
                            "office_id": None if e.kind == "initial" else office})
                t.kinds[e.kind] = t.kinds.get(e.kind, 0) + 1
                for entry in e.entries:
                    rid, snapshot = rows[id(entry.person)]
                    if entry.overrides:
                        snapshot = {**snapshot, **entry.overrides}
                    entries.add({"id": self._id(EventEntry), "event_id": eid, "resident_id": rid,
                                 "household_id": hid, "snapshot": snapshot})
                if e.certificate:
                    issued, planned, destination = e.certificate
                    certificates.add({"id": self._id(MoveOutCertificate), "event_id": eid, "issued_on": issued,
                                      "planned_move_on": planned, "destination": destination})
            t.households += 1
            t.open_households += hh.closed_on is None
        with connection.cursor() as cursor:
            for model in MODELS:
                count = self.tables[model].flush(cursor)
                if model is Event:
                    t.events += count
                elif model is EventEntry:
                    t.entries += count

    def finish(self) -> None:
        ReceiptCounter.sync_from_events()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), list(MODELS)):
                    cursor.execute(sql)


class RegisterNotEmpty(Exception):
    """The synthetic ward is only written into an empty register."""


def generate(*, residents: int, seed: int, today: date, progress: Callable[[Totals], None] | None = None) -> Totals:
    """Generate and store a ward of ``residents`` people; one transaction, one audit event."""
    if Resident.objects.exists():
        raise RegisterNotEmpty("the register already holds residents: generate into an empty database")
    started = time.perf_counter()
    ward = generator.Ward(residents=residents, seed=seed, today=today)
    with transaction.atomic():
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                # Random keys (codes, search keys) go into large indexes: keep them in memory while
                # loading (this connection only; the default cache is 2 MB).
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_MB * 1024}")
        writer = Writer(today)
        batch: list[events.Household] = []
        for household in ward.households():
            batch.append(household)
            if len(batch) >= CHUNK:
                writer.write(batch)
                batch = []
                if progress:
                    progress(writer.totals)
        if batch:
            writer.write(batch)
        writer.finish()
        totals = writer.totals
        totals.seconds = round(time.perf_counter() - started, 1)
        totals.peak_rss_mb = round(peak_rss_mb(), 1)
        record_write(actor=None, action="demo_ward.generate",
                     detail={"seed": seed, "as_of": today, **{k: v for k, v in totals.as_dict().items()
                                                               if k not in ("seconds", "peak_rss_mb")}})
    return totals
