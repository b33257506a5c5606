"""印鑑登録 API (staff, console session + CSRF, capability MANAGE_SEALS). Images are sent as multipart files."""

import base64
from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import SessionAuth

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.accounts.capabilities import Capability
from kuyakusho.core.access import api_staff
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.schemas import Text, WarekiDate

from . import conf, selectors, services
from .cards import validate_card_number
from .imaging import CheckedSeal, check_seal_image
from .models import SealRegistration


class SealsAuth(SessionAuth):
    """Console session (CSRF checked); 401 without a login, 403 without MANAGE_SEALS (before the body is read)."""

    def __init__(self):
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None and not user.has_capability(Capability.MANAGE_SEALS):
            raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("この操作を行う権限がありません。"))
        return user


router = Router(tags=["seals"], auth=SealsAuth())


class MeasureOut(Schema):
    width_mm: Decimal
    height_mm: Decimal
    stated_px_per_mm: Decimal
    image_px_per_mm: Decimal
    image_png_base64: str


class CardOut(Schema):
    number: str
    status: str
    issued_on: date
    ended_on: date | None


class InquiryOut(Schema):
    reference: str
    issued_on: date
    deadline: date
    answer_received_on: date | None
    letter_text: str


class RegistrationOut(Schema):
    id: int
    resident_id: int
    status: str
    method: str
    id_document: str
    proxy_name: str
    applied_on: date
    registered_on: date | None
    ended_on: date | None
    end_reason: str
    width_mm: Decimal
    height_mm: Decimal
    image_sha256: str
    replaces_id: int | None
    card_number: str | None
    cards: list[CardOut]
    inquiry: InquiryOut | None


class RegisterIn(Schema):
    px_per_mm: Decimal
    method: str = "in_person"
    id_document: str = ""
    proxy_name: Text(100) = ""


class AnswerIn(Schema):
    received_on: WarekiDate


class ReissueIn(Schema):
    id_document: str


class AbolishIn(Schema):
    card_returned: bool = False
    note: Text(200) = ""


def _out(registration: SealRegistration) -> RegistrationOut:
    registration = selectors.registration_queryset().get(pk=registration.pk)
    cards = list(registration.cards.all())
    inquiry = getattr(registration, "inquiry", None)
    active = next((c for c in cards if c.status == "active"), None)
    return RegistrationOut(
        id=registration.pk, resident_id=registration.resident_id, status=registration.status,
        method=registration.method, id_document=registration.id_document, proxy_name=registration.proxy_name,
        applied_on=registration.applied_on, registered_on=registration.registered_on,
        ended_on=registration.ended_on, end_reason=registration.end_reason, width_mm=registration.width_mm,
        height_mm=registration.height_mm, image_sha256=registration.image_sha256,
        replaces_id=registration.replaces_id, card_number=active.number if active else None,
        cards=[CardOut(number=c.number, status=c.status, issued_on=c.issued_on, ended_on=c.ended_on) for c in cards],
        inquiry=InquiryOut(reference=inquiry.reference, issued_on=inquiry.issued_on, deadline=inquiry.deadline,
                           answer_received_on=inquiry.answer_received_on, letter_text=inquiry.letter_text)
        if inquiry else None,
    )


def _check(image: UploadedFile, px_per_mm) -> CheckedSeal:
    limit = conf.max_upload_bytes()
    data = b"\0" * (limit + 1) if (image.size or 0) > limit else image.read(limit + 1)
    return check_seal_image(data, px_per_mm=px_per_mm)


@router.post("/measure", response=MeasureOut,
             summary="印影の測定（登録はしない）/ Measure an impression without registering it")
@api_staff(Capability.MANAGE_SEALS)
def measure(request: StaffRequest, image: File[UploadedFile], px_per_mm: Form[Decimal]) -> MeasureOut:
    seal = _check(image, px_per_mm)
    return MeasureOut(width_mm=seal.width_mm, height_mm=seal.height_mm, stated_px_per_mm=seal.stated_px_per_mm,
                      image_px_per_mm=seal.image_px_per_mm, image_png_base64=base64.b64encode(seal.png).decode())


@router.get("/residents/{resident_id}", response=list[RegistrationOut],
            summary="住民の印鑑登録（履歴を含む）/ A resident's seal registrations")
@api_staff(Capability.MANAGE_SEALS)
def resident_registrations(request: StaffRequest, resident_id: int) -> list[Any]:
    record = selectors.open_seal_record(user=request.user, resident_id=resident_id)
    return [_out(r) for r in record.registrations]


@router.post("/residents/{resident_id}/registrations", response={201: RegistrationOut},
             summary="印鑑の登録（来庁・照会書）/ Register a seal (in person or by letter)")
@api_staff(Capability.MANAGE_SEALS)
def register(request: StaffRequest, resident_id: int, image: File[UploadedFile], payload: Form[RegisterIn]) -> Status:
    seal = _check(image, payload.px_per_mm)
    if payload.method == "in_person":
        if payload.proxy_name:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("代理人による申請は、照会書による確認になります。"),
                                   field="proxy_name")
        registration = services.register_in_person(actor=request.user, resident_id=resident_id, seal=seal,
                                                   id_document=payload.id_document)
    elif payload.method == "letter":
        registration = services.register_by_letter(actor=request.user, resident_id=resident_id, seal=seal,
                                                   proxy_name=payload.proxy_name)
    else:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("確認の方法を選んでください。"), field="method")
    return Status(201, _out(registration))


@router.post("/registrations/{registration_id}/reregister", response={201: RegistrationOut},
             summary="改印 / Replace the registered seal")
@api_staff(Capability.MANAGE_SEALS)
def reregister(request: StaffRequest, registration_id: int, image: File[UploadedFile],
               payload: Form[RegisterIn]) -> Status:
    seal = _check(image, payload.px_per_mm)
    registration = services.reregister(actor=request.user, registration_id=registration_id, seal=seal,
                                       method=payload.method, id_document=payload.id_document,
                                       proxy_name=payload.proxy_name)
    return Status(201, _out(registration))


@router.post("/registrations/{registration_id}/answer", response=RegistrationOut,
             summary="回答書の受理 / Enter the answer to the confirmation letter")
@api_staff(Capability.MANAGE_SEALS)
def answer(request: StaffRequest, registration_id: int, payload: AnswerIn) -> RegistrationOut:
    return _out(services.enter_answer(actor=request.user, registration_id=registration_id,
                                      received_on=payload.received_on))


@router.post("/registrations/{registration_id}/card-lost", response=RegistrationOut,
             summary="印鑑登録証の亡失届 / Report the card lost")
@api_staff(Capability.MANAGE_SEALS)
def card_lost(request: StaffRequest, registration_id: int) -> RegistrationOut:
    card = services.report_card_lost(actor=request.user, registration_id=registration_id)
    # a registration whose card had already ended has no card to end: the answer is the registration itself
    return _out(card.registration if card is not None else SealRegistration.objects.get(pk=registration_id))


@router.post("/registrations/{registration_id}/card", response=RegistrationOut,
             summary="印鑑登録証の再交付 / Issue a new card")
@api_staff(Capability.MANAGE_SEALS)
def reissue(request: StaffRequest, registration_id: int, payload: ReissueIn) -> RegistrationOut:
    card = services.reissue_card(actor=request.user, registration_id=registration_id, id_document=payload.id_document)
    return _out(card.registration)


@router.post("/registrations/{registration_id}/abolish", response=RegistrationOut,
             summary="印鑑登録の廃止 / Abolish the registration")
@api_staff(Capability.MANAGE_SEALS)
def abolish(request: StaffRequest, registration_id: int, payload: AbolishIn) -> RegistrationOut:
    return _out(services.abolish(actor=request.user, registration_id=registration_id,
                                 card_returned=payload.card_returned, note=payload.note))


@router.get("/cards/{card_number}", response=RegistrationOut,
            summary="印鑑登録証の番号から登録を探す / Find a registration by card number")
@api_staff(Capability.MANAGE_SEALS)
def by_card(request: StaffRequest, card_number: str) -> RegistrationOut:
    resident_id = selectors.find_by_card(user=request.user, card_number=card_number)
    registration = (SealRegistration.objects.filter(cards__number=validate_card_number(card_number),
                                                    resident_id=resident_id).get())
    return _out(registration)
