"""「空いている時間帯」: the average wait by weekday and hour from past tickets, as a table and an SVG chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db.models import Avg, Count
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from kuyakusho.offices.models import DAY_LABELS, Office

from .models import Ticket

TOKYO = ZoneInfo("Asia/Tokyo")
WEEKDAYS = [1, 2, 3, 4, 5, 6]  # ISO: Monday … Saturday (the counters do not open on Sundays)
HOURS = list(range(8, 19))
DAY_KEYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@dataclass(frozen=True)
class Cell:
    minutes: int | None
    tickets: int


def best_time(office: Office, *, weeks: int = 12) -> dict:
    """{"rows": [(weekday label, [Cell per hour])], "hours": [...], "tickets": n, "weeks": weeks} (cached 10 min)."""
    key = f"queues:best_time:{office.pk}:{weeks}:{timezone.localdate()}"
    grid = cache.get(key)
    if grid is None:
        since = timezone.now() - timedelta(weeks=weeks)
        rows = (Ticket.objects.filter(office=office, issued_at__gte=since, wait_seconds__isnull=False,
                                      transferred_from__isnull=True)
                .annotate(wd=ExtractIsoWeekDay("issued_at", tzinfo=TOKYO), hr=ExtractHour("issued_at", tzinfo=TOKYO))
                .values("wd", "hr").annotate(avg=Avg("wait_seconds"), n=Count("id")))
        grid = {(r["wd"], r["hr"]): (round(r["avg"] / 60), r["n"]) for r in rows}
        cache.set(key, grid, 600)
    table = []
    for wd in WEEKDAYS:
        cells = [Cell(*grid[(wd, h)]) if (wd, h) in grid else Cell(None, 0) for h in HOURS]
        table.append((str(DAY_LABELS[DAY_KEYS[wd - 1]]), cells))
    return {"rows": table, "hours": HOURS, "tickets": sum(n for _m, n in grid.values()), "weeks": weeks}


def _shade(minutes: int | None) -> str:
    # Light to dark blue; every label is drawn in a colour with ≥ 4.5:1 contrast on its cell.
    if minutes is None:
        return "#f2f2f2"
    for limit, colour in ((10, "#e8f1fe"), (20, "#c5d7fb"), (40, "#7096f8"), (60, "#3460fb")):
        if minutes < limit:
            return colour
    return "#0017c1"


def chart_svg(data: dict) -> SafeString:
    """A heat-map chart: weekdays down, hours across, darker = longer wait; minutes written in each cell."""
    cw, ch, left, top = 56, 40, 56, 32
    width, height = left + cw * len(data["hours"]) + 8, top + ch * len(data["rows"]) + 8
    title = _("曜日・時間帯別の平均待ち時間（分）")
    parts = [f'<svg class="best-time-chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-labelledby="best-time-title" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="best-time-title">{escape(title)}</title>']
    for i, h in enumerate(data["hours"]):
        parts.append(f'<text x="{left + i * cw + cw / 2}" y="{top - 10}" text-anchor="middle" '
                     f'font-size="14" fill="#1a1a1a">{h}:00</text>')
    for j, (label, cells) in enumerate(data["rows"]):
        y = top + j * ch
        parts.append(f'<text x="{left - 10}" y="{y + ch / 2 + 5}" text-anchor="end" font-size="16" '
                     f'fill="#1a1a1a">{escape(label)}</text>')
        for i, cell in enumerate(cells):
            x = left + i * cw
            fill = _shade(cell.minutes)
            ink = "#ffffff" if cell.minutes is not None and cell.minutes >= 40 else "#1a1a1a"
            text = "–" if cell.minutes is None else str(cell.minutes)
            tip = _("%(day)s %(hour)s時台: %(text)s") % {
                "day": label, "hour": data["hours"][i],
                "text": _("データなし") if cell.minutes is None else _("平均%(m)s分") % {"m": cell.minutes}}
            parts.append(f'<g><title>{escape(tip)}</title><rect x="{x + 1}" y="{y + 1}" width="{cw - 2}" '
                         f'height="{ch - 2}" rx="4" fill="{fill}"/><text x="{x + cw / 2}" y="{y + ch / 2 + 6}" '
                         f'text-anchor="middle" font-size="16" fill="{ink}">{text}</text></g>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (numbers and escaped labels only)
