"""Load benchmark: a "March morning" (locust, headless) against real server processes on PostgreSQL.

``python -m bench.load`` (``make bench`` runs it too) builds a demo ward of ``--residents`` people in the
PostgreSQL database ``bench_load_<residents>`` (kept for later runs), starts uvicorn with 1 and 2 workers, with
and without the connection pool (``DATABASE_POOL=0``: a new connection per request), and steps the simulated
users (``--users``, then ``--then`` more at a time up to ``--max-users``; they arrive over ``RAMP_SECONDS``,
which the figures leave out) for ``--step-seconds`` each until the resident pages' p95 passes 500 ms (the knee).
The ``before`` configurations run the code of ``BEFORE`` (the platform as it was before the production work: no
pool, no bound on connections, no snapshots, the audit head locked through a page's reads), extracted with
``git archive`` into ``var/``, on its own database ``bench_load_<residents>_before`` built by that code: the
knee the production work is measured against, in the same run on the same machine.
The mix is ``bench/_locustfile.py``. For each step: requests/s, p50/p95/p99 by request type, errors, and the CPU
seconds of the application's processes and of the database's backends (those that ended during the step too).
Results go to ``bench/results/load-<time>.json`` and ``bench/results/load.json``.

Small validation run: ``python -m bench.load --residents 2000 --users 5,10 --step-seconds 10 --configs pool:1``.
The load generator runs on the same machine (its CPU is reported too).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench import common

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
RESIDENT_PREFIX = "resident:"
KNEE_P95_MS = 500.0
#: Each step's users arrive over this many seconds. Every user's first request goes out as it arrives, so a step
#: that started all its users within a few seconds measured that burst more than the load of its users.
RAMP_SECONDS = 10
#: main when the production work began (its branch point): the code whose knee the production issue measured.
BEFORE = "9a028fa38ad583fcf03fe2fa7b2cda636309f24d"


def _parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    p.add_argument("--residents", type=int, default=20000)
    p.add_argument("--users", default="25,50,75,100,150,200,300",
                   help="the first steps; then by --then users until the knee or --max-users")
    p.add_argument("--then", type=int, default=100)
    p.add_argument("--max-users", type=int, default=2000)
    p.add_argument("--step-seconds", type=float, default=40)
    p.add_argument("--configs", default="before:1,nopool:1,pool:1,pool:2,nopool:2,before:2",
                   help="comma-separated pool|nopool|before:workers")
    p.add_argument("--note", default="")
    return p.parse_args(argv)


def _database(name: str) -> str:
    import psycopg

    server = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def _before_tree(var: Path) -> Path:
    """The code of ``BEFORE`` in ``var/code`` (extracted once), with this tree's ward setup beside it."""
    tree = var / "code"
    if not (tree / "manage.py").exists():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", BEFORE], capture_output=True,  # noqa: S603, S607
                                 check=False)
        if archive.returncode:
            raise SystemExit(f"bench.load: commit {BEFORE[:7]} is not in this clone "
                             f"({archive.stderr.decode().strip()}); fetch the full history or leave out 'before'")
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)  # noqa: S603, S607
    shutil.copy(ROOT / "bench" / "_load_setup.py", tree / "bench" / "_load_setup.py")
    return tree


def _code(mode: str) -> str:
    """Which code a configuration runs: ``before:N`` the code of ``BEFORE``, the others this tree's."""
    return "before" if mode == "before" else "current"


def _ward(code: str, residents: int) -> dict:
    """The bench ward of ``code`` ("current" or "before"): its database (the demo ward loaded once, then
    fresh tickets and staff sessions each run), var directory, the simulated users' fixture and the collected
    static files. Returns the server's environment and where."""
    import psycopg

    suffix = "" if code == "current" else f"_{code}"
    url = _database(f"bench_load_{residents}{suffix}")
    var = ROOT / "var" / f"bench-load-{residents}{suffix.replace('_', '-')}"
    var.mkdir(parents=True, exist_ok=True)
    root = ROOT if code == "current" else _before_tree(var)
    env = {"DATABASE_URL": url, "KUYAKUSHO_VAR": str(var), "KUYAKUSHO_DEMO": "1", "LOG_LEVEL": "WARNING",
           "DJANGO_SETTINGS_MODULE": "config.settings"}
    fixture = var / "fixture.json"
    print(f"== setting up {url.rsplit('/', 1)[-1]} ({residents:,} residents, {code} code)", flush=True)
    for command in (["-m", "bench._load_setup", str(fixture), str(residents)],
                    ["manage.py", "collectstatic", "--noinput", "-v0"]):
        subprocess.run([sys.executable, *command], cwd=root, env={**os.environ, **env}, check=True)  # noqa: S603
    with psycopg.connect(url, autocommit=True) as conn:  # the older code's bulk load did not end with it
        conn.execute("ANALYZE")
    return {"env": env, "root": root, "var": var, "fixture": fixture, "dbname": url.rsplit("/", 1)[-1]}


def _cpu(processes: list) -> float:
    import psutil

    total = 0.0
    for proc in processes:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            continue
    return total


def _app_processes(pid: int) -> list:
    import psutil

    try:
        parent = psutil.Process(pid)
        return [parent, *parent.children(recursive=True)]
    except psutil.Error:
        return []


def _db_cpu(dbname: str) -> float:
    """CPU seconds so far of this database's live backends, plus those of every backend that has ended: the
    server process adds an ended child's time to its own (without the pool a backend lives for one request, too
    short to be sampled). The difference of two readings is the database's CPU in between."""
    import psutil

    total = 0.0
    for proc in psutil.process_iter(["cmdline"]):
        try:
            args = proc.info["cmdline"] or []
            cmd = " ".join(args)
            if cmd.startswith("postgres:") and f" {dbname} " in f"{cmd} ":
                total += _cpu([proc])
            elif args and args[0].endswith("/postgres") and "-D" in args:  # the server (on this machine)
                times = proc.cpu_times()
                total += times.children_user + times.children_system
        except psutil.Error:
            continue
    return total


def _ms(value: str) -> float:
    """A percentile of locust's CSV ("N/A" when the type had no request in the measured part of the step)."""
    try:
        return float(value)
    except ValueError:
        return 0.0


def _step(base: str, users: int, seconds: float, fixture: Path, server_pid: int, dbname: str) -> dict:
    prefix = Path(tempfile.mkdtemp(prefix="locust-")) / "step"
    env = {**os.environ, "BENCH_LOAD_FIXTURE": str(fixture)}
    app = _app_processes(server_pid)
    app_before, db_before = _cpu(app), _db_cpu(dbname)
    # The users arrive over RAMP_SECONDS; the figures cover the ``seconds`` after all have arrived (the CPU
    # columns, the whole step).
    rate = max(1, users // RAMP_SECONDS)
    command = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "_locustfile.py"), "--headless",
               "--host", base, "-u", str(users), "-r", str(rate), "-t", f"{int(seconds + users / rate)}s",
               "--reset-stats", "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
               "--stop-timeout", "5"]
    started = time.monotonic()
    generator = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,  # noqa: S603
                                 stderr=subprocess.PIPE)
    import psutil

    gen = psutil.Process(generator.pid)
    gen_cpu = 0.0
    while generator.poll() is None:
        try:
            gen_cpu = _cpu([gen, *gen.children(recursive=True)])
        except psutil.Error:
            pass
        time.sleep(0.5)
    wall = time.monotonic() - started
    app_cpu = _cpu(app) - app_before
    db_cpu = _db_cpu(dbname) - db_before
    rows = list(csv.DictReader((prefix.parent / "step_stats.csv").open(encoding="utf-8")))
    by_name = {}
    for row in rows:
        if row["Name"] == "Aggregated":
            continue
        by_name[row["Name"]] = {
            "requests": int(row["Request Count"]), "errors": int(row["Failure Count"]),
            "per_s": round(float(row["Requests/s"]), 2), "p50_ms": _ms(row["50%"]),
            "p95_ms": _ms(row["95%"]), "p99_ms": _ms(row["99%"])}
    total = next((r for r in rows if r["Name"] == "Aggregated"), None)
    resident = [v for k, v in by_name.items() if k.startswith(RESIDENT_PREFIX)]
    failures = list(csv.DictReader((prefix.parent / "step_failures.csv").open(encoding="utf-8"))) \
        if (prefix.parent / "step_failures.csv").exists() else []
    return {
        "users": users, "seconds": round(wall, 1),
        "per_s": round(float(total["Requests/s"]), 1) if total else 0.0,
        "requests": int(total["Request Count"]) if total else 0, "errors": int(total["Failure Count"]) if total else 0,
        "resident_p95_ms": max((v["p95_ms"] for v in resident), default=0.0),
        "cpu_app_s": round(app_cpu, 1), "cpu_db_s": round(db_cpu, 1), "cpu_load_generator_s": round(gen_cpu, 1),
        "by_request": by_name,
        "failures": [{"name": f["Name"], "error": f["Error"][:200], "count": int(f["Occurrences"])}
                     for f in failures][:10],
    }


def main(argv: list[str]) -> int:
    from kuyakusho.operations.processes import start_server

    args = _parse(argv)
    configs = [tuple(c.strip().split(":")) for c in args.configs.split(",") if c.strip()]
    wards = {code: _ward(code, args.residents)
             for code in sorted({_code(mode) for mode, _ in configs})}
    results = {"residents": args.residents, "step_seconds": args.step_seconds, "knee_p95_ms": KNEE_P95_MS,
               "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cores": os.cpu_count(), "before": BEFORE,
               "note": args.note or (f"At the start: {common.machine_load()}; the load generator (locust) runs on "
                                     "the same machine."), "configs": []}
    for mode, workers in configs:
        code = _code(mode)
        ward = wards[code]
        server_env = {**ward["env"], "DATABASE_POOL": "1" if mode == "pool" else "0", "CONN_MAX_AGE": "0",
                      "DATABASE_POOL_MAX_SIZE": "10"}
        print(f"== {mode}, {workers} worker(s)", flush=True)
        server = start_server(server_env, log_dir=ward["var"], workers=int(workers), root=ward["root"],
                              ready="/healthz" if code == "current" else "/")
        steps = []
        try:
            # Warm-up, not reported: templates compiled, calendars and the snapshot loaded, connections opened.
            _step(server.url, 10, 15, ward["fixture"], server.process.pid, ward["dbname"])
            for users in _users(args.users, args.then, args.max_users):
                step = _step(server.url, users, args.step_seconds, ward["fixture"], server.process.pid,
                             ward["dbname"])
                steps.append(step)
                print(f"   {users:4d} users: {step['per_s']:7.1f} req/s, "
                      f"resident p95 {step['resident_p95_ms']:7.0f} ms, errors {step['errors']}, "
                      f"CPU app {step['cpu_app_s']} s / db {step['cpu_db_s']} s", flush=True)
                if step["resident_p95_ms"] > KNEE_P95_MS:
                    break
        finally:
            server.stop()
        passed = [s for s in steps if s["resident_p95_ms"] <= KNEE_P95_MS]
        results["configs"].append({"code": code, "pool": mode == "pool",
                                   "workers": int(workers), "steps": steps,
                                   "knee_users": passed[-1]["users"] if passed else None,
                                   "knee_per_s": passed[-1]["per_s"] if passed else None,
                                   "knee_interpolated_users": knee_between(steps)})
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    text = json.dumps(results, ensure_ascii=False, indent=1)
    (RESULTS / f"load-{stamp}.json").write_text(text)
    (RESULTS / "load.json").write_text(text)
    print(table(results))
    return 0


def _users(first: str, then: int, most: int) -> Iterator[int]:
    """The steps: ``first`` (comma separated), then ``then`` more users each time up to ``most`` (the caller
    stops at the knee: a machine that serves more is stepped on until it is found)."""
    users = 0
    for users in (int(u) for u in first.split(",")):
        yield users
    while users + then <= most:
        users += then
        yield users


def knee_between(steps: list[dict]) -> float | None:
    """Where the resident p95 crosses ``KNEE_P95_MS``, by straight line between the last step under it and the
    first over it (the steps are coarse: 100 → 200 users could hide a knee at 110 or at 190)."""
    for below, above in itertools.pairwise(steps):
        low, high = below["resident_p95_ms"], above["resident_p95_ms"]
        if low <= KNEE_P95_MS < high:
            return round(below["users"] + (above["users"] - below["users"]) * (KNEE_P95_MS - low) / (high - low))
    return None


def table(results: dict) -> str:
    lines = ["config            users   req/s  res.p95ms  errors  cpu app/db/gen s"]
    for c in results["configs"]:
        name = f"{'before' if c.get('code') == 'before' else 'pool' if c['pool'] else 'no pool'}, {c['workers']} w"
        for s in c["steps"]:
            lines.append(f"{name:17} {s['users']:5d} {s['per_s']:7.1f} {s['resident_p95_ms']:10.0f} {s['errors']:7d}  "
                         f"{s['cpu_app_s']}/{s['cpu_db_s']}/{s['cpu_load_generator_s']}")
        if c["knee_users"] is not None and c.get("knee_interpolated_users") is None:  # still under the limit
            lines.append(f"{name:17} knee: not reached by {c['knee_users']} users")
            continue
        lines.append(f"{name:17} knee: {c['knee_users']} users, {c['knee_per_s']} req/s "
                     f"(p95 = {KNEE_P95_MS:.0f} ms at ≈ {c['knee_interpolated_users']} users)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
