"""Demo reports for the demo ward and the benchmarks: ``manage.py demo_reports --count N`` (and a few hundred
from ``demo_ward``). Places are random points inside the ward's boundary, spread over the last two years, in
every category and status, most of them published; their 町丁目 is the nearest town's. Written in bulk (one
audit event for the batch: they are synthetic, nobody's report)."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import shapely
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from kuyakusho.audit.services import record_write
from kuyakusho.residents.addresses import chome_table

from . import geo, photos
from .models import OPEN, Category, Photo, Report, Status, StatusChange

BATCH = 5000
DESCRIPTIONS = {
    "streetlight": ["街路灯が夜になっても点きません。", "防犯灯がちらついています。", "街路灯の柱が傾いています。"],
    "road": ["道路に穴があいていて自転車が危ないです。", "歩道の段差が大きくなっています。",
             "カーブミラーが曲がっています。"],
    "park": ["ブランコの鎖がさびて切れそうです。", "ベンチの板が割れています。", "公園のトイレの水が止まりません。"],
    "facility": ["区民館の自動ドアが開きにくいです。", "施設の手すりがぐらついています。"],
    "dumping": ["空き地に粗大ごみが捨てられています。", "集積所以外にごみ袋が置かれたままです。"],
    "other": ["道路標識が見えにくくなっています。", "側溝のふたが外れています。"],
    "good-deed": ["町会で公園の清掃をしました。", "通学路の花壇に花を植えました。"],
}
NOTES: dict[str, str] = {
    Status.CHECKING: "現地を確認します。", Status.PLANNED: "補修の手配をしました。", Status.IN_PROGRESS: "作業中です。",
    Status.FIXED: "対応しました。ご報告ありがとうございました。",
    Status.NOT_FIXABLE: "私有地のため区では対応できません。",
    Status.REFERRED: "管理者に引き継ぎました。",
}
WEIGHTS = [(Status.RECEIVED, 8), (Status.CHECKING, 6), (Status.PLANNED, 5), (Status.IN_PROGRESS, 5),
           (Status.FIXED, 66), (Status.NOT_FIXABLE, 4), (Status.REFERRED, 6)]


@dataclass(frozen=True)
class Generated:
    reports: int
    seconds: float


def random_points(n: int, rng: random.Random) -> list[tuple[float, float]]:
    """``n`` (lat, lon) uniformly inside the ward (rejection sampling in the boundary's bounding box)."""
    boundary = geo.boundary()
    minx, miny, maxx, maxy = boundary.bounds
    shapely.prepare(boundary)
    out: list[tuple[float, float]] = []
    while len(out) < n:
        xs = [rng.uniform(minx, maxx) for _ in range(n)]
        ys = [rng.uniform(miny, maxy) for _ in range(n)]
        inside = shapely.contains_xy(boundary, xs, ys)
        out += [(y, x) for x, y, ok in zip(xs, ys, inside, strict=True) if ok]
    return out[:n]


def _towns(points: list[tuple[float, float]]) -> list[str]:
    chomes = list(chome_table().values())
    tree = shapely.STRtree([shapely.Point(c.lon, c.lat) for c in chomes])
    nearest = tree.nearest([shapely.Point(lon, lat) for lat, lon in points])
    return [chomes[i].label for i in nearest]


def _photo(rng: random.Random) -> photos.Processed:
    image = Image.new("RGB", (640, 480), (rng.randrange(80, 200), rng.randrange(80, 200), rng.randrange(80, 200)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(0, 600), rng.randrange(0, 440)
        draw.rectangle([x, y, x + rng.randrange(20, 200), y + rng.randrange(20, 120)],
                       fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return photos.process(out.getvalue())


def generate(*, count: int, seed: int = 1, now: datetime | None = None, with_photos: int = 0) -> Generated:
    import time

    started = time.perf_counter()
    rng = random.Random(seed)
    now = now or timezone.now()
    categories = list(Category.objects.filter(active=True))
    if not categories:
        raise ValueError("no report categories: run migrate")
    statuses, weights = zip(*WEIGHTS, strict=True)
    made = 0
    for start in range(0, count, BATCH):
        n = min(BATCH, count - start)
        points = random_points(n, rng)
        towns = _towns(points)
        rows, changes = [], []
        for (lat, lon), town in zip(points, towns, strict=True):
            category = rng.choice(categories)
            status = rng.choices(statuses, weights)[0]
            created = now - timedelta(seconds=rng.randrange(0, 730 * 86400))
            fixed = (created + timedelta(hours=rng.randrange(6, 24 * 40))) if status == Status.FIXED else None
            if fixed and fixed > now:
                fixed = now
            text = rng.choice(DESCRIPTIONS.get(category.code, DESCRIPTIONS["other"]))
            rows.append(Report(
                category=category, status=status, lat=lat, lon=lon, cell=geo.cell(lat, lon), town=town,
                description=text, public_text=text,
                published=rng.random() < 0.85, published_at=created, me_too=rng.choice([0, 0, 0, 1, 2, 5]),
                created_at=created, updated_at=fixed or created, due_at=created + timedelta(days=category.sla_days),
                fixed_at=fixed, referred_to="東京都第四建設事務所" if status == Status.REFERRED else "",
                reason="私有地のため" if status == Status.NOT_FIXABLE else "", status_note=NOTES.get(status, "")))
        with transaction.atomic():
            created_rows = Report.objects.bulk_create(rows, batch_size=1000)
            for r in created_rows:
                changes.append(StatusChange(report=r, to_status=Status.RECEIVED, created_at=r.created_at))
                if r.status != Status.RECEIVED:
                    changes.append(StatusChange(report=r, from_status=Status.RECEIVED, to_status=r.status,
                                                note=NOTES.get(r.status, ""), created_at=r.updated_at))
            StatusChange.objects.bulk_create(changes, batch_size=2000)
            record_write(actor=None, action="reports.demo_generate", detail={"count": n, "seed": seed})
        made += n
    if with_photos:
        targets = list(Report.objects.filter(published=True, status__in=list(OPEN)).order_by("-created_at")
                       .values_list("pk", flat=True)[:with_photos])
        Photo.objects.bulk_create([Photo(report_id=pk, data=p.data, thumb=p.thumb, width=p.width, height=p.height)
                                   for pk in targets for p in [_photo(rng)]])
    return Generated(reports=made, seconds=time.perf_counter() - started)


def create_demo_reports(count: int = 300) -> Generated | None:
    """The demo ward's reports (only into an empty table)."""
    if Report.objects.exists():
        return None
    return generate(count=count, seed=7, with_photos=min(count, 40))
