"""Registering a seal: in person with photo ID (at once) or by a 照会書 answered within its deadline."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuyakusho.accounts.actors import as_staff
from kuyakusho.core.actors import Actor
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.text import check_text
from kuyakusho.core.wareki import format_wareki
from kuyakusho.residents.models import Resident, Status

from .. import conf
from ..imaging import CheckedSeal
from ..letters import add_months, letter_text
from ..models import CardStatus, EndReason, EventKind, Method, SealInquiry, SealRegistration, SealStatus
from .common import (
    clean_id_document,
    clean_method,
    clean_seal,
    create_registration,
    end_card,
    issue_card,
    lock_registration,
    lock_resident,
    log,
    require_can_register,
    snapshot,
    today,
)


def _register_in_person(*, actor: Actor, resident: Resident, seal: CheckedSeal, id_document: str, on: date,
                        replaces: SealRegistration | None = None) -> SealRegistration:
    registration = create_registration(actor=actor, resident=resident, seal=seal, status=SealStatus.REGISTERED,
                                       method=Method.IN_PERSON, id_document=id_document, proxy_name="", on=on,
                                       replaces=replaces)
    card = issue_card(registration, on)
    log(actor=actor, registration=registration, kind=EventKind.REGISTERED, on=on, action="seals.register",
        detail={"method": Method.IN_PERSON, "id_document": id_document, "card_number": card.number,
                "image_sha256": seal.sha256, "replaces": replaces.pk if replaces else None})
    log(actor=actor, registration=registration, kind=EventKind.CARD_ISSUED, on=on, action="seals.card_issue",
        before=snapshot(registration), detail={"card_number": card.number})
    return registration


def _register_by_letter(*, actor: Actor, resident: Resident, seal: CheckedSeal, proxy_name: str, on: date,
                        replaces: SealRegistration | None = None) -> SealRegistration:
    registration = create_registration(actor=actor, resident=resident, seal=seal, status=SealStatus.PENDING,
                                       method=Method.LETTER, id_document="", proxy_name=proxy_name, on=on,
                                       replaces=replaces)
    deadline = add_months(on, conf.answer_months())
    inquiry = SealInquiry(registration=registration, issued_on=on, deadline=deadline, addressee=resident.name,
                          address=resident.household.address)
    inquiry.letter_text = letter_text(reference=inquiry.reference, name=resident.name, address=inquiry.address,
                                      applied_on=on, issued_on=on, deadline=deadline, proxy_name=proxy_name)
    inquiry.save()
    log(actor=actor, registration=registration, kind=EventKind.APPLIED, on=on, action="seals.apply",
        detail={"method": Method.LETTER, "proxy": bool(proxy_name), "image_sha256": seal.sha256,
                "replaces": replaces.pk if replaces else None})
    log(actor=actor, registration=registration, kind=EventKind.INQUIRY_ISSUED, on=on, action="seals.inquiry_issue",
        before=snapshot(registration), detail={"reference": inquiry.reference, "deadline": deadline})
    return registration


def _clean_proxy(proxy_name: str) -> str:
    return check_text(proxy_name or "", field="proxy_name", max_length=100)


@transaction.atomic
def register_in_person(*, actor: Actor, resident_id: int, seal: CheckedSeal, id_document: str) -> SealRegistration:
    """The person comes with a photo ID: the registration takes effect at once and a card is issued."""
    seal, id_document = clean_seal(seal), clean_id_document(id_document)
    on = today()
    resident = lock_resident(resident_id)
    require_can_register(resident, on)
    return _register_in_person(actor=actor, resident=resident, seal=seal, id_document=id_document, on=on)


@transaction.atomic
def register_by_letter(*, actor: Actor, resident_id: int, seal: CheckedSeal, proxy_name: str = "") -> SealRegistration:
    """No photo ID (or a proxy applies): pending until the 回答書 to the 照会書 comes back in time."""
    seal, proxy_name = clean_seal(seal), _clean_proxy(proxy_name)
    on = today()
    resident = lock_resident(resident_id)
    require_can_register(resident, on)
    return _register_by_letter(actor=actor, resident=resident, seal=seal, proxy_name=proxy_name, on=on)


def _expire(*, actor: Actor, registration: SealRegistration, on: date) -> None:
    before = snapshot(registration)
    registration.status, registration.ended_on, registration.end_reason = (SealStatus.EXPIRED, on,
                                                                          EndReason.EXPIRED)
    registration.save(update_fields=["status", "ended_on", "end_reason", "updated_at"])
    log(actor=actor, registration=registration, kind=EventKind.EXPIRED, on=on, action="seals.expire", before=before,
        detail={"deadline": registration.inquiry.deadline})


def enter_answer(*, actor: Actor, registration_id: int, received_on: date) -> SealRegistration:
    """The 回答書 came back: register and issue the card if it was received by the deadline.

    After the deadline the answer is refused and the application is marked expired (that much is kept even
    though the call raises).
    """
    on = today()
    if received_on is None or received_on > on:
        raise ApplicationError(ErrorCode.INVALID_DATE, _("回答書の受理日は今日以前の日付にしてください。"),
                               field="received_on")
    with transaction.atomic():
        registration = lock_registration(registration_id)
        if registration.status != SealStatus.PENDING:
            raise ApplicationError(ErrorCode.CONFLICT, _("この申請は照会中ではありません（状態：%(status)s）。")
                                   % {"status": registration.get_status_display()}, field="registration")
        inquiry = registration.inquiry
        if received_on < inquiry.issued_on:
            raise ApplicationError(ErrorCode.INVALID_DATE, _("回答書の受理日が照会書の発送日より前です。"),
                                   field="received_on")
        expired = received_on > inquiry.deadline
        if expired:
            _expire(actor=actor, registration=registration, on=on)
        else:
            require_can_register_again(registration, received_on)
            before = snapshot(registration)
            inquiry.answer_received_on, inquiry.answer_entered_at = received_on, timezone.now()
            inquiry.answer_entered_by = as_staff(actor)
            inquiry.save(update_fields=["answer_received_on", "answer_entered_at", "answer_entered_by"])
            registration.status, registration.registered_on = SealStatus.REGISTERED, received_on
            registration.save(update_fields=["status", "registered_on", "updated_at"])
            card = issue_card(registration, on)
            log(actor=actor, registration=registration, kind=EventKind.ANSWER_RECEIVED, on=received_on,
                action="seals.answer", before=before, detail={"reference": inquiry.reference,
                                                              "deadline": inquiry.deadline, "card_number": card.number})
            log(actor=actor, registration=registration, kind=EventKind.CARD_ISSUED, on=on, action="seals.card_issue",
                before=snapshot(registration), detail={"card_number": card.number})
    if expired:
        raise ApplicationError(ErrorCode.REFUSED, _(
            "回答期限（%(deadline)s）を過ぎているため、この申請は無効になりました。改めて登録の申請をしてください。")
                               % {"deadline": format_wareki(inquiry.deadline)}, field="received_on")
    return registration


def require_can_register_again(registration: SealRegistration, on: date) -> None:
    """At the answer the person must still be on the register (the application itself was checked before)."""
    resident = registration.resident
    if resident.status != Status.ACTIVE or not resident.is_resident_on(on):
        raise ApplicationError(ErrorCode.REFUSED, _("住民票が消除されている（または転出等の届出がある）ため、"
                                                    "印鑑登録はできません。"), field="resident")


@transaction.atomic
def reregister(*, actor: Actor, registration_id: int, seal: CheckedSeal, method: str, id_document: str = "",
               proxy_name: str = "") -> SealRegistration:
    """改印: the current registration is abolished and the new seal registered, in one transaction."""
    seal, method = clean_seal(seal), clean_method(method)
    if method == Method.IN_PERSON:
        id_document = clean_id_document(id_document)
    proxy_name = _clean_proxy(proxy_name)
    on = today()
    old = lock_registration(registration_id)
    if not old.is_open:
        raise ApplicationError(ErrorCode.CONFLICT, _("この印鑑登録はすでに廃止されています。新規に登録してください。"),
                               field="registration")
    before = snapshot(old)
    old.status, old.ended_on, old.end_reason = SealStatus.ABOLISHED, on, EndReason.REREGISTRATION
    old.save(update_fields=["status", "ended_on", "end_reason", "updated_at"])
    card = end_card(old, CardStatus.VOID, on)
    log(actor=actor, registration=old, kind=EventKind.ABOLISHED, on=on, action="seals.abolish", before=before,
        detail={"reason": EndReason.REREGISTRATION, "card_number": card.number if card else None})
    require_can_register(old.resident, on)
    if method == Method.IN_PERSON:
        return _register_in_person(actor=actor, resident=old.resident, seal=seal, id_document=id_document, on=on,
                                   replaces=old)
    return _register_by_letter(actor=actor, resident=old.resident, seal=seal, proxy_name=proxy_name, on=on,
                               replaces=old)
