"""The seal desk: find a person (card, 照会番号, register), their registrations, the printable 照会書."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.accounts.capabilities import Capability
from kuyakusho.core.access import staff
from kuyakusho.core.actions import add_refusal
from kuyakusho.core.errors import ApplicationError
from kuyakusho.residents.models import Status
from kuyakusho.residents.records import ViewPurpose

from .. import conf, selectors
from ..forms import LookupForm
from ..models import SealRegistration, SealStatus
from .common import impression


def _resident_search_url() -> str:
    try:
        return reverse("residents:search")
    except NoReverseMatch:
        return "/console/residents/"


@staff(Capability.MANAGE_SEALS)
def index(request: StaffRequest) -> HttpResponse:
    form = LookupForm(request.GET or None)
    if request.GET and form.is_valid():
        d = form.cleaned_data
        try:
            if d["card_number"]:
                return redirect("seals:person", resident_id=selectors.find_by_card(user=request.user,
                                                                                   card_number=d["card_number"]))
            if d["reference"]:
                registration = selectors.find_by_reference(user=request.user, reference=d["reference"])
                return redirect("seals:person", resident_id=registration.resident_id)
            if d["resident"]:
                return redirect("seals:person", resident_id=d["resident"])
            form.add_error("card_number", _("印鑑登録証の番号・照会番号・住民の番号のいずれかを入力してください。"))
        except ApplicationError as e:
            add_refusal(form, e)
    return render(request, "seals/index.html", {
        "form": form, "counts": selectors.desk_counts(), "resident_search_url": _resident_search_url(),
    }, status=400 if form.errors else 200)


def _impressions(registrations: list[SealRegistration]) -> dict[int, dict]:
    rows = SealRegistration.objects.filter(pk__in=[r.pk for r in registrations]).values_list(
        "pk", "image_png", "image_width_px", "image_height_px", "image_px_per_mm")
    return {pk: impression(bytes(png), width_px=w, height_px=h, px_per_mm=s) for pk, png, w, h, s in rows}


@staff(Capability.MANAGE_SEALS)
def person(request: StaffRequest, resident_id: int) -> HttpResponse:
    record = selectors.open_seal_record(user=request.user, resident_id=resident_id)
    images = _impressions(record.registrations)
    rows: list[dict[str, Any]] = [{"registration": r, "image": images.get(r.pk), "cards": list(r.cards.all()),
             "events": list(r.events.all())} for r in record.registrations]
    try:
        resident_url = reverse("residents:detail", args=[resident_id]) + f"?purpose={ViewPurpose.CONSULTATION}"
    except NoReverseMatch:
        resident_url = ""
    return render(request, "seals/person.html", {
        "record": record, "resident": record.resident, "current": record.current, "rows": rows,
        "current_row": next((row for row in rows if row["registration"].is_open), None),
        "resident_url": resident_url, "Status": SealStatus, "refusal": registration_refusal(record),
    })


def registration_refusal(record: selectors.SealRecord) -> str:
    """Why a new registration cannot be started for this person (empty if it can)."""
    resident = record.resident
    if resident.status != Status.ACTIVE:
        return _("住民票が消除されている（または転出等の届出がある）ため、印鑑登録はできません。")
    if record.age < conf.min_age():
        return _("印鑑登録ができるのは%(age)s歳以上の人です。") % {"age": conf.min_age()}
    if record.current is not None:
        return _("この人はすでに印鑑登録をしています（状態：%(status)s）。"
                 "印鑑を変更するときは改印の手続きをしてください。") % {"status": record.current.get_status_display()}
    return ""


@staff(Capability.MANAGE_SEALS)
def letter(request: StaffRequest, registration_id: int) -> HttpResponse:
    registration = selectors.registration_for_staff(user=request.user, registration_id=registration_id)
    inquiry = getattr(registration, "inquiry", None)
    if inquiry is None:
        raise Http404
    return render(request, "seals/letter.html", {"registration": registration, "inquiry": inquiry,
                                                 "lines": inquiry.letter_text.split("\n")})
