"""Kuyakusho benchmarks: ``make bench`` (= ``python -m bench``).

Every module of this package that defines ``run(args, ctx)`` is a benchmark area (``bench/residents.py``
…); ``add_arguments(parser)`` adds its size options.  Each database runs in its own process against its
own bench database — never the developer's ``var/kuyakusho.sqlite3``:

* ``sqlite``: ``var/bench-<residents>.sqlite3``
* ``postgres``: database ``bench_<residents>`` on ``$BENCH_POSTGRES`` (default
  ``postgres://postgres@127.0.0.1:5432``), created if missing; skipped with a note if the server cannot be
  reached.

One database per ward size, reused while its seed matches (``--fresh`` rebuilds it).

Results are printed as a table and saved as JSON in ``bench/results/`` (one file per run and
``latest.json``).  Examples::

    python -m bench                              # every area, quick sizes, both databases
    python -m bench --only residents --residents 740000 --year 1
    python -m bench --db sqlite --fresh
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent
HELPERS = {"common"}


def _names() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(bench.__path__)
                  if not info.name.startswith("_") and info.name not in HELPERS)


def _source(name: str) -> str:
    return (Path(bench.__path__[0]) / f"{name}.py").read_text(encoding="utf-8")


def areas() -> dict[str, object]:
    """Modules with ``run(args, ctx)``: imported (they must not touch Django at import time)."""
    return {name: importlib.import_module(f"bench.{name}") for name in _names() if "\ndef run(" in _source(name)}


def standalone() -> list[str]:
    """Modules that are their own program (``python -m bench.NAME``): run once, they save their own results."""
    return [name for name in _names() if "\ndef run(" not in _source(name) and "__main__" in _source(name)]


def parser(modules: dict) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--only", action="append", choices=sorted([*modules, *standalone()]),
                   help="run only this area (repeatable)")
    p.add_argument("--db", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    p.add_argument("--fresh", action="store_true", help="rebuild the bench databases even if they match")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    for module in modules.values():
        if hasattr(module, "add_arguments"):
            module.add_arguments(p)
    return p


def child(args, modules: dict) -> None:
    from bench import common

    ctx = common.prepare(args.child, fresh=args.fresh, args=args)
    rows = []
    for name in [n for n in (args.only or sorted(modules)) if n in modules]:
        rows += [{"area": name, "database": args.child, **row} for row in modules[name].run(args, ctx)]
    Path(args.out).write_text(json.dumps(rows, ensure_ascii=False, default=str))


def table(rows: list[dict]) -> str:
    columns = ["area", "database", "benchmark", "n", "median_ms", "p95_ms", "bare_median_ms", "bare_p95_ms",
               "ratio_p95", "total_s", "per_s", "note"]
    columns = [c for c in columns if any(c in r for r in rows)]

    def cell(value):
        if isinstance(value, float):
            return f"{value:,.2f}"
        return "" if value is None else f"{value:,}" if isinstance(value, int) else str(value)

    cells = [[cell(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.rjust(w) if v[:1].isdigit() else v.ljust(w) for v, w in zip(row, widths, strict=True))
              for row in cells]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    modules = areas()
    args = parser(modules).parse_args(argv)
    if args.child:
        child(args, modules)
        return 0
    from bench.common import database_url

    rows: list[dict] = []
    started = time.strftime("%Y%m%dT%H%M%S")
    wanted = [n for n in (args.only or sorted(modules)) if n in modules]
    for db in [d.strip() for d in args.db.split(",") if d.strip()] if wanted else []:
        url = database_url(db, getattr(args, "residents", None))
        if url is None:
            rows.append({"area": "-", "database": db, "benchmark": "skipped", "note": "server not reachable"})
            continue
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
            out = f.name
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
        cmd = [sys.executable, "-m", "bench", *argv, "--child", db, "--out", out]
        print(f"== {db}: {url}", flush=True)
        result = subprocess.run(cmd, cwd=ROOT, env=env, check=False)  # noqa: S603 (our own interpreter)
        if result.returncode:
            rows.append({"area": "-", "database": db, "benchmark": "failed", "note": f"exit {result.returncode}"})
            continue
        rows += json.loads(Path(out).read_text())
        Path(out).unlink()
    for name in standalone():
        if args.only and name not in args.only:
            continue
        print(f"== {name} (standalone)", flush=True)
        code = subprocess.run([sys.executable, "-m", f"bench.{name}"], cwd=ROOT, check=False).returncode  # noqa: S603
        rows.append({"area": name, "database": "-", "benchmark": "standalone",
                     "note": f"see bench/results/{name}.json" if code == 0 else f"exit {code}"})
    print()
    print(table(rows))
    RESULTS.mkdir(exist_ok=True)
    report = {"started": started, "argv": argv, "python": sys.version.split()[0], "rows": rows}
    for name in (f"{started}.json", "latest.json"):
        (RESULTS / name).write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str))
    print(f"\nsaved bench/results/{started}.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
