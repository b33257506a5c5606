"""Queues benchmark: live fan-out to 2,000 SSE viewers, and ticket issuance throughput.

    .venv/bin/python -m bench.queues [--clients 2000] [--rounds 5] [--no-postgres]

Fan-out: a real uvicorn server (one process) on 127.0.0.1 and a free port, with a scratch database;
N real SSE clients (asyncio sockets) on loopback subscribe to /congestion/events; a ticket is issued
through the public API and the time until each client receives the changed count is measured
(p50 / p95 / max per round). Throughput: tickets per second through `issue_ticket` (the locked
sequence row, the insert and the audit event), sequential and with 8 threads, on SQLite and
PostgreSQL. Results: a table on stdout and bench/results/queues.json. Traffic goes to 127.0.0.1 only;
every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
RESULTS = ROOT / "bench" / "results" / "queues.json"
PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
OFFICE, SERVICE = "nerima", "todoke"
SETUP = """
from datetime import time
from kuyakusho.demo.offices import create_offices
from kuyakusho.offices.models import OpeningRule, Schedule, SpecialDay
create_offices()
s = Schedule.objects.get(code="offices")
SpecialDay.objects.filter(schedule=s).delete()
OpeningRule.objects.create(schedule=s, days="mon,tue,wed,thu,fri,sat,sun,hol", opens=time(0), closes=time(23, 59, 59))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# --- scratch databases ------------------------------------------------------------------------------

@contextlib.contextmanager
def scratch_env(kind: str):
    with tempfile.TemporaryDirectory(prefix="kq-bench-") as var:
        env = {**os.environ, "KUYAKUSHO_VAR": var, "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "config.settings",
               "SECRET_KEY": "bench-only-not-secret", "ALLOWED_HOSTS": "127.0.0.1"}
        env.pop("DATABASE_URL", None)
        dbname = None
        if kind == "postgresql":
            import psycopg

            dbname = f"kuyakusho_bench_{os.getpid()}"
            with psycopg.connect(PG_ADMIN.replace("postgres://", "postgresql://"), autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
                c.execute(f'CREATE DATABASE "{dbname}"')
            env["DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0] + "/" + dbname
        try:
            manage = [PY, str(ROOT / "manage.py")]
            subprocess.run([*manage, "migrate", "-v0", "--noinput"], env=env, check=True, cwd=ROOT,  # noqa: S603
                           timeout=300)
            subprocess.run([*manage, "shell", "-c", SETUP], env=env, check=True, cwd=ROOT, timeout=120)  # noqa: S603
            yield env
        finally:
            if dbname:
                import psycopg

                with psycopg.connect(PG_ADMIN.replace("postgres://", "postgresql://"), autocommit=True) as c:
                    c.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN.replace("postgres://", "postgresql://"), connect_timeout=3):
            return True
    except Exception:
        return False


# --- fan-out ------------------------------------------------------------------------------------------

class Viewer:
    def __init__(self) -> None:
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.waiting: dict[str, int] = {}

    async def connect(self, port: int, timeout: float) -> None:
        self.reader, self.writer = reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port), timeout)
        writer.write(b"GET /congestion/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        if b" 200 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(head[:100])
        while len(self.waiting) < 6:  # the current state of the six offices
            await asyncio.wait_for(self.next_event(), timeout)

    async def next_event(self) -> dict | None:
        assert self.reader is not None, "connect() first"
        while True:
            chunk = await self.reader.readuntil(b"\n\n")
            # Chunked transfer encoding: skip size lines; the event itself is "event: …\\ndata: …".
            text = chunk.decode("utf-8", "replace")
            if "data: " not in text:
                continue
            data = json.loads(text.split("data: ", 1)[1].split("\n", 1)[0])
            self.waiting[data["office"]] = data["waiting"]
            return data

    async def wait_for(self, office: str, count: int, timeout: float) -> float:
        deadline = time.perf_counter() + timeout
        while self.waiting.get(office) != count:
            await asyncio.wait_for(self.next_event(), max(0.01, deadline - time.perf_counter()))
        return time.perf_counter()

    def close(self) -> None:
        if self.writer:
            self.writer.close()


def post_ticket(port: int) -> dict:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/queues/offices/{OFFICE}/tickets",
                                 data=json.dumps({"service": SERVICE}).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:  # noqa: S310 (loopback only)
        return json.loads(r.read())


async def fanout(port: int, clients: int, rounds: int) -> dict:
    viewers = [Viewer() for _ in range(clients)]
    gate = asyncio.Semaphore(100)
    started = time.perf_counter()

    async def connect(v) -> None:
        async with gate:
            await v.connect(port, 60)

    results = await asyncio.gather(*(connect(v) for v in viewers), return_exceptions=True)
    connected = [v for v, r in zip(viewers, results, strict=True) if not isinstance(r, BaseException)]
    connect_seconds = time.perf_counter() - started
    rounds_out = []
    loop = asyncio.get_running_loop()
    for _ in range(rounds):
        expected = connected[0].waiting[OFFICE] + 1
        t0 = time.perf_counter()
        waits = [asyncio.create_task(v.wait_for(OFFICE, expected, 15)) for v in connected]
        await loop.run_in_executor(None, post_ticket, port)
        done = await asyncio.gather(*waits, return_exceptions=True)
        lat = [(t - t0) * 1000 for t in done if isinstance(t, float)]
        rounds_out.append({"received": len(lat), "p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95), "max_ms": max(lat)})
        await asyncio.sleep(0.5)
    for v in viewers:
        v.close()
    return {"clients": clients, "connected": len(connected), "connect_seconds": round(connect_seconds, 1),
            "rounds": rounds_out}


def run_fanout(kind: str, clients: int, rounds: int) -> dict:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, clients * 2 + 512)), hard))
    with scratch_env(kind) as env:
        port = free_port()
        server = subprocess.Popen(  # noqa: S603
            [str(Path(PY).parent / "uvicorn"), "config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
             "--lifespan", "off", "--no-access-log", "--log-level", "warning", "--backlog", "4096",
             "--timeout-graceful-shutdown", "2"],
            env=env, cwd=ROOT)
        try:
            for _ in range(100):
                with contextlib.suppress(OSError):
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/queues/congestion", timeout=2).close()
                    break
                time.sleep(0.2)
            return asyncio.run(fanout(port, clients, rounds))
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()


# --- throughput -----------------------------------------------------------------------------------------

WORKER = """
import json, threading, time
import django
django.setup()
from django.db import connections
from kuyakusho.offices.models import Office, Service
from kuyakusho.queues.services import issue_ticket
o, s = Office.objects.get(code="nerima"), Service.objects.get(code="shomei")
N, T = {n}, {threads}
t0 = time.perf_counter()
for _ in range(N):
    issue_ticket(actor=None, office=o, service=s)
seq = N / (time.perf_counter() - t0)
s2 = Service.objects.get(code="kokuho")
def work():
    try:
        for _ in range(N // T):
            issue_ticket(actor=None, office=o, service=s2)
    finally:
        connections.close_all()
threads = [threading.Thread(target=work) for _ in range(T)]
t0 = time.perf_counter()
[t.start() for t in threads]; [t.join(300) for t in threads]
conc = (N // T * T) / (time.perf_counter() - t0)
from kuyakusho.queues.models import Ticket
numbers = sorted(Ticket.objects.filter(service=s2).values_list("number", flat=True))
print(json.dumps({{"sequential_per_s": round(seq, 1), "concurrent_per_s": round(conc, 1), "threads": T,
                  "no_gaps_no_repeats": numbers == list(range(1, len(numbers) + 1))}}))
"""


def run_throughput(kind: str, n: int = 400, threads: int = 8) -> dict:
    with scratch_env(kind) as env:
        out = subprocess.run([PY, "-c", WORKER.format(n=n, threads=threads)], env=env, cwd=ROOT, check=True,  # noqa: S603
                             capture_output=True, text=True, timeout=600)
        return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    kinds = ["sqlite"] + ([] if args.no_postgres or not postgres_available() else ["postgresql"])
    results: dict = {"fanout": {}, "throughput": {}}
    for kind in kinds:
        results["fanout"][kind] = run_fanout(kind, args.clients, args.rounds)
        results["throughput"][kind] = run_throughput(kind)
    print(f"\nLive fan-out: one uvicorn process, {args.clients} SSE clients on loopback (ms from the API call)")
    print(f"{'database':<11}{'round':>6}{'received':>10}{'p50':>9}{'p95':>9}{'max':>9}")
    for kind, f in results["fanout"].items():
        for i, r in enumerate(f["rounds"], 1):
            print(f"{kind:<11}{i:>6}{r['received']:>10}{r['p50_ms']:>9.0f}{r['p95_ms']:>9.0f}{r['max_ms']:>9.0f}")
        all_p95 = [r["p95_ms"] for r in f["rounds"]]
        f["p95_ms_median_of_rounds"] = statistics.median(all_p95)
        print(f"{'':<11}connected {f['connected']}/{f['clients']} in {f['connect_seconds']}s; "
              f"median p95 {f['p95_ms_median_of_rounds']:.0f} ms")
    print("\nTicket issuance (issue_ticket: sequence lock + insert + audit event)")
    print(f"{'database':<11}{'sequential/s':>14}{'8 threads/s':>14}{'numbers ok':>12}")
    for kind, t in results["throughput"].items():
        print(f"{kind:<11}{t['sequential_per_s']:>14}{t['concurrent_per_s']:>14}{t['no_gaps_no_repeats']!s:>12}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, default=str))
    return results


if __name__ == "__main__":
    main()
