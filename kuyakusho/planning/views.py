"""Planning pages (console): coverage with its what-if, workload charts, the simulator, recommendations, the
report. Every page is declared for the planning capability; every figure is an aggregate."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Sequence

from django import forms as djforms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.core.access import staff
from kuyakusho.core.capabilities import Capability
from kuyakusho.core.errors import ApplicationError
from kuyakusho.offices.models import Office

from . import report as pdf_report
from .coverage import Coverage, Site, WhatIf, apply_what_if, compute
from .forms import PeriodForm, RecommendForm, SimulationForm, spring
from .geo import grid
from .models import RunKind, SimulationRun
from .scenario import parse_scenario
from .selectors import office_sites, population
from .services import recommend_staffing, run_simulation
from .suppression import suppress, threshold
from .waits import recorded_waits
from .workload import Period, Table, workload

NAV = [("coverage", "配置と距離"), ("workload", "業務量"), ("simulations", "繁忙期シミュレーション"),
       ("recommend", "窓口数の推奨")]


def _nav(section: str) -> list[dict[str, object]]:
    labels = {"coverage": _("配置と距離"), "workload": _("業務量"), "simulations": _("繁忙期シミュレーション"),
              "recommend": _("窓口数の推奨")}
    return [{"url": reverse(f"planning:{k}"), "label": labels[k], "current": k == section} for k, _l in NAV]


def _page(request: HttpRequest, template: str, context: dict[str, object], *, section: str,
          status: int = 200) -> HttpResponse:
    return render(request, template, {**context, "planning_nav": _nav(section), "section": section,
                                      "threshold": threshold()}, status=status)


def _csv_response(filename: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return response


# --- coverage ---------------------------------------------------------------------------------------------

def _whatif(params: dict[str, str], sites: tuple[Site, ...]) -> tuple[tuple[Site, ...], list[str], bool]:
    """The sites after the what-if in ``params`` (moved, closed, one added) and the errors found."""
    errors: list[str] = []
    moved: dict[str, tuple[float, float]] = {}
    for s in sites:
        lat_raw, lon_raw = params.get(f"lat-{s.code}", ""), params.get(f"lon-{s.code}", "")
        if not lat_raw and not lon_raw:
            continue
        try:
            moved[s.code] = (float(lat_raw), float(lon_raw))
        except ValueError:
            errors.append(_("%(name)s の緯度・経度を数値で入力してください。") % {"name": s.name})
    added: list[Site] = []
    new_lat, new_lon = params.get("new-lat", ""), params.get("new-lon", "")
    if new_lat or new_lon:
        try:
            added.append(Site(code="new", name=_("新しい事務所"), lat=float(new_lat), lon=float(new_lon)))
        except ValueError:
            errors.append(_("新しい事務所の緯度・経度を数値で入力してください。"))
    closed = frozenset(s.code for s in sites if params.get(f"close-{s.code}"))
    out, refused, changed = apply_what_if(sites, WhatIf(moved=moved, closed=closed, added=tuple(added)))
    return out, errors + [e.message for e in refused], changed


def _town_rows(cov: Coverage) -> list[list[object]]:
    names = {s.code: s.name for s in cov.sites}
    return [[r.town.label, suppress(r.total), suppress(r.elderly), names.get(r.nearest, r.nearest),
             round(r.distance_km, 2)] for r in sorted(cov.rows, key=lambda r: -r.distance_km)]


@staff(Capability.PLAN)
@require_GET
def coverage(request: StaffRequest) -> HttpResponse:
    sites = office_sites()
    if not sites:
        return _page(request, "planning/coverage.html", {"empty": True}, section="coverage")
    pop = population()
    base = compute(sites=sites, population=pop)
    what_sites, errors, changed = _whatif(request.GET.dict(), sites)
    current = compute(sites=what_sites, population=pop) if changed else base
    if request.GET.get("format") == "csv":
        return _csv_response("coverage.csv", [_("町丁目"), _("住民数"), _("65歳以上"), _("最寄りの事務所"),
                                              _("直線距離（km）")], _town_rows(current))
    bands = [{"km": b.km, "base": b.share, "now": c.share, "base65": b.elderly_share, "now65": c.elderly_share}
             for b, c in zip(base.bands, current.bands, strict=True)]
    context = {"base": base, "current": current, "changed": changed, "errors": errors, "bands": bands,
               "sites": sites, "what_sites": what_sites, "population": pop, "town_rows": _town_rows(current),
               "figures": current.as_dict(), "params": request.GET,
               "grid": {"cells": grid().centres, "dlat": grid().dlat, "dlon": grid().dlon},
               "site_rows": [{"code": s.code, "name": s.name, "lat": s.lat, "lon": s.lon,
                              "lat_value": request.GET.get(f"lat-{s.code}", ""),
                              "lon_value": request.GET.get(f"lon-{s.code}", ""),
                              "closed": bool(request.GET.get(f"close-{s.code}"))} for s in sites],
               "new_lat": request.GET.get("new-lat", ""), "new_lon": request.GET.get("new-lon", ""),
               "site_points": [{"code": s.code, "name": s.name, "lat": s.lat, "lon": s.lon} for s in what_sites]}
    if request.headers.get("HX-Request"):
        return render(request, "planning/partials/coverage_figures.html", context)
    return _page(request, "planning/coverage.html", context, section="coverage")


# --- workload ---------------------------------------------------------------------------------------------

def _default_period() -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    return (today - datetime.timedelta(days=365)).replace(day=1), today


@staff(Capability.PLAN)
@require_GET
def workload_page(request: StaffRequest) -> HttpResponse:
    start, end = _default_period()
    form = PeriodForm(request.GET or None, initial={"date_from": start, "date_to": end})
    tables: list[Table] = []
    period = None
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        period = Period(date_from=d["date_from"], date_to=d["date_to"], office=d["office"])
    elif not form.is_bound:
        period = Period(date_from=start, date_to=end)
    if period is not None:
        tables = workload(period)
        wanted = request.GET.get("table")
        if request.GET.get("format") == "csv":
            for t in tables:
                if t.key == wanted:
                    return _csv_response(f"{t.key}-{period.date_from:%Y%m%d}-{period.date_to:%Y%m%d}.csv",
                                         t.columns, t.suppressed())
    return _page(request, "planning/workload.html", {"form": form, "tables": tables, "period": period,
                                                      "query": request.GET.urlencode()}, section="workload")


# --- simulations ------------------------------------------------------------------------------------------

@staff(Capability.PLAN)
@require_http_methods(["GET", "POST"])
def simulations(request: StaffRequest) -> HttpResponse:
    start, end = spring()
    form = SimulationForm(request.POST or None, request.FILES or None,
                          initial={"date_from": start, "date_to": end, "seed": 1})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                scenario = parse_scenario(form.scenario())
                run = run_simulation(actor=request.user, scenario=scenario,
                                     name=form.cleaned_data.get("name") or "")
                return redirect("planning:run", pk=run.pk)
            except djforms.ValidationError as e:
                form.add_error("scenario_file", e)
            except ApplicationError as e:
                form.add_error(None, f"{e.field}: {e.message}" if e.field else str(e.message))
        status = 400
    runs = Paginator(SimulationRun.objects.select_related("created_by").only(
        "id", "kind", "name", "seed", "created_at", "elapsed_ms", "created_by__username"), 20).get_page(
        request.GET.get("page"))
    return _page(request, "planning/simulations.html", {"form": form, "runs": runs}, section="simulations",
                 status=status)


def _office_names(run: SimulationRun) -> dict[str, str]:
    """Office names in the page's language (a what-if office keeps the name it was given)."""
    offices = run.inputs.get("offices", []) if isinstance(run.inputs, dict) else []
    current = {o.code: o.name for o in Office.objects.filter(code__in=[str(x["code"]) for x in offices])}
    return {str(o["code"]): current.get(str(o["code"]), str(o["name"])) for o in offices}


@staff(Capability.PLAN)
@require_GET
def run_detail(request: StaffRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(SimulationRun, pk=pk)
    names = _office_names(run)
    results = run.results
    scenario = run.scenario
    if run.kind == RunKind.RECOMMENDATION:
        counters = results.get("counters", {})
        p90 = results.get("p90_by_hour", {})
        rows = [[f"{int(h)}:00–{int(h) + 1}:00", n, p90.get(h)] for h, n in counters.items()]
        if request.GET.get("format") == "csv":
            return _csv_response(f"staffing-{run.pk}.csv", [_("時間帯"), _("窓口数"), _("待ち時間90％値（分）")], rows)
        return _page(request, "planning/recommendation.html", {"run": run, "rows": rows, "results": results,
                                                                "office_name": names.get(results.get("office", ""), ""),
                                                                "scenario": scenario}, section="recommend")
    days = results.get("days", [])
    if request.GET.get("format") == "csv":
        cols = ["office", "day", "arrivals", "served", "balked", "reneged", "mean_wait", "p90_wait", "max_wait",
                "max_queue"]
        return _csv_response(f"simulation-{run.pk}.csv", cols,
                             [[d.get(c) if c in ("office", "day", "mean_wait", "p90_wait", "max_wait")
                               else suppress(int(d.get(c, 0))) for c in cols] for d in days])
    recorded = recorded_waits(date_from=datetime.date.fromisoformat(scenario["date_from"]),
                              date_to=datetime.date.fromisoformat(scenario["date_to"]),
                              offices=tuple(names))
    offices = [{**o, "name": names.get(str(o["office"]), o["name"]), "recorded": recorded.get(str(o["office"]))}
               for o in results.get("offices", [])]
    # Chart: mean wait by day, one series per office.
    day_list = sorted({str(d["day"]) for d in days})
    series = []
    for code, name in names.items():
        by_day = {str(d["day"]): d["mean_wait"] for d in days if d["office"] == code}
        series.append({"name": name, "data": [by_day.get(x) for x in day_list]})
    chart = {"type": "line", "title": _("日別の平均待ち時間（分）"), "unit": _("分"), "categories": day_list,
             "series": series}
    worst = sorted(results.get("hours", []), key=lambda r: -float(r["mean_wait"]))[:20]
    return _page(request, "planning/run.html", {
        "run": run, "results": results, "offices": offices, "names": names, "chart": chart, "days": days,
        "worst": worst, "scenario": scenario}, section="simulations")


@staff(Capability.PLAN)
@require_http_methods(["GET", "POST"])
def recommendations(request: StaffRequest) -> HttpResponse:
    start, _end = spring()
    form = RecommendForm(request.POST or None, initial={"date_from": start, "date_to": start.replace(day=31),
                                                        "seed": 1, "target": 30})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                scenario = parse_scenario({"date_from": d["date_from"].isoformat(), "date_to": d["date_to"].isoformat(),
                                           "seed": d["seed"], "offices": [d["office"].code]})
                run = recommend_staffing(actor=request.user, scenario=scenario,
                                         office=d["office"].code, target_p90_minutes=float(d["target"]))
                return redirect("planning:run", pk=run.pk)
            except ApplicationError as e:
                form.add_error(None, str(e.message))
        status = 400
    runs = SimulationRun.objects.filter(kind=RunKind.RECOMMENDATION).only("id", "name", "created_at")[:20]
    return _page(request, "planning/recommend.html", {"form": form, "runs": runs}, section="recommend",
                 status=status)


# --- report -----------------------------------------------------------------------------------------------

@staff(Capability.PLAN)
@require_GET
def report(request: StaffRequest) -> HttpResponse:
    start, end = spring()
    form = PeriodForm(request.GET or None, initial={"date_from": start, "date_to": end})
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    elif form.is_bound:
        return _page(request, "planning/report_form.html", {"form": form}, section="simulations", status=400)
    sites = office_sites()
    cov = compute(sites=sites, population=population()) if sites else None
    run = (SimulationRun.objects.filter(kind=RunKind.SIMULATION, scenario__date_from=start.isoformat(),
                                        scenario__date_to=end.isoformat()).first())
    data = pdf_report.build(date_from=start, date_to=end, coverage=cov,
                            recorded=recorded_waits(date_from=start, date_to=end), run=run)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="planning-{start:%Y%m%d}-{end:%Y%m%d}.pdf"'
    return response
