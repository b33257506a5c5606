"""One console form per notification: input → confirmation (what will change) → receipt."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.accounts.capabilities import Capability as C
from kuyakusho.core.access import staff
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.wareki import parse_date

from .. import records, services
from ..forms import (
    AbroadInForm,
    BirthForm,
    CancelForm,
    CorrectionForm,
    DeathForm,
    MergeForm,
    MovedOnForm,
    MoveInForm,
    MoveOutForm,
    MoveWithinForm,
    PersonFormSet,
    remaining_head_field,
)
from ..models import Event, EventKind, Household, Resident, Status
from ..purpose import FLOW_FIELD, event_scope, household_scope
from ..services.preview import preview
from .reading import Reading, implied, read_for

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

_FIELD_ALIASES = {"join_household": "join_household_id", "into_household": "into_household_id"}


def _place_error(form, formset, error: ApplicationError) -> None:
    name = _FIELD_ALIASES.get(error.field or "", error.field or "")
    parts = name.split(".")
    if formset is not None and len(parts) == 3 and parts[0] == "people" and parts[1].isdigit():
        index = int(parts[1])
        if index < len(formset.forms) and parts[2] in formset.forms[index].fields:
            formset.forms[index].add_error(parts[2], str(error.message))
            return
    form.add_error(name if name in form.fields else None, str(error.message))


def _flow(request, *, title: StrOrPromise, make_form: Callable, run: Callable, reading: Reading, formset=None,
          back_url: str, household=None, resident=None, shown: Sequence[int] = ()):
    """Input → confirmation → commit. Every step that shows people records one read per person, once per
    form (``reading``): the members listed, and whoever the confirmation shows of those already registered."""
    posted = request.method == "POST"
    form = make_form(request.POST if posted else None)
    planned = conflict = None
    step = "edit" if reading.resumed else request.POST.get("step")
    if posted and form.is_valid() and (formset is None or formset.is_valid()):
        try:
            if step == "commit":
                event = run(form)
                return redirect(reverse("residents:receipt", args=[event.pk])
                                + reading.link("", scope=event_scope(event.pk)))
            if step != "edit":
                _kind, planned = preview(lambda: run(form))
        except ApplicationError as e:
            planned = None
            if e.code == ErrorCode.CONFLICT:
                # Keep what the clerk typed; take the current version so that a resubmission after review goes.
                data = request.POST.copy()
                rid = e.extra.get("resident_id")
                for key in (f"v{rid}", "version"):
                    if key in data:
                        data[key] = str(e.extra.get("version"))
                form = make_form(data)
                form.is_valid()
                conflict = e.extra.get("changed") or {}
                shown = [*shown, *([rid] if rid else [])]
            _place_error(form, formset, e)
    with transaction.atomic():
        reading.record(action="residents.notification_form", subject_ids=[
            *shown, *(p.resident_id for p in planned or () if not p.new)], target=household or resident,
            detail={"form": request.resolver_match.url_name} if request.resolver_match else None)
    in_rows = {name for row in getattr(form, "member_rows", []) for name in
               (row["select"].name, row["version"].name, row["relationship"].name if row["relationship"] else "")}
    return render(request, "residents/notify.html", {
        "title": title, "form": form, "plain_fields": [f for f in form if f.name not in in_rows],
        "formset": formset, "planned": planned, "conflict": conflict,
        "back_url": back_url, "household": household, "resident": resident,
        "action": reading.query(), "flow_field": FLOW_FIELD, "flow": reading.flow_token,
    })


def _back(reading: Reading, household=None, resident=None) -> str:
    if resident is not None:
        return reading.link(reverse("residents:record", args=[resident.pk]),
                            scope=household_scope(resident.household_id))
    if household is not None:
        return reading.link(reverse("residents:household", args=[household.pk]), scope=household_scope(household.pk))
    return reverse("residents:search")


def _open_household(pk: int) -> tuple[Household, list[Resident]]:
    household = get_object_or_404(Household, pk=pk, closed_on__isnull=True)
    members = list(household.members.filter(status=Status.ACTIVE).order_by("-is_head", "birth_date", "id"))
    return household, members


def _household_reading(request, pk: int):
    """The purpose for a form on household ``pk`` (asked, or carried from its record or household page)."""
    return read_for(request, scopes=[household_scope(pk)], what="notification",
                    default=records.ViewPurpose.NOTIFICATION)


@staff(C.FILE_NOTIFICATION)
def move_in(request: StaffRequest) -> HttpResponse:
    people = PersonFormSet(request.POST or None, prefix="p")

    def run(form):
        return services.file_move_in(
            actor=request.user, people=[f.person() for f in people.forms if f.has_changed()],
            moved_on=form.cleaned_data["moved_on"], certificate=form.certificate(),
            special=form.cleaned_data["special"], address=form.address(), **form.common())

    reading = implied(request, purpose=records.ViewPurpose.NOTIFICATION, scope="move_in")
    return _flow(request, title=_("転入届"), make_form=lambda data: MoveInForm(data, prefix="n"), run=run,
                 formset=people, back_url=_back(reading), reading=reading)


@staff(C.FILE_NOTIFICATION)
def abroad_in(request: StaffRequest) -> HttpResponse:
    people = PersonFormSet(request.POST or None, prefix="p")

    def run(form):
        d = form.cleaned_data
        return services.file_abroad_in(
            actor=request.user, people=[f.person() for f in people.forms if f.has_changed()],
            moved_on=d["moved_on"], from_country=d["from_country"], previous_address=d["previous_address"],
            address=form.address(), **form.common())

    reading = implied(request, purpose=records.ViewPurpose.NOTIFICATION, scope="abroad_in")
    return _flow(request, title=_("国外転入"), make_form=lambda data: AbroadInForm(data, prefix="n"), run=run,
                 formset=people, back_url=_back(reading), reading=reading)


def _members_view(request, pk: int, *, title, form_class, run, select_label, relationship_label=None,
                  all_selected=False, preselected=False, remaining_head=True):
    household, members = _open_household(pk)
    reading, chooser = _household_reading(request, pk)
    if chooser:
        return chooser

    def make_form(data):
        form = form_class(data, members=members, select_label=select_label, relationship_label=relationship_label,
                          all_selected=all_selected, preselected=preselected)
        if remaining_head:
            form.fields["remaining_head"] = remaining_head_field(members)
        return form

    return _flow(request, title=title, make_form=make_form, run=lambda form: run(form, household),
                 back_url=_back(reading, household), household=household, reading=reading,
                 shown=[m.pk for m in members])


@staff(C.FILE_NOTIFICATION)
def move_within(request: StaffRequest, pk: int) -> HttpResponse:
    def run(form, household):
        d = form.cleaned_data
        return services.file_move_within(
            actor=request.user, household_id=household.pk, movers=form.movers(), moved_on=d["moved_on"],
            address=form.address(), join_household_id=d["join_household_id"], remaining_head_id=d["remaining_head"],
            **form.common())

    return _members_view(request, pk, title=_("転居届"), form_class=MoveWithinForm, run=run,
                         select_label=_("転居する人"), relationship_label=_("移った先での続柄"),
                         preselected=True)  # a 転居 usually moves the whole household: untick who stays


def _leave(request, pk: int, *, abroad: bool):
    def run(form, household):
        d = form.cleaned_data
        kw = dict(actor=request.user, household_id=household.pk, movers=form.movers(),
                  planned_move_on=d["planned_move_on"], remaining_head_id=d["remaining_head"], **form.common())
        if abroad:
            return services.file_abroad_out(destination_country=d["destination"], **kw)
        return services.file_move_out(destination=d["destination"], **kw)

    return _members_view(request, pk, title=_("国外転出") if abroad else _("転出届"), form_class=MoveOutForm,
                         run=run, select_label=_("転出する人"))


@staff(C.FILE_NOTIFICATION)
def move_out(request: StaffRequest, pk: int) -> HttpResponse:
    return _leave(request, pk, abroad=False)


@staff(C.FILE_NOTIFICATION)
def abroad_out(request: StaffRequest, pk: int) -> HttpResponse:
    return _leave(request, pk, abroad=True)


@staff(C.FILE_NOTIFICATION)
def head_change(request: StaffRequest, pk: int) -> HttpResponse:
    def run(form, household):
        return services.change_head(actor=request.user, household_id=household.pk,
                                    members=form.movers(everyone=True), moved_on=form.cleaned_data["moved_on"],
                                    **form.common())

    return _members_view(request, pk, title=_("世帯主変更"), form_class=MovedOnForm, run=run,
                         select_label=_("世帯員"), relationship_label=_("新しい続柄（新しい世帯主は「世帯主」）"),
                         all_selected=True, remaining_head=False)


@staff(C.FILE_NOTIFICATION)
def split(request: StaffRequest, pk: int) -> HttpResponse:
    def run(form, household):
        return services.split_household(actor=request.user, household_id=household.pk, movers=form.movers(),
                                        moved_on=form.cleaned_data["moved_on"],
                                        remaining_head_id=form.cleaned_data["remaining_head"], **form.common())

    return _members_view(request, pk, title=_("世帯分離"), form_class=MovedOnForm, run=run,
                         select_label=_("新しい世帯に移る人"), relationship_label=_("新しい世帯での続柄"))


@staff(C.FILE_NOTIFICATION)
def merge(request: StaffRequest, pk: int) -> HttpResponse:
    def run(form, household):
        d = form.cleaned_data
        return services.merge_households(actor=request.user, household_id=household.pk,
                                         into_household_id=d["into_household_id"],
                                         members=form.movers(everyone=True), moved_on=d["moved_on"], **form.common())

    return _members_view(request, pk, title=_("世帯合併"), form_class=MergeForm, run=run,
                         select_label=_("世帯員"), relationship_label=_("合併先での続柄"), all_selected=True,
                         remaining_head=False)


@staff(C.FILE_NOTIFICATION)
def birth(request: StaffRequest, pk: int) -> HttpResponse:
    household, members = _open_household(pk)
    reading, chooser = _household_reading(request, pk)
    if chooser:
        return chooser

    def run(form):
        return services.file_birth(actor=request.user, household_id=household.pk, child=form.person(),
                                   **form.common())

    return _flow(request, title=_("出生"), make_form=lambda data: BirthForm(data, initial={"relationship": "子"}),
                 run=run, back_url=_back(reading, household), household=household, reading=reading,
                 shown=[m.pk for m in members])  # the household's address is theirs


@staff(C.FILE_NOTIFICATION)
def death(request: StaffRequest, pk: int) -> HttpResponse:
    resident = get_object_or_404(Resident.objects.select_related("household"), pk=pk, status=Status.ACTIVE)
    members = list(resident.household.members.filter(status=Status.ACTIVE).exclude(pk=pk))
    reading, chooser = _household_reading(request, resident.household_id)
    if chooser:
        return chooser

    def make_form(data):
        form = DeathForm(data, initial={"version": resident.version})
        form.fields["remaining_head"] = remaining_head_field(members)
        return form

    def run(form):
        d = form.cleaned_data
        return services.file_death(actor=request.user, resident_id=resident.pk, version=d["version"],
                                   died_on=d["died_on"], remaining_head_id=d["remaining_head"], **form.common())

    return _flow(request, title=_("死亡"), make_form=make_form, run=run, back_url=_back(reading, resident=resident),
                 resident=resident, reading=reading, shown=[resident.pk, *(m.pk for m in members)])


@staff(C.CORRECT_RECORD)
def correction(request: StaffRequest, pk: int) -> HttpResponse:
    resident = get_object_or_404(Resident.objects.select_related("household"), pk=pk)
    reading, chooser = read_for(request, scopes=[household_scope(resident.household_id)], what="notification",
                                default=records.ViewPurpose.CORRECTION)
    if chooser:
        return chooser
    assert reading is not None  # read_for gives the reading or the page that asks the purpose

    def run(form):
        d = form.cleaned_data
        value = d["value"]
        if d["field"] in records.DATE_FIELDS:
            value = parse_date(value, field="value") if value else None
        try:
            return services.correct_record(actor=request.user, resident_id=resident.pk, version=d["version"],
                                           changes={d["field"]: value}, reason=d["reason"])
        except ApplicationError as e:
            if e.field == d["field"]:
                e.field = "value"
            raise

    return _flow(request, title=_("職権修正"), run=run, back_url=_back(reading, resident=resident),
                 resident=resident, reading=reading, shown=[resident.pk],
                 make_form=lambda data: CorrectionForm(data, initial={"version": resident.version}))


@staff(C.CANCEL_NOTIFICATION)
def cancel(request: StaffRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event.objects.filter(~Q(kind=EventKind.CANCELLATION)), pk=pk)
    reading, chooser = read_for(request, scopes=[event_scope(pk)], what="notification",
                                default=records.ViewPurpose.CORRECTION)
    if chooser:
        return chooser
    assert reading is not None  # read_for gives the reading or the page that asks the purpose

    def run(form):
        return services.cancel_event(actor=request.user, event_id=event.pk, reason=form.cleaned_data["reason"])

    first = event.entries.select_related("resident").first()
    return _flow(request, title=_("異動の取消") + f"（{event.receipt_number} {event.get_kind_display()}）",
                 make_form=CancelForm, run=run, resident=first.resident if first else None, reading=reading,
                 back_url=_back(reading, resident=first.resident) if first else _back(reading),
                 shown=[first.resident_id] if first else [])
