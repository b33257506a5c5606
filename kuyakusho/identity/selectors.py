"""Reads for sign-in: the demo cards (sandbox), accounts and links."""

from __future__ import annotations

from kuyakusho.certificates.models import Card, CardKind
from kuyakusho.residents.portal_selectors import basic_four_of

from .models import PortalAccount, ResidentLink


def my_number_card(number: str) -> Card | None:
    return (Card.objects.select_related("resident__household")
            .filter(kind=CardKind.MY_NUMBER_CARD, number=(number or "").strip().upper(), active=True).first())


def card_holder_claims(card: Card) -> dict:
    """The 基本4情報 of the card's signing certificate, as OpenID Connect claims."""
    four = basic_four_of(card.resident)
    return {"name": four.name, "birthdate": four.birth_date.isoformat(), "gender": four.sex,
            "address": {"formatted": four.address}}


def account_for_subject(issuer: str, subject: str) -> PortalAccount | None:
    return PortalAccount.objects.filter(kind="card", issuer=issuer, subject=subject).first()


def link_of(account: PortalAccount) -> ResidentLink | None:
    return ResidentLink.objects.filter(account=account).select_related("resident").first()
