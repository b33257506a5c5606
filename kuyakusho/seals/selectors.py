"""Reads of seal registration: for certificates (card → registration) and for the console (audited)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuyakusho.accounts.models import Staff
from kuyakusho.audit.services import record_read
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.residents.models import Resident, Status

from .cards import validate_card_number
from .conf import age_on
from .models import CardStatus, SealCard, SealEvent, SealRegistration, SealStatus

READ_PURPOSE = "印鑑登録"


def _is_on_register(resident: Resident, on: date) -> bool:
    """On the register that day and no removal recorded (a 転出届 ends the registration when it is made)."""
    return resident.status == Status.ACTIVE and resident.is_resident_on(on)


def active_registration_for(resident: Resident, on: date | None = None) -> SealRegistration | None:
    """The registration a 印鑑登録証明書 may show on ``on`` (today), or None.

    None when the person is not on the register that day (whether or not the registration was abolished
    when they were removed), when the registration is pending, abolished or its card was reported lost.
    """
    on = on or timezone.localdate()
    if not _is_on_register(resident, on):
        return None
    return (SealRegistration.objects.filter(resident_id=resident.pk, status=SealStatus.REGISTERED,
                                            registered_on__lte=on).first())


def verify_card(card_number: str, *, on: date | None = None) -> SealRegistration:
    """The registration of a presented 印鑑登録証, or a refusal (for the certificate issuance).

    The messages are neutral: they say the card cannot be used, not why the person's record changed.
    """
    on = on or timezone.localdate()
    number = validate_card_number(card_number)
    card = SealCard.objects.select_related("registration", "registration__resident",
                                           "registration__resident__household").filter(number=number).first()
    if card is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("この番号の印鑑登録証はありません。"), field="card_number")
    if card.status == CardStatus.LOST:
        raise ApplicationError(ErrorCode.REFUSED, _("この印鑑登録証は亡失の届出があったため使えません。"),
                               field="card_number")
    registration = card.registration
    if (card.status != CardStatus.ACTIVE or registration.status != SealStatus.REGISTERED
            or not _is_on_register(registration.resident, on)):
        raise ApplicationError(ErrorCode.REFUSED, _("この印鑑登録証は使えません（印鑑登録が廃止されています）。"),
                               field="card_number")
    return registration


def registration_queryset() -> QuerySet[SealRegistration]:
    return SealRegistration.objects.select_related("resident", "resident__household", "inquiry").prefetch_related(
        Prefetch("cards", queryset=SealCard.objects.order_by("id")),
        Prefetch("events", queryset=SealEvent.objects.select_related("actor").order_by("id")),
    ).defer("image_png")


@dataclass
class SealRecord:
    resident: Resident
    registrations: list[SealRegistration]
    age: int

    @property
    def current(self) -> SealRegistration | None:
        return next((r for r in self.registrations if r.is_open), None)


def open_seal_record(*, user: Staff, resident_id: int) -> SealRecord:
    """A person and all their registrations for the seal desk; the read is audited (or fails)."""
    resident = Resident.objects.select_related("household").filter(pk=resident_id).first()
    if resident is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("住民が見つかりません。"))
    with transaction.atomic():
        record_read(actor=user, action="seals.open", subject_id=resident.pk, purpose=READ_PURPOSE, target=resident)
        registrations = list(registration_queryset().filter(resident=resident).order_by("-id"))
    return SealRecord(resident=resident, registrations=registrations,
                      age=age_on(resident.birth_date, timezone.localdate()))


def find_by_card(*, user: Staff, card_number: str) -> int:
    """The resident id behind a card number (any status: a lost card is looked up too). Audited."""
    number = validate_card_number(card_number)
    card = SealCard.objects.select_related("registration").filter(number=number).first()
    if card is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("この番号の印鑑登録証はありません。"), field="card_number")
    resident_id = card.registration.resident_id
    record_read(actor=user, action="seals.find_by_card", subject_id=resident_id, purpose=READ_PURPOSE,
                target=card.registration)
    return resident_id


_REFERENCE = re.compile(r"(\d{4})-(\d{1,9})", re.ASCII)


def find_by_reference(*, user: Staff, reference: str) -> SealRegistration:
    """The application behind a 照会番号 (printed on the letter and its answer). Audited."""
    text = unicodedata.normalize("NFKC", (reference or "")[:40]).strip().replace("ー", "-").replace("−", "-")
    match = _REFERENCE.fullmatch(text)
    registration = (registration_queryset().filter(pk=int(match.group(2)), inquiry__isnull=False).first()
                    if match else None)
    if (match is None or registration is None
            or registration.inquiry.reference != f"{match.group(1)}-{int(match.group(2)):06d}"):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("この照会番号の申請はありません（例：2025-000123）。"),
                               field="reference")
    record_read(actor=user, action="seals.find_by_reference", subject_id=registration.resident_id,
                purpose=READ_PURPOSE, target=registration)
    return registration


def registration_for_staff(*, user: Staff, registration_id: int) -> SealRegistration:
    """One registration with its person (for a page about it: the letter, the answer, loss, abolition). Audited."""
    registration = registration_queryset().filter(pk=registration_id).first()
    if registration is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("印鑑登録が見つかりません。"))
    record_read(actor=user, action="seals.open_registration", subject_id=registration.resident_id,
                purpose=READ_PURPOSE, target=registration)
    return registration


def seal_image(registration_id: int) -> bytes:
    """The stored PNG (the caller checks permission and audits)."""
    data = SealRegistration.objects.filter(pk=registration_id).values_list("image_png", flat=True).first()
    if data is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("印鑑登録が見つかりません。"))
    return bytes(data)


def desk_counts(on: date | None = None) -> dict[str, int]:
    """Figures for the desk (no personal data): pending applications, overdue ones, registered seals."""
    on = on or timezone.localdate()
    pending = SealRegistration.objects.filter(status=SealStatus.PENDING)
    return {
        "pending": pending.count(),
        "overdue": pending.filter(inquiry__deadline__lt=on).count(),
        "registered": SealRegistration.objects.filter(status=SealStatus.REGISTERED).count(),
    }
