"""After registration: a lost card and its re-issue, abolition (廃止) on request or on removal, expiry."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.actors import Actor
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.text import check_text
from kuyakusho.residents.models import RemovalReason, Resident, Status

from ..models import OPEN_STATUSES, CardStatus, EndReason, EventKind, SealCard, SealRegistration, SealStatus
from .common import clean_id_document, end_card, issue_card, lock_registration, log, snapshot, today
from .registration import _expire

REMOVAL_END_REASONS = {
    RemovalReason.MOVE_OUT: EndReason.MOVE_OUT,
    RemovalReason.ABROAD_OUT: EndReason.MOVE_OUT,
    RemovalReason.DEATH: EndReason.DEATH,
}


@transaction.atomic
def report_card_lost(*, actor: Actor, registration_id: int) -> SealCard | None:
    """亡失届: the card stops working at once (no certificate on it); the registration waits for a new card."""
    on = today()
    registration = lock_registration(registration_id)
    if registration.status != SealStatus.REGISTERED:
        raise ApplicationError(ErrorCode.CONFLICT, _(
            "登録中の印鑑登録ではないため、亡失の届出はできません（状態：%(status)s）。")
                               % {"status": registration.get_status_display()}, field="registration")
    before = snapshot(registration)
    card = end_card(registration, CardStatus.LOST, on)
    registration.status = SealStatus.CARD_LOST
    registration.save(update_fields=["status", "updated_at"])
    log(actor=actor, registration=registration, kind=EventKind.CARD_LOST, on=on, action="seals.card_lost",
        before=before, detail={"card_number": card.number if card else None})
    return card


@transaction.atomic
def reissue_card(*, actor: Actor, registration_id: int, id_document: str) -> SealCard:
    """再交付 with photo ID: after a loss, or to replace a damaged card (the old card becomes void)."""
    id_document = clean_id_document(id_document)
    on = today()
    registration = lock_registration(registration_id)
    if registration.status not in (SealStatus.REGISTERED, SealStatus.CARD_LOST):
        raise ApplicationError(ErrorCode.CONFLICT, _(
            "登録中の印鑑登録ではないため、登録証を交付できません（状態：%(status)s）。")
                               % {"status": registration.get_status_display()}, field="registration")
    if registration.resident.status != Status.ACTIVE:
        raise ApplicationError(ErrorCode.REFUSED, _("住民票が消除されている（または転出等の届出がある）ため、"
                                                    "登録証を交付できません。"), field="resident")
    before = snapshot(registration)
    old = end_card(registration, CardStatus.VOID, on)
    card = issue_card(registration, on)
    registration.status = SealStatus.REGISTERED
    registration.save(update_fields=["status", "updated_at"])
    log(actor=actor, registration=registration, kind=EventKind.CARD_REISSUED, on=on, action="seals.card_reissue",
        before=before, detail={"card_number": card.number, "replaced_card": old.number if old else None,
                               "id_document": id_document})
    return card


def _abolish(*, actor: Actor, registration: SealRegistration, on: date, reason: str, action: str,
             detail: dict[str, Any]) -> None:
    before = snapshot(registration)
    registration.status, registration.ended_on, registration.end_reason = SealStatus.ABOLISHED, on, reason
    registration.save(update_fields=["status", "ended_on", "end_reason", "updated_at"])
    card = end_card(registration, CardStatus.VOID, on)
    log(actor=actor, registration=registration, kind=EventKind.ABOLISHED, on=on, action=action, before=before,
        detail={**detail, "reason": reason, "card_number": card.number if card else None})


@transaction.atomic
def abolish(*, actor: Actor, registration_id: int, card_returned: bool, note: str = "") -> SealRegistration:
    """廃止 at the resident's request (or withdrawal of a pending application)."""
    note = check_text(note or "", field="note", max_length=200)
    registration = lock_registration(registration_id)
    if not registration.is_open:
        raise ApplicationError(ErrorCode.CONFLICT, _("この印鑑登録はすでに廃止されています。"), field="registration")
    _abolish(actor=actor, registration=registration, on=today(), reason=EndReason.REQUEST, action="seals.abolish",
             detail={"card_returned": bool(card_returned), "note": note})
    return registration


def abolish_for_removal(*, actor: Actor, resident: Resident, on: date) -> SealRegistration | None:
    """職権廃止 when the person's record is removed (転出, 国外転出, 死亡, 職権消除): call it inside the removal's
    transaction, after setting ``removal_reason``. Returns the registration ended, or None if there was none.

    Per the national guidelines the registration ends when the 転出届 is made, not on the planned moving day,
    so the end date is ``min(on, today)``. Without a registration it costs one indexed query; it takes no
    savepoint of its own (an error rolls back the removal's whole transaction).
    """
    with transaction.atomic(savepoint=False):
        # The caller holds the person's row, which every seal service locks first: nothing is registered
        # in between.
        registration = (SealRegistration.objects.select_for_update()
                        .filter(resident_id=resident.pk, status__in=OPEN_STATUSES).first())
        if registration is None:
            return None
        reason = REMOVAL_END_REASONS.get(RemovalReason(resident.removal_reason), EndReason.REMOVAL)
        _abolish(actor=actor, registration=registration, on=min(on, today()), reason=reason,
                 action="seals.abolish_for_removal",
                 detail={"removal_reason": resident.removal_reason, "removed_on": on})
        return registration


def expire_overdue(*, actor: Actor = None, on: date | None = None) -> int:
    """Mark every pending application whose answer deadline has passed as expired (a daily task)."""
    on = on or today()
    ids = list(SealRegistration.objects.filter(status=SealStatus.PENDING, inquiry__deadline__lt=on)
               .values_list("pk", flat=True))
    done = 0
    for registration_id in ids:
        with transaction.atomic():
            registration = lock_registration(registration_id)
            if registration.status == SealStatus.PENDING and registration.inquiry.deadline < on:
                _expire(actor=actor, registration=registration, on=on)
                done += 1
    return done
