"""Registering (or changing, 改印) a seal: upload → confirmation with the measured size → registration."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.accounts.capabilities import Capability
from kuyakusho.core.access import staff
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.templatetags.kuyakusho import wareki

from .. import conf, selectors, services
from ..drafts import make_token, read_token
from ..forms import ConfirmForm, UploadForm
from ..imaging import check_seal_image
from ..models import IdDocument, Method, SealStatus
from .common import apply, impression
from .desk import registration_refusal


def _read_upload(form) -> bytes:
    upload = form.cleaned_data["image"]
    limit = conf.max_upload_bytes()
    if upload.size > limit:
        return b"\0" * (limit + 1)  # the checker refuses it with its message; nothing more is read
    return upload.read(limit + 1)


def _flow(request, *, resident_id: int, replacing=None):
    record = selectors.open_seal_record(user=request.user, resident_id=resident_id)
    refusal = "" if replacing is not None else registration_refusal(record)
    context = {"resident": record.resident, "record": record, "replacing": replacing, "refusal": refusal}
    step = request.POST.get("step", "")
    if request.method == "POST" and step == "confirm":
        confirm = ConfirmForm(request.POST)
        if confirm.is_valid():
            d = confirm.cleaned_data
            registration = apply(confirm, lambda: _save(request, resident_id, replacing, d))
            if registration is not None:
                return _done(request, registration)
        upload = UploadForm(initial={"method": request.POST.get("method"),
                                     "id_document": request.POST.get("id_document"),
                                     "proxy_name": request.POST.get("proxy_name")})
        errors = [m for field_errors in confirm.errors.values() for m in field_errors]
        return render(request, "seals/register.html", {**context, "form": upload, "extra_errors": errors},
                      status=400)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        seal = apply(form, lambda: check_seal_image(_read_upload(form), px_per_mm=d["px_per_mm"]))
        if seal is not None:
            token = make_token(seal, resident_id=resident_id, staff_id=request.user.pk)
            confirm = ConfirmForm(initial={"token": token, "method": d["method"], "id_document": d["id_document"],
                                           "proxy_name": d["proxy_name"]})
            return render(request, "seals/confirm.html", {
                **context, "seal": seal, "confirm": confirm, "method_label": Method(d["method"]).label,
                "id_label": IdDocument(d["id_document"]).label if d["id_document"] else "",
                "proxy_name": d["proxy_name"],
                "image": impression(seal.png, width_px=seal.width_px, height_px=seal.height_px,
                                    px_per_mm=seal.image_px_per_mm),
                "min_mm": conf.min_size_mm(), "max_mm": conf.max_size_mm(),
            })
    return render(request, "seals/register.html", {**context, "form": form},
                  status=400 if request.method == "POST" else 200)


def _save(request, resident_id: int, replacing, d):
    seal = read_token(d["token"], resident_id=resident_id, staff_id=request.user.pk)
    if replacing is not None:
        return services.reregister(actor=request.user, registration_id=replacing.pk, seal=seal, method=d["method"],
                                   id_document=d["id_document"], proxy_name=d["proxy_name"])
    if d["method"] == Method.IN_PERSON:
        return services.register_in_person(actor=request.user, resident_id=resident_id, seal=seal,
                                           id_document=d["id_document"])
    return services.register_by_letter(actor=request.user, resident_id=resident_id, seal=seal,
                                       proxy_name=d["proxy_name"])


def _done(request, registration):
    if registration.status == SealStatus.PENDING:
        messages.success(request, _(
            "申請を受け付けました。照会書を印刷して本人の住所へ送付してください（回答期限：%(deadline)s）。")
                         % {"deadline": wareki(registration.inquiry.deadline)})
        return redirect("seals:letter", registration_id=registration.pk)
    messages.success(request, _("印鑑を登録しました。印鑑登録証（番号 %(number)s）を交付してください。")
                     % {"number": registration.active_card.number})
    return redirect("seals:person", resident_id=registration.resident_id)


@staff(Capability.MANAGE_SEALS)
def register(request: StaffRequest, resident_id: int) -> HttpResponse:
    return _flow(request, resident_id=resident_id)


@staff(Capability.MANAGE_SEALS)
def reregister(request: StaffRequest, registration_id: int) -> HttpResponse:
    registration = selectors.registration_for_staff(user=request.user, registration_id=registration_id)
    if not registration.is_open:
        raise ApplicationError(ErrorCode.CONFLICT, _("この印鑑登録はすでに廃止されています。新規に登録してください。"))
    return _flow(request, resident_id=registration.resident_id, replacing=registration)
