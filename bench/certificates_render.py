"""Bare certificate rendering and signing: `python -m bench.certificates_render [--n 2000]`.

A typical 住民票の写し (one household of three, 世帯主・続柄 printed), a different household for each document.
Measures, on one core: render only, sign only, render + sign + verify-free (the issuance path) — median, p95 and
per second, with the CPU time of each step beside the wall time (the machine may be shared: CPU time is what the
step costs, wall time what it took); then render + sign on every core at once (processes). Prints a table and
writes bench/results/certificates_render.json (``--out`` for another file).

Rendering is HarfBuzz's shaping and subsetting (uharfbuzz) under our page layout; the signature is built by
pyHanko for the digest of the prepared file.
"""

import argparse
import json
import os
import platform
import statistics
import time
from dataclasses import replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from kuyakusho.certificates.documents import render_certificate, sign_pdf, verify_pdf  # noqa: E402
from kuyakusho.certificates.documents.samples import household, sample_juminhyo  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "certificates_render.json"
SURNAMES = ["髙橋", "山﨑", "𠮷田", "佐藤", "鈴木", "田中", "渡辺", "伊藤", "中村", "小林", "加藤", "吉川", "斎藤",
            "齋藤", "渡邉", "辻\U000e0102", "葛\U000e0102西", "長谷川", "石井", "森"]
GIVEN = ["一郎", "美咲", "𠮷太", "花子", "健", "陽菜", "蓮", "結衣", "大翔", "葵", "悠真", "凛", "湊", "芽依"]


def document(i: int):
    surname = SURNAMES[i % len(SURNAMES)]
    persons = []
    for k, p in enumerate(household()):
        given = GIVEN[(i * 3 + k) % len(GIVEN)]
        persons.append(replace(p, name=f"{surname}　{given}", hitto=f"{surname}　{GIVEN[(i * 3) % len(GIVEN)]}"))
    return sample_juminhyo(number=i, persons=persons)


def _stats(samples: list[float], cpu: list[float]) -> dict[str, Any]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 3),
        "per_second": round(len(ordered) / sum(ordered), 1),
        "cpu_median_ms": round(statistics.median(cpu) * 1000, 3),
        "cpu_per_second": round(len(cpu) / sum(cpu), 1),
    }


def _worker(args: tuple[int, int]) -> tuple[int, float]:
    start, count = args
    render_certificate(document(start))  # warm: font, key, templates
    sign_pdf(render_certificate(document(start)))
    t0 = time.perf_counter()
    for i in range(start, start + count):
        sign_pdf(render_certificate(document(i)))
    return count, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000, help="documents per measurement")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON")
    args = parser.parse_args()
    n = args.n

    t0 = time.perf_counter()
    pdf = sign_pdf(render_certificate(document(0)))
    cold = time.perf_counter() - t0
    assert verify_pdf(pdf).valid

    docs = [document(i) for i in range(n)]
    render_times, sign_times, both_times = [], [], []
    render_cpu, sign_cpu, both_cpu = [], [], []
    sizes = []
    for doc in docs:
        t, c = time.perf_counter(), time.process_time()
        unsigned = render_certificate(doc)
        render_times.append(time.perf_counter() - t)
        render_cpu.append(time.process_time() - c)
        t, c = time.perf_counter(), time.process_time()
        signed = sign_pdf(unsigned)
        sign_times.append(time.perf_counter() - t)
        sign_cpu.append(time.process_time() - c)
        sizes.append(len(signed))
    for doc in docs:
        t, c = time.perf_counter(), time.process_time()
        sign_pdf(render_certificate(doc))
        both_times.append(time.perf_counter() - t)
        both_cpu.append(time.process_time() - c)

    cores = os.cpu_count() or 1
    per_worker = max(1, n // cores)
    with get_context("spawn").Pool(cores) as pool:
        t = time.perf_counter()
        parts = pool.map(_worker, [(k * per_worker, per_worker) for k in range(cores)])
        wall = max(seconds for _, seconds in parts)
    parallel = {"processes": cores, "documents": sum(c for c, _ in parts),
                "per_second": round(sum(c for c, _ in parts) / wall, 1)}

    result: dict[str, Any] = {
        "benchmark": "certificates_render",
        "document": "住民票の写し, household of 3",
        "machine": {"cores": cores, "python": platform.python_version(), "platform": platform.platform()},
        "cold_first_document_ms": round(cold * 1000, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "render": _stats(render_times, render_cpu),
        "sign": _stats(sign_times, sign_cpu),
        "render_and_sign": _stats(both_times, both_cpu),
        "render_and_sign_all_cores": parallel,
        "pdf_bytes_median": int(statistics.median(sizes)),
    }
    rows = [("render", result["render"]), ("sign", result["sign"]), ("render + sign", result["render_and_sign"])]
    print(f"{'step':<16}{'n':>7}{'median ms':>12}{'p95 ms':>10}{'per s (1 core)':>16}{'CPU ms':>10}")
    for label, s in rows:
        print(f"{label:<16}{s['n']:>7}{s['median_ms']:>12.2f}{s['p95_ms']:>10.2f}{s['per_second']:>16.1f}"
              f"{s['cpu_median_ms']:>10.2f}")
    print(f"render + sign on {cores} processes: {parallel['per_second']:.1f} documents/s; "
          f"first document (cold) {result['cold_first_document_ms']} ms; PDF {result['pdf_bytes_median']:,} bytes")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
