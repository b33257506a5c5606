"""Cards and PINs for self-service channels: three wrong PINs lock the card for that channel."""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuyakusho.audit.services import record_refusal, record_write
from kuyakusho.core.actors import Actor
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.residents.models import Resident

from ..models import Alert, AlertKind, Card, CardLock

MAX_PIN_FAILURES = 3
_PIN = re.compile(r"[0-9]{4}", re.ASCII)


def pin_mac(card_number: str, pin: str) -> str:
    key = hashlib.sha256(("kuyakusho-card-pin:" + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, f"{card_number}:{pin}".encode(), hashlib.sha256).hexdigest()


def issue_card(*, actor: Actor, kind: str, number: str, resident: Resident, pin: str) -> Card:
    if not _PIN.fullmatch(pin or ""):
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("暗証番号は4桁の数字です。"), field="pin")
    with transaction.atomic():
        card = Card.objects.create(kind=kind, number=number, resident=resident, pin_mac=pin_mac(number, pin),
                                   issued_on=timezone.localdate())
        record_write(actor=actor, action="certificates.card_issue", target=card, subject_id=resident.pk,
                     changes={"kind": [None, kind]})
    return card


def _pin_matches(card: Card, pin: str) -> bool:
    return _PIN.fullmatch(pin or "") is not None and hmac.compare_digest(card.pin_mac, pin_mac(card.number, pin))


def _refuse_card() -> ApplicationError:
    return ApplicationError(ErrorCode.REFUSED, _("カードを確認できませんでした。窓口にお問い合わせください。"),
                            field="card")


def card_usable(*, kind: str, number: str, channel: str, terminal: str = "") -> None:
    """Refuse a card before its PIN is asked for: unknown, withdrawn, or locked for this channel.

    One refusal for all three, with the same wording: the card reader proves only that a card is in it, so
    the answer tells the holder what to do (ask at a counter) without telling a typed-in number's owner
    whether such a card exists. Nothing is counted; a locked card's attempt is audited as at the PIN step.
    """
    card = Card.objects.filter(kind=kind, number=number, active=True).order_by("pk").first()
    locked = card is not None and CardLock.objects.filter(card=card, channel=channel,
                                                          locked_at__isnull=False).exists()
    if card is None:
        record_refusal(actor=None, action="certificates.card_unknown",
                       detail={"channel": channel, "terminal": terminal})
    elif locked:
        record_refusal(actor=None, action="certificates.card_locked", subject_id=card.resident_id,
                       detail={"channel": channel, "terminal": terminal, "step": "card"})
    if card is None or locked:
        raise ApplicationError(ErrorCode.REFUSED, _(
            "このカードはここでは使えません。カードと本人確認書類をお持ちのうえ、区役所の窓口でお問い合わせください。"
        ), field="card")


def authenticate_card(*, kind: str, number: str, pin: str, channel: str, terminal: str = "") -> Card:
    """The card's resident, if the PIN is right and the card is not locked for this channel.

    A wrong PIN is counted in its own transaction: the count survives the refused request. The usual case
    (right PIN, no earlier failure, not locked) reads one row and writes nothing.
    """
    locks = CardLock.objects.filter(card=OuterRef("pk"), channel=channel)
    card = (Card.objects.select_related("resident__household")
            .filter(kind=kind, number=number, active=True)
            .annotate(lock_failures=Subquery(locks.values("failures")[:1]),
                      lock_locked_at=Subquery(locks.values("locked_at")[:1]))
            .order_by("pk").first())
    if card is None:
        raise _refuse_card()
    if not card.lock_failures and card.lock_locked_at is None and _pin_matches(card, pin):
        return card
    with transaction.atomic():
        lock, _created = CardLock.objects.select_for_update().get_or_create(card=card, channel=channel)
        already_locked = lock.locked_at is not None
        pin_ok = not already_locked and _pin_matches(card, pin)
        if pin_ok:
            if lock.failures:
                lock.failures = 0
                lock.save(update_fields=["failures"])
            return card
        if not already_locked:
            lock.failures += 1
            if lock.failures >= MAX_PIN_FAILURES:
                lock.locked_at = timezone.now()
                Alert.objects.create(kind=AlertKind.CARD_LOCKED, resident=card.resident, channel=channel,
                                     detail={"terminal": terminal, "card": card.kind})
            lock.save(update_fields=["failures", "locked_at"])
        record_refusal(actor=None, action="certificates.card_locked" if already_locked else "certificates.wrong_pin",
                       subject_id=card.resident_id,
                       detail={"channel": channel, "terminal": terminal, "failures": lock.failures})
    # Raised after the commit: the count and the audit record stay.
    if already_locked:
        raise ApplicationError(ErrorCode.LOCKED, _(
            "暗証番号を続けて間違えたため、このカードはこの方法では使えません。窓口で解除の手続きをしてください。"
        ), field="pin")
    if lock.locked_at:
        raise ApplicationError(ErrorCode.LOCKED, _(
            "暗証番号を3回間違えたため、このカードはこの方法では使えなくなりました。窓口で解除の手続きをしてください。"
        ), field="pin")
    raise ApplicationError(ErrorCode.REFUSED, _("暗証番号が違います。あと%(left)d回間違えるとロックされます。")
                           % {"left": MAX_PIN_FAILURES - lock.failures}, field="pin")


def unlock_card(*, actor: Actor, card: Card, channel: str) -> None:
    with transaction.atomic():
        updated = CardLock.objects.filter(card=card, channel=channel).update(failures=0, locked_at=None)
        if updated:
            record_write(actor=actor, action="certificates.card_unlock", target=card, subject_id=card.resident_id,
                         detail={"channel": channel})
