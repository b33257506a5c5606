"""The resident register at the ward's size.

1. Generation of the synthetic ward (``demo_ward``'s generator) when the bench database is empty or
   was built for another size: time and peak memory.
2. Search latency per search kind through ``residents.selectors.search_residents`` (validation, query,
   paging, audit record of the read) against the bare SQL query for the same page, in the same run.
3. A year of Nerima's notifications replayed through ``residents.services`` (FY2012: 32,186 転入,
   30,191 転出, 14,925 転居; about 5,000 births, 6,500 deaths and 3,000 household changes), scaled by
   ``--year`` (1 = the whole year): total time and notifications per second; with ``--workers N``
   (PostgreSQL), N processes file at once, as the ward's counters do, and the wall-clock rate is reported.
"""

from __future__ import annotations

import random
import time
from datetime import date

YEAR = {"move_in": 32_186, "move_out": 30_191, "move_within": 14_925, "birth": 5_000, "death": 6_500,
        "household": 3_000}


def add_arguments(parser) -> None:
    g = parser.add_argument_group("residents")
    g.add_argument("--residents", type=int, default=50_000, help="size of the synthetic ward (740000 for Nerima)")
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--searches", type=int, default=200, help="queries per search kind")
    g.add_argument("--year", type=float, default=0.02, help="share of a year of notifications to replay (1 = all)")
    g.add_argument("--workers", type=int, default=1,
                   help="replay on this many processes at once, each its own households (PostgreSQL only)")
    g.add_argument("--replay-statements", action="store_true",
                   help="also time each statement of the replay (through Django's cursor wrapper: slower)")


def run(args, ctx) -> list[dict]:
    rows = []
    if not ctx.marker.get("generated"):
        rows.append(_generate(args, ctx))
    else:
        rows.append({"benchmark": "generate (reused)", "n": ctx.marker["residents"],
                     "total_s": ctx.marker.get("seconds"), "note": "built earlier; --fresh to rebuild"})
    from bench._residents_search import search_rows

    rows += search_rows(args)
    if args.year > 0:
        from bench._residents_replay import replay

        rows += replay(args)
    return rows


def _generate(args, ctx) -> dict:
    from django.db import connection

    from kuyakusho.audit.context import audit_context
    from kuyakusho.demo.population.writer import generate

    with audit_context(channel="system", via="bench"):
        totals = generate(residents=args.residents, seed=args.seed, today=date.today())
    with connection.cursor() as cursor:  # planner statistics, as a DBA would after a bulk load
        started = time.perf_counter()
        cursor.execute("ANALYZE")
        analyze = time.perf_counter() - started
    ctx.save_marker(generated=True, residents=args.residents, seed=args.seed, seconds=totals.seconds)
    return {"benchmark": "generate", "n": totals.residents, "total_s": totals.seconds,
            "per_s": round(totals.residents / totals.seconds) if totals.seconds else None,
            "note": f"{totals.households:,} households, {totals.removed:,} 除票, {totals.events:,} events, "
                    f"peak RSS {totals.peak_rss_mb:.0f} MB, ANALYZE {analyze:.1f} s"}


def bench_clerk():
    from kuyakusho.accounts.capabilities import Role
    from kuyakusho.accounts.models import Staff

    clerk, _ = Staff.objects.get_or_create(username="bench-clerk",
                                           defaults={"display_name": "bench", "role": Role.SUPERVISOR})
    return clerk


def sample_rng(args, salt: str) -> random.Random:
    return random.Random(f"{args.seed}-{salt}")
