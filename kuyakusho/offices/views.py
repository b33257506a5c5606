from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.accounts.capabilities import Capability
from kuyakusho.core import recent
from kuyakusho.core.access import public, staff
from kuyakusho.core.actions import add_refusal, form_refusal, post_action
from kuyakusho.core.errors import ApplicationError

from . import services
from .forms import DisplayLanguagesForm, SpecialDayForm
from .models import Office, SpecialDay
from .selectors import office_guide

SNAPSHOT_SECONDS = 5


@public
def index(request: HttpRequest) -> HttpResponse:
    # the hours change when staff edit them, "open now" at opening and closing: a snapshot of 5 seconds serves,
    # and its rendering is kept for the same period (read only when the page must be rendered again)
    guide = SimpleLazyObject(lambda: recent.recent("offices:guide", office_guide, seconds=SNAPSHOT_SECONDS))
    return render(request, "offices/index.html", {"guide": guide, "snapshot_period": recent.period(SNAPSHOT_SECONDS)})


@staff(Capability.MANAGE_OFFICES)
def manage(request: StaffRequest) -> HttpResponse:
    form = SpecialDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.add_special_day(
                actor=request.user, schedule=d["schedule"], kind=d["kind"], date_from=d["date_from"],
                date_to=d["date_to"], office=d["office"], services=list(d["services"]), opens=d["opens"],
                closes=d["closes"], reason_ja=d["reason_ja"], reason_en=d["reason_en"] or "")
        except ApplicationError as e:
            add_refusal(form, e)
        else:
            messages.success(request, _("登録しました。"))
            return redirect("offices:manage")
    since = timezone.localdate() - timedelta(days=30)
    days = (SpecialDay.objects.filter(date_to__gte=since) | SpecialDay.objects.filter(annual=True)) \
        .select_related("schedule", "office").prefetch_related("services").order_by("annual", "date_from")
    return render(request, "offices/manage.html", {"form": form, "days": days.distinct(),
                                                   "demo_mode": settings.DEMO_MODE,
                                                   "display_form": DisplayLanguagesForm(prefix="display"),
                                                   "displays": Office.objects.filter(display_alternate_seconds__gt=0)},
                  status=400 if request.method == "POST" else 200)


@staff(Capability.MANAGE_OFFICES)
@post_action("offices:manage")
def display_languages(request: StaffRequest) -> str:
    """The lobby display's languages for one office (a wall screen has no language switch)."""
    form = DisplayLanguagesForm(request.POST, prefix="display")
    if not form.is_valid():
        raise form_refusal(form)
    services.set_display_alternation(actor=request.user, office=form.cleaned_data["office"],
                                     seconds=form.cleaned_data["seconds"])
    return _("呼出表示の言語を変更しました。")


@staff(Capability.MANAGE_OFFICES)
@post_action("offices:manage")
def open_for_demo(request: StaffRequest) -> str:
    opened = services.open_today_for_demo(actor=request.user)
    return _("本日は終日開庁にしました（デモ用）。") if opened else _("本日はすでに終日開庁になっています（デモ用）。")


@staff(Capability.MANAGE_OFFICES)
@post_action("offices:manage")
def remove(request: StaffRequest, pk: int) -> str:
    day = get_object_or_404(SpecialDay, pk=pk)
    services.remove_special_day(actor=request.user, special_day=day)
    return _("削除しました。")
