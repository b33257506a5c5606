"""Console pages of the register: search, a record with its history, a household, the receipt."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from kuyakusho.accounts.capabilities import Capability as C
from kuyakusho.core.access import staff
from kuyakusho.core.errors import ApplicationError, ErrorCode

from .. import records, selectors
from ..forms import PurposeForm, SearchForm
from ..models import Event
from ..permissions import can_cancel_notification, can_correct_record, can_file_notification, can_view_removed
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

__all__ = ["abroad_in", "abroad_out", "birth", "cancel", "correction", "death", "head_change", "household",
           "merge", "move_in", "move_out", "move_within", "receipt", "record", "search", "split"]


def _add_error(form, error: ApplicationError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


@staff(C.VIEW_RESIDENT)
def search(request):
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
            page = selectors.search_residents(user=request.user, criteria=criteria, page=number)
        except ApplicationError as e:
            _add_error(form, e)
    template = "residents/partials/results.html" if request.headers.get("HX-Request") else "residents/search.html"
    return render(request, template, {"form": form, "page": page,
                                      "can_file": can_file_notification(request.user)})


def _purpose_or_form(request, template_context):
    form = PurposeForm(request.GET if "purpose" in request.GET else None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["purpose"], None
    return None, render(request, "residents/purpose.html", {**template_context, "form": form})


@staff(C.VIEW_RESIDENT)
def record(request, pk: int):
    purpose, chooser = _purpose_or_form(request, {"what": "record"})
    if chooser:
        return chooser
    try:
        rec = selectors.open_resident(user=request.user, resident_id=pk, purpose=purpose)
    except ApplicationError as e:
        if e.code == ErrorCode.NOT_FOUND:
            raise Http404 from None
        raise
    head = next((m.name for m in rec.members if m.is_head), None)
    items = records.make_snapshot(rec.resident, rec.household, head_name=head)
    shown = [f for f in records.SNAPSHOT_FIELDS if f not in ("household_id", "town", "chome", "banchi", "go",
                                                                "katagaki", "head_name")]
    if not rec.resident.is_foreign:
        shown = [f for f in shown if f not in ("nationality", "residence_status", "period_of_stay",
                                               "stay_expires_on", "residence_card_number")]
    return render(request, "residents/record.html", {
        "rec": rec, "r": rec.resident, "items": [(f, items[f]) for f in shown], "purpose": purpose,
        "removed": rec.resident.is_removed_on(timezone.localdate()),
        "history": list(reversed(rec.history)),
        "can_file": can_file_notification(request.user), "can_correct": can_correct_record(request.user),
        "can_cancel": can_cancel_notification(request.user),
    })


@staff(C.VIEW_RESIDENT)
def household(request, pk: int):
    purpose, chooser = _purpose_or_form(request, {"what": "household"})
    if chooser:
        return chooser
    try:
        hh, members = selectors.open_household(user=request.user, household_id=pk, purpose=purpose)
    except ApplicationError as e:
        if e.code == ErrorCode.NOT_FOUND:
            raise Http404 from None
        raise
    today = timezone.localdate()
    return render(request, "residents/household.html", {
        "hh": hh, "members": members, "purpose": purpose, "today": today,
        "open": hh.closed_on is None, "can_file": can_file_notification(request.user),
    })


@staff(C.VIEW_RESIDENT)
def receipt(request, pk: int):
    event = Event.objects.select_related("clerk", "cancels").filter(pk=pk).first()
    if event is None:
        raise Http404
    entries = list(event.entries.select_related("resident").order_by("id"))
    with_transaction_read(request.user, event, entries)
    return render(request, "residents/receipt.html", {
        "event": event, "entries": entries,
        "certificate": getattr(event, "move_out_certificate", None),
    })


def with_transaction_read(user, event, entries) -> None:
    """The receipt names the people: that is a read of their records."""
    from django.db import transaction

    from kuyakusho.audit.services import record_read

    with transaction.atomic():
        for entry in entries:
            record_read(actor=user, action="residents.receipt", subject_id=entry.resident_id,
                        purpose=records.ViewPurpose.NOTIFICATION, target=event)
