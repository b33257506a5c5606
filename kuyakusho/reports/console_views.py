"""The console's report pages: the queue per section (map and list), a report with its actions, staff photos;
and the statistics (public: counts only) with the open-data export."""

from __future__ import annotations

import csv
from datetime import date

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kuyakusho.accounts.models import Staff
from kuyakusho.audit.services import record_read
from kuyakusho.core.access import public, staff
from kuyakusho.core.capabilities import Capability
from kuyakusho.core.errors import ApplicationError, ErrorCode

from . import charts, selectors, services
from .models import OPEN, Photo, Report, Status
from .views import STATUS_COLOURS, _map_settings

C = Capability


class ConsoleRequest(HttpRequest):
    """The request of a page declared ``@staff``: its user is the member of staff signed in."""

    user: Staff
PER_PAGE = 50


def _int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


@staff(C.HANDLE_REPORTS)
@require_GET
def queue(request: ConsoleRequest) -> HttpResponse:
    section = request.GET.get("section", "")
    status = request.GET.get("status", "open")
    overdue = request.GET.get("overdue") == "1"
    mine = request.GET.get("mine") == "1"
    qs = selectors.queue(section=section, status=status, overdue=overdue,
                         assigned_to=request.user.pk if mine else None)
    reports = list(qs[:PER_PAGE])
    now = timezone.now()
    return render(request, "reports/console_queue.html", {
        "reports": reports, "count": qs.count(), "sections": selectors.sections(), "section": section,
        "status": status, "overdue": overdue, "mine": mine, "statuses": Status.choices, "now": now,
        "colours": STATUS_COLOURS, "open": OPEN, "map": _map_settings()})


def _detail(request: ConsoleRequest, pk: int, *, error: ApplicationError | None = None, status: int = 200
            ) -> HttpResponse:
    report = selectors.staff_report(pk)
    if report is None:
        raise Http404
    if report.reporter_id or report.contact_name or report.contact_email or report.contact_phone:
        # the reporter's contact is personal data: every view of it is recorded
        record_read(actor=request.user, action="reports.view", subject_id=f"portal:{report.reporter_id or ''}",
                    purpose="report_handling", target=report)
    return render(request, "reports/console_report.html", {
        "report": report, "error": error, "settable": services.SETTABLE, "now": timezone.now(),
        "overdue": report.status in OPEN and report.due_at < timezone.now(),
        "staff_list": Staff.objects.filter(is_active=True, role="reports").order_by("username"),
        "can_publish": request.user.has_capability(C.PUBLISH_REPORTS),
        "nearby": selectors.duplicates(category=report.category.code, lat=report.lat, lon=report.lon,
                                       exclude_id=report.pk)}, status=status)


@staff(C.HANDLE_REPORTS)
@require_GET
def detail(request: ConsoleRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


@staff(C.HANDLE_REPORTS)
@require_POST
def act(request: ConsoleRequest, pk: int) -> HttpResponse:
    """One action on a report (the form's ``action``): status, assign, note, fix photo, publish, photo, merge."""
    p, user = request.POST, request.user
    action = p.get("action", "")
    try:
        if action == "status":
            services.change_status(actor=user, report_id=pk, status=p.get("status", ""), note=p.get("note", ""),
                                   reason=p.get("reason", ""), referred_to=p.get("referred_to", ""),
                                   version=_int(p.get("version")))
        elif action == "assign":
            services.assign(actor=user, report_id=pk, assignee_id=_int(p.get("assignee")))
        elif action == "note":
            services.add_internal_note(actor=user, report_id=pk, text=p.get("text", ""))
        elif action == "fix_photo":
            upload = request.FILES.get("photo")
            if upload is None:
                raise ApplicationError(ErrorCode.INVALID_INPUT, _("写真を選んでください。"), field="photo")
            if upload.size and upload.size > 20 * 1024 * 1024:
                raise ApplicationError(ErrorCode.INVALID_INPUT, _("写真は1枚20MBまでです。"), field="photo")
            services.add_fix_photo(actor=user, report_id=pk, raw=upload.read())
        elif action in ("publish", "photo"):
            if not user.has_capability(C.PUBLISH_REPORTS):
                raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("公開の操作を行う権限がありません。"))
            if action == "publish":
                services.publish(actor=user, report_id=pk, published=p.get("published") == "1",
                                 public_text=p.get("public_text"))
            else:
                photo_id = _int(p.get("photo"))
                if photo_id is None or not Photo.objects.filter(pk=photo_id, report_id=pk).exists():
                    raise ApplicationError(ErrorCode.NOT_FOUND, _("写真が見つかりません。"))
                services.set_photo(actor=user, photo_id=photo_id, hidden=p.get("hidden") == "1",
                                   blurred=p.get("blurred") == "1")
        elif action == "merge":
            into = _int(p.get("into"))
            if into is None:
                raise ApplicationError(ErrorCode.INVALID_INPUT, _("統合先のレポート番号を入力してください。"),
                                       field="into")
            services.merge(actor=user, report_id=pk, into_id=into, note=p.get("note", ""))
        else:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("操作が正しくありません。"))
    except ApplicationError as e:
        if e.code == ErrorCode.NOT_FOUND and not Report.objects.filter(pk=pk).exists():
            raise Http404 from None
        return _detail(request, pk, error=e, status=e.http_status)
    return redirect(reverse("reports:console_report", args=[pk]) + "?done=" + action)


@staff(C.HANDLE_REPORTS)
@require_GET
def photo(request: ConsoleRequest, photo_id: int) -> HttpResponse:
    p = Photo.objects.filter(pk=photo_id).only("id", "data").first()
    if p is None:
        raise Http404
    response = HttpResponse(bytes(p.data), content_type="image/jpeg")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- statistics (public, no personal data) ---------------------------------------------------------------

def _period(request: HttpRequest) -> tuple[date | None, date | None]:
    def parse(value: str | None) -> date | None:
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            return None

    return parse(request.GET.get("since")), parse(request.GET.get("until"))


@public
@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    since, until = _period(request)
    data = selectors.statistics_for(since=since, until=until)
    response = render(request, "reports/stats.html", {
        "data": data, "since": since, "until": until, "query": request.GET.urlencode(),
        "month_chart": charts.bars([(m, n) for m, n in data["months"]], title=_("月別の件数")),
        "category_chart": charts.bars([(c.name(), n) for c, n, _m in data["categories"]], title=_("種類別の件数")),
        "status_chart": charts.bars([(s.label, n) for s, n in data["statuses"]], title=_("状況別の件数")),
        "town_chart": charts.bars([(t, n) for t, n in data["towns"]], title=_("町丁目別の件数（上位20）"),
                                  label_lang="ja")})
    patch_cache_control(response, public=True, max_age=300)
    return response


@public
@require_GET
def stats_csv(request: HttpRequest) -> HttpResponse:
    """The open-data export: one row per published report, without reporter, contact, text or photos."""
    since, until = _period(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="reports.csv"'
    writer = csv.writer(response)
    for row in selectors.export_rows(since=since, until=until):
        writer.writerow(row)
    patch_cache_control(response, public=True, max_age=300)
    return response
