"""Shared by the benchmark areas: the bench databases, Django set-up, timing."""

from __future__ import annotations

import json
import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("KUYAKUSHO_VAR", ROOT / "var"))
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")

# One bench database per ward size, so that areas run at different sizes (or at once) do not
# rebuild each other's: var/bench-50000.sqlite3, PostgreSQL database bench_50000.


def machine_load() -> str:
    """What else the machine was doing, for a result's note: the load average and the cores."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} cores"


def _size(residents: int | None) -> int:
    return int(residents or 0)


def sqlite_path(residents: int | None) -> Path:
    return VAR / f"bench-{_size(residents)}.sqlite3"


def postgres_db(residents: int | None) -> str:
    return f"bench_{_size(residents)}"


def database_url(db: str, residents: int | None = None) -> str | None:
    """The bench database's URL (None if PostgreSQL cannot be reached); never the developer's database."""
    if db == "sqlite":
        return f"sqlite:///{sqlite_path(residents)}"
    if db == "postgres":
        import psycopg

        name = postgres_db(residents)
        try:
            with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True, connect_timeout=3) as conn:
                if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                    conn.execute(f'CREATE DATABASE "{name}"')
        except psycopg.OperationalError:
            return None
        return f"{POSTGRES_SERVER}/{name}"
    raise SystemExit(f"unknown database {db!r} (sqlite, postgres)")


def _marker(db: str, residents: int | None) -> Path:
    return VAR / f"bench-{db}-{_size(residents)}.json"


def _drop(db: str, residents: int | None) -> None:
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_path(residents)}{suffix}").unlink(missing_ok=True)
    else:
        import psycopg

        name = postgres_db(residents)
        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    _marker(db, residents).unlink(missing_ok=True)


@dataclass
class Context:
    db: str
    residents: int | None = None
    marker: dict = field(default_factory=dict)

    def save_marker(self, **values) -> None:
        self.marker.update(values)
        _marker(self.db, self.residents).write_text(json.dumps(self.marker))


def prepare(db: str, *, fresh: bool, args) -> Context:
    """Drop the bench database if asked or if it was built for other sizes; set up Django; migrate."""
    residents = getattr(args, "residents", None)
    path = _marker(db, residents)
    marker = json.loads(path.read_text()) if path.exists() else {}
    wanted = {"residents": residents, "seed": getattr(args, "seed", None)}
    if fresh or (marker and any(marker.get(k) != v for k, v in wanted.items())):
        _drop(db, residents)
        marker = {}
    if "DATABASE_URL" not in os.environ or "kuyakusho.sqlite3" in os.environ["DATABASE_URL"]:
        raise SystemExit("refusing to run benchmarks without a bench DATABASE_URL")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return Context(db, residents, marker)


@dataclass
class Timer:
    samples: list[float] = field(default_factory=list)

    def time(self, fn, *a, **kw):
        start = time.perf_counter()
        result = fn(*a, **kw)
        self.samples.append(time.perf_counter() - start)
        return result

    def summary(self) -> dict:
        ms = sorted(s * 1000 for s in self.samples)
        if not ms:
            return {"n": 0}
        p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
        return {"n": len(ms), "median_ms": round(statistics.median(ms), 3), "p95_ms": round(p95, 3)}
