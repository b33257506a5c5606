"""Console pages of the register: search, a record with its history, a household, the receipt."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.accounts.capabilities import Capability as C
from kuyakusho.core.access import staff
from kuyakusho.core.actions import add_refusal
from kuyakusho.core.errors import ApplicationError, ErrorCode

from .. import records, selectors
from ..forms import SearchForm
from ..models import Event
from ..permissions import can_cancel_notification, can_correct_record, can_file_notification, can_view_removed
from ..purpose import MY_NUMBER_PURPOSE, MY_NUMBER_PURPOSE_LABEL, event_scope, household_scope, mask_my_number
from .notify import (
    abroad_in,
    abroad_out,
    birth,
    cancel,
    correction,
    death,
    head_change,
    merge,
    move_in,
    move_out,
    move_within,
    split,
)
from .reading import read_for

__all__ = ["abroad_in", "abroad_out", "birth", "cancel", "correction", "death", "head_change", "household",
           "merge", "move_in", "move_out", "move_within", "my_number", "receipt", "record", "search", "split"]


class MyNumberForm(forms.Form):
    """The purpose of showing the full 個人番号: only the 個人番号利用事務."""

    purpose = forms.ChoiceField(label=gettext_lazy("個人番号を表示する目的"),
                                choices=[(MY_NUMBER_PURPOSE, MY_NUMBER_PURPOSE_LABEL)])


@staff(C.VIEW_RESIDENT)
def search(request: StaffRequest) -> HttpResponse:
    """Search by name, reading, birth date, address or code. Invalid input shows its error beside the field and
    says that no search was run, on the whole page and in the part that htmx redraws (the form with its results),
    so that a date that does not exist never reads as "nobody found"."""
    form = SearchForm(request.GET or None)
    page = None
    if not can_view_removed(request.user):
        form.fields.pop("include_removed")
    if request.GET and form.is_valid():
        d = form.cleaned_data
        criteria = selectors.SearchCriteria(
            kana=d["kana"], name=d["name"], birth_date=d["birth_date"], town=d["town"], chome=d["chome"],
            building=d["building"], resident_code=d["resident_code"], include_removed=d.get("include_removed", False))
        try:
            number = int(request.GET.get("page") or 1)
        except ValueError:
            number = 1
        try:
            page = selectors.search_residents(user=request.user, criteria=criteria, purpose=d["purpose"],
                                              page=number)
        except ApplicationError as e:
            add_refusal(form, e)
    form.describe_fields()
    template = "residents/partials/search_area.html" if request.headers.get("HX-Request") else "residents/search.html"
    return render(request, template, {"form": form, "page": page, "not_run": form.is_bound and bool(form.errors),
                                      "can_file": can_file_notification(request.user)})


def _record_reading(request, pk: int):
    """The purpose given for the household of resident ``pk`` (a grant), or the page that asks it."""
    household_id = selectors.household_id_of(pk)
    if household_id is None:
        raise Http404
    return read_for(request, scopes=[household_scope(household_id)], what="record")


@staff(C.VIEW_RESIDENT)
def record(request: StaffRequest, pk: int) -> HttpResponse:
    reading, chooser = _record_reading(request, pk)
    if chooser:
        return chooser
    try:
        rec = selectors.open_resident(user=request.user, resident_id=pk, purpose=reading.purpose)
    except ApplicationError as e:
        if e.code == ErrorCode.NOT_FOUND:
            raise Http404 from None
        raise
    head = next((m.name for m in rec.members if m.is_head), None)
    items = records.make_snapshot(rec.resident, rec.household, head_name=head)
    items["my_number"] = mask_my_number(items.get("my_number"))
    shown = [f for f in records.SNAPSHOT_FIELDS if f not in ("household_id", "town", "chome", "banchi", "go",
                                                                "katagaki")]
    if not rec.resident.is_foreign:
        shown = [f for f in shown if f not in ("nationality", "residence_status", "period_of_stay",
                                               "stay_expires_on", "residence_card_number")]
    can_cancel = can_cancel_notification(request.user)
    return render(request, "residents/record.html", {
        "rec": rec, "r": rec.resident, "items": [(f, items[f]) for f in shown], "purpose": reading.purpose,
        "pt": reading.query(), "removed": rec.resident.is_removed_on(timezone.localdate()),
        "members": [m for m in rec.members if m.pk != rec.resident.pk],
        "history": [(item, reading.link("", scope=event_scope(item.event.pk)) if can_cancel else "")
                    for item in reversed(rec.history)],
        "can_file": can_file_notification(request.user), "can_correct": can_correct_record(request.user),
        "can_cancel": can_cancel, "has_my_number": bool(rec.resident.my_number),
        "my_number_purpose": MY_NUMBER_PURPOSE, "my_number_purpose_label": MY_NUMBER_PURPOSE_LABEL,
    })


@staff(C.VIEW_RESIDENT)
def my_number(request: StaffRequest, pk: int) -> HttpResponse:
    """The full 個人番号, on an explicit action with its purpose (個人番号利用事務), audited on its own."""
    reading, chooser = _record_reading(request, pk)
    if chooser:
        return chooser
    back = reverse("residents:record", args=[pk]) + reading.query()
    if request.method != "POST":
        return redirect(back)
    form = MyNumberForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("個人番号を表示する目的（個人番号利用事務）を選んでください。"))
        return redirect(back)
    try:
        resident = selectors.open_my_number(user=request.user, resident_id=pk, purpose=form.cleaned_data["purpose"])
    except ApplicationError as e:
        if e.code == ErrorCode.NOT_FOUND:
            raise Http404 from None
        raise
    response = render(request, "residents/my_number.html", {"r": resident, "back": back,
                                                            "purpose_label": MY_NUMBER_PURPOSE_LABEL})
    response["Cache-Control"] = "no-store"
    return response


@staff(C.VIEW_RESIDENT)
def household(request: StaffRequest, pk: int) -> HttpResponse:
    reading, chooser = read_for(request, scopes=[household_scope(pk)], what="household")
    if chooser:
        return chooser
    assert reading is not None  # read_for gives the reading or the page that asks the purpose
    try:
        hh, members = selectors.open_household(user=request.user, household_id=pk, purpose=reading.purpose)
    except ApplicationError as e:
        if e.code == ErrorCode.NOT_FOUND:
            raise Http404 from None
        raise
    today = timezone.localdate()
    return render(request, "residents/household.html", {
        "hh": hh, "members": members, "purpose": reading.purpose, "pt": reading.query(), "today": today,
        "open": hh.closed_on is None, "can_file": can_file_notification(request.user),
    })


@staff(C.VIEW_RESIDENT)
def receipt(request: StaffRequest, pk: int) -> HttpResponse:
    reading, chooser = read_for(request, scopes=[event_scope(pk)], what="receipt",
                                default=records.ViewPurpose.NOTIFICATION)
    if chooser:
        return chooser
    assert reading is not None  # read_for gives the reading or the page that asks the purpose
    event = Event.objects.select_related("clerk", "cancels").filter(pk=pk).first()
    if event is None:
        raise Http404
    entries = list(event.entries.select_related("resident").order_by("id"))
    # The receipt names the people: that is a read of their records.
    with transaction.atomic():
        reading.record(action="residents.receipt", subject_ids=[e.resident_id for e in entries], target=event)
    return render(request, "residents/receipt.html", {
        "event": event, "purpose": reading.purpose,
        "entries": [(e, reading.link("", scope=household_scope(e.resident.household_id))) for e in entries],
        "certificate": getattr(event, "move_out_certificate", None),
    })
