"""The registry of dataset generators: how datasets are generated live from the system.

A *source* is a dataset that the platform keeps up to date by itself (e.g. 地域・年齢別人口 from the resident
register). Areas register theirs from their own ``AppConfig.ready()``; this app never imports them::

    from kuyakusho.opendata import sources

    class FacilitiesConfig(AppConfig):
        def ready(self):
            # add rows to a standard dataset another area generates …
            sources.contribute("standard-public-facilities", facility_rows)   # () -> list[dict[str, object]]
            # … or register a whole dataset of one's own
            sources.register(sources.Source(key="facility-bookings", ..., generate=bookings_tables))

``generate(context)`` returns ``GeneratedResource`` objects (a ``Table`` for CSV, or bytes for any other
format); ``services.regenerate`` stores them, records when and from what they were made, loads tables into the
datastore, and audits the run. A contributor returns rows as dicts keyed by the dataset's column names; the
generator of that dataset adds them after its own rows (``contributions(key)``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

Value = str | int | float | None
Row = Mapping[str, Value]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: Sequence[Sequence[Value]]
    types: tuple[str, ...] = ()  # per column: "text", "int" or "numeric" (default: text)
    indexed: tuple[str, ...] = ()  # columns ``datastore_search`` filters find through an index (default: all)

    def __post_init__(self) -> None:
        width = len(self.header)
        if self.types and len(self.types) != width:
            raise ValueError("types must name every column")
        for row in self.rows:
            if len(row) != width:
                raise ValueError(f"row of {len(row)} values for {width} columns")
        unknown = set(self.indexed) - set(self.header)
        if unknown:
            raise ValueError(f"indexed columns not in the header: {sorted(unknown)}")

    def column_types(self) -> tuple[str, ...]:
        return self.types or tuple("text" for _ in self.header)


@dataclass(frozen=True)
class GeneratedResource:
    file_name: str
    name: str
    generated_from: str  # what it was made from, in words (e.g. "offices.Office: 6件")
    table: Table | None = None
    content: bytes | None = None
    format: str = "CSV"
    description: str = ""


@dataclass(frozen=True)
class GenerationContext:
    as_of: date  # the day the data describes (the last day of the month for monthly sets)
    now: datetime
    base_url: str  # where the catalogue is reached (URLs written into files)


@dataclass(frozen=True)
class Source:
    key: str
    dataset_name: str
    title: str
    title_en: str
    notes: str
    notes_en: str
    organization: str  # Organization.name; created with the titles below when missing
    organization_title: str
    organization_title_en: str
    generate: Callable[[GenerationContext], list[GeneratedResource]]
    frequency: str = "monthly"
    standard_id: str = ""
    reading: str = ""
    tags: tuple[str, ...] = ()
    synthetic: bool = False  # demo data: the dataset says so in its notes
    # "分類": the category of the オープンデータ一覧 (one of definitions.OPEN_DATA_CATEGORIES)
    extra: Mapping[str, str] = field(default_factory=dict)


_SOURCES: dict[str, Source] = {}
_CONTRIBUTORS: dict[str, list[Callable[[], Sequence[Row]]]] = {}


def register(source: Source) -> None:
    """Add a generated dataset. Registering a key twice replaces the earlier one (autoreload, tests)."""
    _SOURCES[source.key] = source


def unregister(key: str) -> None:
    _SOURCES.pop(key, None)


def contribute(key: str, rows: Callable[[], Sequence[Row]]) -> None:
    """Add rows to the dataset ``key`` generates (each row a dict keyed by that dataset's column names)."""
    contributors = _CONTRIBUTORS.setdefault(key, [])
    if rows not in contributors:
        contributors.append(rows)


def contributions(key: str) -> list[Row]:
    out: list[Row] = []
    for rows in _CONTRIBUTORS.get(key, []):
        out.extend(rows())
    return out


def get(key: str) -> Source | None:
    return _SOURCES.get(key)


def all_sources() -> list[Source]:
    return sorted(_SOURCES.values(), key=lambda s: (s.standard_id or "~", s.key))
