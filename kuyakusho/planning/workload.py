"""Workload: what the counters, the register and the certificate channels already record, as tables for charts.

Each ``Table`` is an aggregate (counts, medians) with the chart that draws it; pages show the chart, the table
beside it and a CSV download of the same rows. Counts under the small-cell threshold are suppressed in the
tables and the CSV (``suppression.suppress``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kuyakusho.certificates.models import Channel, Issuance
from kuyakusho.offices.hours import TOKYO
from kuyakusho.offices.models import Office, Service
from kuyakusho.queues.models import Status, Ticket
from kuyakusho.residents.models import Event, EventKind

from .suppression import suppress

Cell = str | int | float | None
NIGHT_FROM_HOUR = 17  # weekday night counters: 17:00–19:00
NOTIFICATION_KINDS = (EventKind.MOVE_IN, EventKind.MOVE_WITHIN, EventKind.MOVE_OUT, EventKind.HEAD_CHANGE,
                      EventKind.SPLIT, EventKind.MERGE, EventKind.ABROAD_IN, EventKind.ABROAD_OUT)


@dataclass(slots=True)
class Table:
    """One aggregate table and the chart drawn from it: columns[0] is the category axis, the rest are series."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    chart: str = "bar"  # bar | stacked | line | share
    unit: str = ""
    counts: bool = True  # cells are counts (suppressed under the threshold)

    def suppressed(self) -> list[list[Cell]]:
        if not self.counts:
            return self.rows
        return [[row[0], *[suppress(v) if isinstance(v, int) else v for v in row[1:]]] for row in self.rows]

    def chart_data(self) -> dict[str, object]:
        rows = self.suppressed()
        return {"type": self.chart, "title": self.title, "unit": self.unit,
                "categories": [str(r[0]) for r in rows],
                "series": [{"name": name, "data": [r[i + 1] for r in rows]} for i, name in enumerate(self.columns[1:])]}


@dataclass(frozen=True, slots=True)
class Period:
    date_from: datetime.date
    date_to: datetime.date  # inclusive
    office: Office | None = None


def _tickets(p: Period) -> QuerySet[Ticket]:
    qs = Ticket.objects.filter(day__gte=p.date_from, day__lte=p.date_to, transferred_from__isnull=True)
    return qs.filter(office=p.office) if p.office else qs


def _months(p: Period) -> list[datetime.date]:
    out, d = [], p.date_from.replace(day=1)
    while d <= p.date_to:
        out.append(d)
        d = (d + datetime.timedelta(days=32)).replace(day=1)
    return out


def _month_key(value: datetime.date | datetime.datetime) -> datetime.date:
    return value.date().replace(day=1) if isinstance(value, datetime.datetime) else value.replace(day=1)


def visits_by_office_month(p: Period) -> Table:
    offices = list(Office.objects.filter(pk=p.office.pk) if p.office else
                   Office.objects.filter(services__isnull=False).distinct().order_by("sort_order", "code"))
    counts = {(o, _month_key(m)): n for o, m, n in _tickets(p).annotate(m=TruncMonth("day"))
              .values_list("office_id", "m").annotate(n=Count("id")).order_by()}
    return Table(key="visits", title=_("事務所別・月別の来庁者数（番号札）"), chart="stacked", unit=_("人"),
                 columns=[_("月"), *[o.name for o in offices]],
                 rows=[[f"{m:%Y-%m}", *[counts.get((o.pk, m), 0) for o in offices]] for m in _months(p)])


def hourly_matrix(p: Period) -> dict[tuple[int, int], int]:
    """Tickets by (ISO weekday 1–7, hour) in Tokyo time."""
    return {(wd, h): n for wd, h, n in _tickets(p).annotate(
        wd=ExtractIsoWeekDay("issued_at", tzinfo=TOKYO), h=ExtractHour("issued_at", tzinfo=TOKYO))
        .values_list("wd", "h").annotate(n=Count("id")).order_by()}


def weekday_names() -> list[str]:
    return [pgettext("曜日", "月"), pgettext("曜日", "火"), pgettext("曜日", "水"), pgettext("曜日", "木"),
            pgettext("曜日", "金"), pgettext("曜日", "土"), pgettext("曜日", "日")]


def visits_by_hour(matrix: dict[tuple[int, int], int]) -> Table:
    hours = sorted({h for _wd, h in matrix}) or list(range(8, 20))
    names = weekday_names()
    return Table(key="hours", title=_("曜日・時間帯別の来庁者数"), chart="bar", unit=_("人"),
                 columns=[_("時"), *names],
                 rows=[[f"{h}:00", *[matrix.get((wd, h), 0) for wd in range(1, 8)]] for h in hours])


def night_and_saturday(matrix: dict[tuple[int, int], int]) -> Table:
    total = sum(matrix.values())
    night = sum(n for (wd, h), n in matrix.items() if wd <= 5 and h >= NIGHT_FROM_HOUR)
    saturday = sum(n for (wd, _h), n in matrix.items() if wd == 6)
    return Table(key="night", title=_("夜間窓口・土曜窓口の利用"), chart="share", unit=_("人"),
                 columns=[_("区分"), _("人数"), _("割合（％）")],
                 rows=[[_("平日夜間（17時以降）"), night, round(100 * night / total, 1) if total else 0.0],
                       [_("土曜日"), saturday, round(100 * saturday / total, 1) if total else 0.0],
                       [_("その他"), total - night - saturday,
                        round(100 * (total - night - saturday) / total, 1) if total else 0.0]])


def _quantile(qs: QuerySet[Ticket], n: int, q: float) -> int | None:
    if not n:
        return None
    k = min(n - 1, max(0, int(q * n + 0.5) - 1)) if q < 1 else n - 1
    return qs.order_by("service_seconds").values_list("service_seconds", flat=True)[k]


def service_times(p: Period) -> Table:
    """Median and 90th percentile of the service time (call → done) by service, in minutes."""
    rows: list[list[Cell]] = []
    for s in Service.objects.order_by("sort_order", "code"):
        qs = _tickets(p).filter(service=s, status=Status.DONE, service_seconds__isnull=False)
        n = qs.count()
        if not n:
            continue
        med, p90 = _quantile(qs, n, 0.5), _quantile(qs, n, 0.9)
        rows.append([s.name, round((med or 0) / 60, 1), round((p90 or 0) / 60, 1), n])
    return Table(key="service_times", title=_("業務別の処理時間（中央値・90パーセンタイル）"), chart="bar",
                 unit=_("分"), columns=[_("業務"), _("中央値（分）"), _("90パーセンタイル（分）"), _("件数")],
                 rows=rows, counts=False)


def notifications_by_office_month(p: Period) -> Table:
    qs = Event.objects.filter(notified_on__gte=p.date_from, notified_on__lte=p.date_to, kind__in=NOTIFICATION_KINDS,
                              cancels__isnull=True)
    if p.office:
        qs = qs.filter(office=p.office)
    offices = {o.pk: o.name for o in Office.objects.all()}
    counts = {(o, _month_key(m)): n for o, m, n in qs.annotate(m=TruncMonth("notified_on"))
              .values_list("office_id", "m").annotate(n=Count("id")).order_by()}
    used = sorted({o for o, _m in counts}, key=lambda o: (o is None, o or 0))
    return Table(key="notifications", title=_("事務所別・月別の届出件数"), chart="stacked", unit=_("件"),
                 columns=[_("月"), *[offices.get(o, "") if o else _("事務所の記録なし") for o in used]],
                 rows=[[f"{m:%Y-%m}", *[counts.get((o, m), 0) for o in used]] for m in _months(p)])


def issuances_by_channel_month(p: Period) -> tuple[Table, Table]:
    """Issuances by channel and month, and each channel's share of the month (the channel shift)."""
    start = datetime.datetime.combine(p.date_from, datetime.time.min, TOKYO)
    end = datetime.datetime.combine(p.date_to + datetime.timedelta(days=1), datetime.time.min, TOKYO)
    qs = Issuance.objects.filter(issued_at__gte=start, issued_at__lt=end)
    if p.office:
        qs = qs.filter(office=p.office)
    counts = {(c, _month_key(m)): n for c, m, n in qs.annotate(m=TruncMonth("issued_at", tzinfo=TOKYO))
              .values_list("channel", "m").annotate(n=Count("id")).order_by()}
    channels = list(Channel)
    months = _months(p)
    rows: list[list[Cell]] = [[f"{m:%Y-%m}", *[counts.get((c.value, m), 0) for c in channels]] for m in months]
    shares: list[list[Cell]] = []
    for m in months:
        total = sum(counts.get((c.value, m), 0) for c in channels)
        shares.append([f"{m:%Y-%m}", *[round(100 * counts.get((c.value, m), 0) / total, 1) if total else 0.0
                                       for c in channels]])
    labels = [str(c.label) for c in channels]
    return (Table(key="channels", title=_("交付方法別・月別の交付件数"), chart="stacked", unit=_("件"),
                  columns=[_("月"), *labels], rows=rows),
            Table(key="channel_shift", title=_("交付方法の割合の推移（％）"), chart="line", unit="%",
                  columns=[_("月"), *labels], rows=shares, counts=False))


def workload(p: Period) -> list[Table]:
    matrix = hourly_matrix(p)
    channels, shift = issuances_by_channel_month(p)
    return [visits_by_office_month(p), visits_by_hour(matrix), night_and_saturday(matrix), service_times(p),
            notifications_by_office_month(p), channels, shift]
