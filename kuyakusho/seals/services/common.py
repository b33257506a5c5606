"""Helpers shared by the seal services: locking, the checks on the person, cards, history and audit."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuyakusho.accounts.actors import as_staff
from kuyakusho.audit.services import diff, record_write
from kuyakusho.core.actors import Actor
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.residents.models import Resident, Status

from .. import conf
from ..cards import new_card_number
from ..conf import age_on
from ..imaging import CheckedSeal
from ..models import (
    OPEN_STATUSES,
    CardStatus,
    IdDocument,
    Method,
    SealCard,
    SealEvent,
    SealRegistration,
    SealStatus,
)

AUDITED_FIELDS = ("status", "method", "id_document", "proxy_name", "applied_on", "registered_on", "ended_on",
                  "end_reason", "image_sha256", "width_mm", "height_mm", "stated_px_per_mm")


def today() -> date:
    return timezone.localdate()


def lock_resident(resident_id: int) -> Resident:
    """The resident's row, locked: seal operations on one person are serialised."""
    resident = Resident.objects.select_for_update().select_related("household").filter(pk=resident_id).first()
    if resident is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("住民が見つかりません。"), field="resident")
    return resident


def lock_registration(registration_id: int) -> SealRegistration:
    """A registration and its person, both locked (the person first, as every seal service does)."""
    resident_id = SealRegistration.objects.filter(pk=registration_id).values_list("resident_id", flat=True).first()
    if resident_id is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("印鑑登録が見つかりません。"), field="registration")
    lock_resident(resident_id)
    return SealRegistration.objects.select_for_update().select_related("resident", "resident__household").get(
        pk=registration_id)


def require_can_register(resident: Resident, on: date) -> None:
    if resident.status != Status.ACTIVE or not resident.is_resident_on(on):
        raise ApplicationError(ErrorCode.REFUSED, _("住民票が消除されている（または転出等の届出がある）ため、"
                                                    "印鑑登録はできません。"), field="resident")
    if age_on(resident.birth_date, on) < conf.min_age():
        raise ApplicationError(ErrorCode.REFUSED, _("印鑑登録ができるのは%(age)s歳以上の人です。")
                               % {"age": conf.min_age()}, field="resident")
    current = SealRegistration.objects.filter(resident=resident, status__in=OPEN_STATUSES).first()
    if current is not None:
        raise ApplicationError(ErrorCode.DUPLICATE, _("この人はすでに印鑑登録をしています（状態：%(status)s）。"
                                                      "印鑑を変更するときは改印の手続きをしてください。")
                               % {"status": current.get_status_display()}, field="resident")


def clean_id_document(value: str) -> str:
    if value not in IdDocument.values:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("確認した写真付き本人確認書類の種類を選んでください。"),
                               field="id_document")
    return value


def clean_method(value: str) -> str:
    if value not in Method.values:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("確認の方法を選んでください。"), field="method")
    return value


def clean_seal(seal: Any) -> CheckedSeal:
    if not isinstance(seal, CheckedSeal):
        raise TypeError("seal must come from kuyakusho.seals.imaging.check_seal_image")
    return seal


def create_registration(*, actor: Actor, resident: Resident, seal: CheckedSeal, status: str, method: str,
                        id_document: str, proxy_name: str, on: date,
                        replaces: SealRegistration | None = None) -> SealRegistration:
    registration = SealRegistration(
        resident=resident, status=status, method=method, id_document=id_document, proxy_name=proxy_name,
        applied_on=on, registered_on=on if status == SealStatus.REGISTERED else None,
        image_png=seal.png, image_sha256=seal.sha256, image_width_px=seal.width_px, image_height_px=seal.height_px,
        image_px_per_mm=seal.image_px_per_mm, stated_px_per_mm=seal.stated_px_per_mm, width_mm=seal.width_mm,
        height_mm=seal.height_mm, replaces=replaces, created_by=as_staff(actor),
    )
    try:
        with transaction.atomic():
            registration.save(force_insert=True)
    except IntegrityError:
        # Another clerk registered the same person a moment ago (the partial unique constraint).
        raise ApplicationError(ErrorCode.DUPLICATE, _("この人はすでに印鑑登録をしています。"),
                               field="resident") from None
    return registration


def issue_card(registration: SealRegistration, on: date) -> SealCard:
    """A new 印鑑登録証 with a fresh random number (retried on the rare collision)."""
    for _attempt in range(10):
        try:
            with transaction.atomic():
                return SealCard.objects.create(registration=registration, number=new_card_number(), issued_on=on)
        except IntegrityError:
            if SealCard.objects.filter(registration=registration, status=CardStatus.ACTIVE).exists():
                raise
    raise RuntimeError("could not allocate a card number")


def end_card(registration: SealRegistration, status: str, on: date) -> SealCard | None:
    card = SealCard.objects.select_for_update().filter(registration=registration, status=CardStatus.ACTIVE).first()
    if card is not None:
        card.status, card.ended_on = status, on
        card.save(update_fields=["status", "ended_on"])
    return card


def snapshot(registration: SealRegistration) -> dict[str, Any]:
    return {f: getattr(registration, f) for f in AUDITED_FIELDS}


def log(*, actor: Actor, registration: SealRegistration, kind: str, on: date, action: str,
        before: dict[str, Any] | None = None, detail: dict[str, Any] | None = None) -> None:
    """One history row and one audit event (subject: the resident), in the caller's transaction."""
    detail = json.loads(json.dumps(dict(detail or {}), cls=DjangoJSONEncoder))
    SealEvent.objects.create(registration=registration, kind=kind, occurred_on=on,
                             actor=as_staff(actor), detail=detail)
    after = snapshot(registration)
    changes = diff(before, after) if before is not None else {k: [None, v] for k, v in after.items() if v not in ("",
                                                                                                                  None)}
    record_write(actor=actor, action=action, target=registration, subject_id=registration.resident_id,
                 changes=changes, detail=detail)
