"""Certificates through the one issuance service, beside the bare render of the same documents.

``make bench`` (``python -m bench --only certificates``; also ``python -m bench.certificates``) issues
``--certificates`` (default 10,000) 住民票の写し through ``certificates.services.issuance.issue`` as
convenience-store requests (My Number card + PIN, idempotency key): policy and hours, PIN check with its
lock row, register reads, the record, render, signature, audit event — on ``--certificate-workers``
processes at once (default 2, one per core) for throughput, each call timed for the latency figures.
Then the very same documents (rebuilt from the issued records) are rendered and signed bare, on the same
number of processes, in the same run. A first, single-process pass of ``n/10`` certificates gives the
latency without contention.

Targets (issue 4): ≥ 100 signed certificates/s on this 2-core machine, p95 < 100 ms, service ≤ 2× bare.
The bench database's population comes from the residents area (generated here first if missing); the
issued certificates (their PDFs) are deleted afterwards, their audit events stay (the trail is append-only).
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

#: A Wednesday at 10:00 in Tokyo: every channel open (the service takes ``now``; hours are still checked).
OPEN = datetime(2025, 6, 11, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
TERMINAL = "bench-konbini"
PIN = "1234"


def add_arguments(parser) -> None:
    g = parser.add_argument_group("certificates")
    g.add_argument("--certificates", type=int, default=10_000, help="certificates to issue through the service")
    g.add_argument("--certificate-workers", type=int, default=2, help="processes issuing at once")


def _stats(samples: list[float]) -> dict:
    ms = sorted(s * 1000 for s in samples)
    if not ms:
        return {"n": 0}
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 3),
            "p95_ms": round(ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))], 3)}


def _cards(count: int) -> list[str]:
    """Card numbers of ``count`` bench cards (My Number cards, PIN 1234) for distinct current residents."""
    from kuyakusho.certificates.models import Card, CardKind
    from kuyakusho.certificates.services.cards import pin_mac
    from kuyakusho.residents.models import Resident
    from kuyakusho.residents.selectors import resident_q

    people = list(Resident.objects.filter(resident_q()).order_by("id").values_list("id", flat=True)[:count])
    if not people:
        raise SystemExit("certificates bench: the bench database has no residents")
    numbers = [f"BENCH{i:08d}" for i in range(len(people))]
    have = set(Card.objects.filter(kind=CardKind.MY_NUMBER_CARD, number__startswith="BENCH")
               .values_list("number", flat=True))
    Card.objects.bulk_create([
        Card(kind=CardKind.MY_NUMBER_CARD, number=n, resident_id=rid, pin_mac=pin_mac(n, PIN), issued_on=OPEN.date())
        for n, rid in zip(numbers, people, strict=True) if n not in have], batch_size=2000)
    return [numbers[i % len(numbers)] for i in range(count)]


def _request(card: str, i: int, run_id: str):
    from kuyakusho.certificates.services.issuance import CardIn, IssueRequest

    return IssueRequest(channel="konbini", kind="juminhyo", card=CardIn(card, PIN), whole_household=i % 2 == 0,
                        options=frozenset({"head"}) if i % 3 == 0 else frozenset(), terminal=TERMINAL,
                        idempotency_key=f"{run_id}-{i:06d}")


def _issue_worker(job: tuple[list[tuple[int, str]], str]) -> tuple[list[float], float, list[int], int]:
    """Issue the items; returns the timings, the wall time, the issuance ids and how many failed to render."""
    import django

    django.setup()
    from kuyakusho.audit.context import audit_context
    from kuyakusho.certificates.documents import MissingGlyphError
    from kuyakusho.certificates.services.issuance import issue

    items, run_id = job
    samples, ids, unprintable = [], [], 0
    with audit_context(channel="api", via="bench"):
        started = time.perf_counter()
        for i, card in items:
            t = time.perf_counter()
            try:
                ids.append(issue(_request(card, i, run_id), now=OPEN).pk)
            except MissingGlyphError:  # a name the certificate font cannot print (reported, not timed)
                unprintable += 1
                continue
            samples.append(time.perf_counter() - t)
        wall = time.perf_counter() - started
    from django.db import connections

    connections.close_all()
    return samples, wall, ids, unprintable


def _bare_worker(ids: list[int]) -> tuple[list[float], list[float], float]:
    import django

    django.setup()
    from kuyakusho.certificates.documents import render_certificate, sign_pdf

    docs = _documents(ids)
    from django.db import connections

    connections.close_all()
    render_certificate(docs[0])  # warm, as the service's worker was by its first call
    renders, both = [], []
    started = time.perf_counter()
    for doc in docs:
        t = time.perf_counter()
        pdf = render_certificate(doc)
        r = time.perf_counter()
        sign_pdf(pdf)
        renders.append(r - t)
        both.append(time.perf_counter() - t)
    return renders, both, time.perf_counter() - started


def _documents(ids: list[int]) -> list:
    """The documents the service rendered for these issuances, rebuilt from the records (not timed)."""
    from django.conf import settings
    from django.utils import timezone

    from kuyakusho.certificates.documents import CertificateDocument, mayor_seal_png
    from kuyakusho.certificates.documents.model import CertificateKind
    from kuyakusho.certificates.models import Issuance
    from kuyakusho.certificates.services import content
    from kuyakusho.core.ward import ward
    from kuyakusho.residents.models import Resident

    seal = mayor_seal_png()
    issued = {i.pk: i for i in Issuance.objects.filter(pk__in=ids).defer("pdf")}
    people = Resident.objects.select_related("household").prefetch_related("household__members")
    docs = []
    for pk in ids:
        i = issued[pk]
        by_id = {r.pk: r for r in people.filter(pk__in=i.members)}
        members = [by_id[m] for m in i.members]
        header, sections, attestation = content.register_content(i.kind, members, set(i.options),
                                                                 whole_household=len(members) > 1)
        docs.append(CertificateDocument(
            kind=CertificateKind(i.kind), issue_date=timezone.localdate(i.issued_at), issue_number=i.number,
            verification_code=i.verification_code, base_url=settings.PUBLIC_BASE_URL,
            channel_label="コンビニ交付（bench-konbini）", mayor_name=ward().mayor_name, header=header,
            sections=sections, attestation=attestation, mayor_seal_png=seal))
    return docs


def _split(items: list, parts: int) -> list[list]:
    return [items[k::parts] for k in range(parts)]


def _pool(workers: int):
    from multiprocessing import get_context

    from django.db import connections

    connections.close_all()
    return get_context("spawn").Pool(workers)


def run(args, ctx) -> list[dict]:
    if not ctx.marker.get("generated"):
        from bench.residents import _generate

        _generate(args, ctx)  # the residents area then reuses it
    from kuyakusho.certificates.models import Issuance

    n, workers = args.certificates, args.certificate_workers
    run_id = f"bench-{int(time.time())}"
    cards = _cards(n)
    rows = []

    # 1. One process, no contention: latency of the service beside the bare render of the same documents.
    first = max(1, n // 10)
    samples, _wall, ids, _unprintable = _issue_worker(([(i, cards[i]) for i in range(first)], run_id + "-seq"))
    _renders, bare, _ = _bare_worker(ids)
    s, b = _stats(samples[1:]), _stats(bare[1:])
    rows.append({"benchmark": "issue (1 process)", **s, "bare_median_ms": b["median_ms"], "bare_p95_ms": b["p95_ms"],
                 "ratio_p95": round(s["p95_ms"] / b["p95_ms"], 2), "per_s": round(len(samples) / sum(samples), 1),
                 "note": "bare = render + sign of the same documents"})
    Issuance.objects.filter(pk__in=ids).delete()

    # 2. Every core: throughput, latency under load, and the bare render on as many processes.
    jobs = [(part, run_id) for part in _split(list(enumerate(cards)), workers)]
    with _pool(workers) as pool:
        started = time.perf_counter()
        results = pool.map(_issue_worker, jobs)
        wall = time.perf_counter() - started
    samples = [x for r in results for x in r[0]]
    ids = [x for r in results for x in r[2]]
    unprintable = sum(r[3] for r in results)
    with _pool(workers) as pool:
        started = time.perf_counter()
        bare_results = pool.map(_bare_worker, _split(ids, workers))
        bare_wall = time.perf_counter() - started
    renders = [x for r in bare_results for x in r[0]]
    bare = [x for r in bare_results for x in r[1]]
    # Walls include each worker's start-up (Django, fonts, key); the per-item sums show the steady rate.
    service_rate = len(samples) / max(r[1] for r in results)
    bare_rate = len(bare) / max(r[2] for r in bare_results)
    s, b, r = _stats(samples), _stats(bare), _stats(renders)
    rows.append({"benchmark": f"issue ({workers} processes)", **s, "bare_median_ms": b["median_ms"],
                 "bare_p95_ms": b["p95_ms"], "ratio_p95": round(s["p95_ms"] / b["p95_ms"], 2),
                 "total_s": round(wall, 1), "per_s": round(service_rate, 1),
                 "note": f"bare render+sign {bare_rate:.0f}/s ({bare_wall:.1f} s wall), render only p95 "
                         f"{r['p95_ms']:.1f} ms; service/bare throughput {bare_rate / service_rate:.2f}×"
                         + (f"; {unprintable} refused: a glyph missing from the font" if unprintable else "")})
    Issuance.objects.filter(pk__in=ids).delete()
    return rows


if __name__ == "__main__":
    from bench.__main__ import main

    raise SystemExit(main(["--only", "certificates", *sys.argv[1:]]))
