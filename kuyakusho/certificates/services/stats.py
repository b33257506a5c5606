"""Issuance statistics: counts and fees by certificate type × channel × office × month (Tokyo time).

One aggregate query; no personal data (the figures feed the analytics and open data that come later).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.errors import ApplicationError, ErrorCode

from ..models import Issuance, Status

MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class StatRow:
    month: date
    kind: str
    channel: str
    office_id: int | None
    office_code: str
    office_name: str
    count: int
    revoked: int
    fees: int


@dataclass(frozen=True)
class Stats:
    date_from: date
    date_to: date
    rows: list[StatRow]

    @property
    def total_count(self) -> int:
        return sum(r.count for r in self.rows)

    @property
    def total_revoked(self) -> int:
        return sum(r.revoked for r in self.rows)

    @property
    def total_fees(self) -> int:
        return sum(r.fees for r in self.rows)


def _start(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time.min))


def issuance_stats(*, date_from: date, date_to: date, channel: str | None = None,
                   office_id: int | None = None) -> Stats:
    """Certificates issued from ``date_from`` to ``date_to`` (inclusive, Tokyo dates)."""
    if date_to < date_from:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("終了日は開始日より後にしてください。"), field="date_to")
    if (date_to - date_from).days > MAX_DAYS:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("集計できる期間は3年までです。"), field="date_from")
    qs = Issuance.objects.filter(issued_at__gte=_start(date_from), issued_at__lt=_start(date_to + timedelta(days=1)))
    if channel:
        qs = qs.filter(channel=channel)
    if office_id:
        qs = qs.filter(office_id=office_id)
    rows = (
        qs.annotate(month=TruncMonth("issued_at", tzinfo=timezone.get_default_timezone()))
        .values("month", "kind", "channel", "office_id", "office__code", "office__name_ja")
        .annotate(count=Count("id"), revoked=Count("id", filter=Q(status=Status.REVOKED)), fees=Sum("fee"))
        .order_by("month", "kind", "channel", "office_id")
    )
    result = []
    for r in rows:
        month = r["month"]
        if isinstance(month, datetime):
            month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
        result.append(StatRow(month=month, kind=r["kind"], channel=r["channel"], office_id=r["office_id"],
                              office_code=r["office__code"] or "", office_name=r["office__name_ja"] or "",
                              count=r["count"], revoked=r["revoked"], fees=r["fees"] or 0))
    return Stats(date_from=date_from, date_to=date_to, rows=result)
