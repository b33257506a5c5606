"""Street reports (ねりまちレポーター) at the size of a busy ward.

``python -m bench --only reports [--reports 100000]`` fills the bench database with that many demo reports
(``manage.py demo_reports``'s generator; reused while the count matches), then times:

* the 50 m duplicate check (``selectors.duplicates``) at random places in the ward;
* the public map's data for the whole ward (clusters) and for a street-level view (points), through
  Django's whole request stack (``/reports/map.json``);
* Open311 ``GET requests.json`` (the default 90 days, up to 1,000 requests) and with filters;
* photo processing: a 12-megapixel JPEG and a 12-megapixel HEIC read, turned, shrunk, re-encoded without
  metadata and stored (``photos.process`` and the ``Photo`` row). The HEIC is made as an iPhone writes one: the
  sensor's 4032×3024 pixels in a grid of 48 HEVC tiles of 512×512 (4:2:0, about 2.2 MB), the phone held upright
  (EXIF orientation 6, stored as a rotation the decoder applies), EXIF with GPS, XMP and a 320 px thumbnail;
  libheif decodes the tiles in parallel. For comparison the same picture as a single HEVC image (as some
  converters write it), which decodes on one core whatever the number of cores.

Targets (issue 15): duplicate check p95 < 20 ms, map data p95 < 200 ms, GET requests p95 < 100 ms at 100,000
reports; each photo < 300 ms (the single-image HEIC is shown against it too, for the record).
"""

from __future__ import annotations

import io
import os
import random
import time


def add_arguments(parser) -> None:
    g = parser.add_argument_group("reports")
    g.add_argument("--reports", type=int, default=100_000, help="reports in the bench database")
    g.add_argument("--report-samples", type=int, default=200, help="timed calls per measurement")


def _ensure(ctx, args) -> dict:
    count = args.reports
    from kuyakusho.audit.context import audit_context
    from kuyakusho.reports.demo import generate
    from kuyakusho.reports.models import Report

    have = Report.objects.count()
    if ctx.marker.get("reports") == count and have >= count:
        return {"benchmark": "generate reports (reused)", "n": have, "note": "built earlier; --fresh to rebuild"}
    start = time.perf_counter()
    with audit_context(channel="system", via="bench"):
        generate(count=count - have, seed=15, with_photos=0) if count > have else None
    # the keys bench.common.prepare compares (the database is kept while they match), and this area's own
    ctx.save_marker(residents=ctx.residents, seed=getattr(args, "seed", None), reports=count)
    seconds = time.perf_counter() - start
    return {"benchmark": "generate reports", "n": count - have, "total_s": round(seconds, 1),
            "per_s": round((count - have) / seconds, 1) if seconds else None}


class CpuTimer:
    """Wall time (``bench.common.Timer``) and this process's CPU time of each call: on a machine shared with other
    builds the wall time also counts their turns; the CPU time is the work done here (on SQLite the database's
    work too; on PostgreSQL the server's work is not in it)."""

    def __init__(self):
        from bench.common import Timer

        self.timer, self.cpu = Timer(), []

    def time(self, fn, *a, **kw):
        before = time.process_time()
        result = self.timer.time(fn, *a, **kw)
        self.cpu.append(time.process_time() - before)
        return result

    def summary(self) -> dict:
        return self.timer.summary()

    def cpu_note(self) -> str:
        cpu = sorted(self.cpu)
        if not cpu:
            return ""
        p95 = cpu[min(len(cpu) - 1, round(0.95 * (len(cpu) - 1)))]
        return f"; CPU median {cpu[len(cpu) // 2] * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def _row(name: str, timer, target_ms: float, extra: str = "") -> dict:
    s = timer.summary()
    ok = s.get("p95_ms", 1e9) < target_ms
    cpu = timer.cpu_note() if isinstance(timer, CpuTimer) else ""
    note = (f"target p95 < {target_ms:g} ms: {'met' if ok else 'NOT met'}{extra}{cpu}; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return {"benchmark": name, **s, "note": note}


def _street_photo(width: int, height: int, seed: int):
    """A synthetic photo with a phone photo's file size: a sky and road gradient, shapes with edges, and sensor
    noise (pure noise would be several times the size of any real photo)."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    sky = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image = Image.blend(sky, Image.new("RGB", (width, height), (90, 120, 170)), 0.6)
    draw = ImageDraw.Draw(image)
    for _ in range(400):
        x, y = rng.randrange(width), rng.randrange(height)
        draw.rectangle([x, y, x + rng.randrange(10, 400), y + rng.randrange(10, 300)],
                       fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    noise = Image.effect_noise((width, height), 24).convert("RGB")
    return Image.blend(image, noise, 0.12)


def _photos(samples: int) -> list[dict]:
    import pillow_heif
    from django.db import transaction
    from PIL import Image

    from kuyakusho.reports import photos
    from kuyakusho.reports.models import Photo, Report

    image = _street_photo(4000, 3000, 1)
    exif = Image.Exif()
    exif[0x0112] = 6  # taken upright: turned on the way in
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    jpeg = out.getvalue()
    image = _street_photo(4032, 3024, 1)
    exif[0x8825] = {1: "N", 2: (35.0, 44.0, 8.2), 3: "E", 4: (139.0, 39.0, 5.9)}
    heif = pillow_heif.from_bytes("RGB", image.size, image.tobytes())  # the pixels as the sensor saw them
    heif[0].info["exif"] = exif.tobytes()  # orientation 6: written as the rotation (irot) the decoder applies
    heif[0].info["xmp"] = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"/>'
    heics = []
    for tile_size in (512, 0):
        out = io.BytesIO()
        heif.save(out, quality=55, chroma=420, tile_size=tile_size, thumbnails=[320])  # about 2.2 MB
        heics.append(out.getvalue())
    report = Report.objects.order_by("id").first()
    rows = []
    for name, raw in (("photo 12 MP JPEG", jpeg), ("photo 12 MP HEIC (iPhone: 48 tiles)", heics[0]),
                      ("photo 12 MP HEIC (single image, for comparison)", heics[1])):
        timer = CpuTimer()

        def one(raw=raw):
            p = photos.process(raw)
            with transaction.atomic():
                photo = Photo.objects.create(report=report, data=p.data, thumb=p.thumb, width=p.width,
                                             height=p.height)
            Photo.objects.filter(pk=photo.pk).delete()

        for _ in range(samples):
            timer.time(one)
        rows.append(_row(name, timer, 300, f"; file {len(raw) / 1e6:.1f} MB (CPU of every decoder thread)"))
    return rows


def run(args, ctx) -> list[dict]:
    import logging

    from django.test import Client

    from kuyakusho.reports import selectors
    from kuyakusho.reports.demo import random_points
    from kuyakusho.reports.models import Category

    logging.getLogger("kuyakusho.request").setLevel(logging.WARNING)
    rows = [_ensure(ctx, args)]
    print(rows[-1], flush=True)
    rng = random.Random(15)
    n = args.report_samples
    codes = list(Category.objects.filter(kind="problem").values_list("code", flat=True))
    points = random_points(n, rng)

    timer = CpuTimer()
    found = 0
    for lat, lon in points:
        found += len(timer.time(selectors.duplicates, category=rng.choice(codes), lat=lat, lon=lon))
    rows.append(_row("duplicate check 50 m", timer, 20, f"; {found / n:.1f} found on average"))
    print(rows[-1], flush=True)

    client = Client(SERVER_NAME="127.0.0.1")
    timer = CpuTimer()
    for _ in range(max(20, n // 4)):
        r = timer.time(client.get, "/reports/map.json")
        assert r.status_code == 200
    rows.append(_row("map data, whole ward (clusters)", timer, 200,
                     f"; {len(r.json()['cells'])} cells"))
    print(rows[-1], flush=True)
    timer = CpuTimer()
    for lat, lon in points[: max(20, n // 4)]:
        bbox = f"{lat - 0.003},{lon - 0.004},{lat + 0.003},{lon + 0.004}"
        r = timer.time(client.get, "/reports/map.json", {"bbox": bbox})
        assert r.status_code == 200
    rows.append(_row("map data, street view (points)", timer, 200))
    print(rows[-1], flush=True)

    for name, params in (("Open311 GET requests (90 days, ≤1000)", {}),
                         ("Open311 GET requests status=open&service_code", {"status": "open",
                                                                            "service_code": "streetlight"})):
        timer = CpuTimer()
        for _ in range(max(20, n // 4)):
            r = timer.time(client.get, "/open311/v2/requests.json", params)
            assert r.status_code == 200
        rows.append(_row(name, timer, 100, f"; {len(r.json())} requests each"))
        print(rows[-1], flush=True)
    timer = CpuTimer()
    for _ in range(max(20, n // 8)):
        timer.time(client.get, "/open311/v2/requests.xml")
    rows.append(_row("Open311 GET requests.xml (90 days, ≤1000)", timer, 100))
    print(rows[-1], flush=True)

    rows += _photos(max(5, n // 20))
    for r in rows[-3:]:
        print(r, flush=True)
    return rows
