"""Issuance statistics: type × channel × office × month, as a table and as CSV."""

from __future__ import annotations

import csv
from datetime import date

from django.http import HttpResponse
from django.utils import timezone

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.core.access import staff
from kuyakusho.core.actions import add_refusal
from kuyakusho.core.errors import ApplicationError

from ..forms import KIND_LABELS, StatsForm
from ..models import Channel
from ..permissions import STATS_CAPABILITIES
from ..selectors import issuance_stats
from .console_common import page

CSV_COLUMNS = ("month", "kind", "kind_name", "channel", "channel_name", "office_code", "office_name", "count",
               "revoked", "fees_yen")


def _default_range(today: date) -> tuple[date, date]:
    """The fiscal year so far (April 1 to today)."""
    start_year = today.year if today.month >= 4 else today.year - 1
    return date(start_year, 4, 1), today


@staff(*STATS_CAPABILITIES, any_of=True)
def stats(request: StaffRequest) -> HttpResponse:
    today = timezone.localdate()
    start, end = _default_range(today)
    form = StatsForm(request.GET or None, initial={"date_from": start, "date_to": end})
    result = None
    if form.is_bound:
        if form.is_valid():
            d = form.cleaned_data
            try:
                result = issuance_stats(date_from=d["date_from"], date_to=d["date_to"], channel=d["channel"] or None,
                                        office_id=d["office"].pk if d["office"] else None)
            except ApplicationError as e:
                add_refusal(form, e)
    else:
        result = issuance_stats(date_from=start, date_to=end)
    if result is not None and request.GET.get("format") == "csv":
        return _csv(result)
    rows = [{"row": r, "kind": KIND_LABELS.get(r.kind, r.kind), "channel": Channel(r.channel).label}
            for r in result.rows] if result else []
    return page(request, "certificates/console/stats.html", {"form": form, "result": result, "rows": rows},
                section="stats")


def _csv(result) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="certificates-{result.date_from:%Y%m%d}-'
                                       f'{result.date_to:%Y%m%d}.csv"')
    response.write("\ufeff")  # so that spreadsheet software reads UTF-8
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for r in result.rows:
        writer.writerow([f"{r.month:%Y-%m}", r.kind, str(KIND_LABELS.get(r.kind, r.kind)), r.channel,
                         str(Channel(r.channel).label), r.office_code, r.office_name, r.count,
                         r.revoked, r.fees])
    return response
