"""Object checks of the facilities area: a resident acts only for the registrations of her own account."""

from __future__ import annotations

from kuyakusho.identity.models import PortalAccount

from .models import Booking, Registrant


def acts_for(account: PortalAccount, registrant: Registrant | None) -> bool:
    """The account registered this person or group (it may apply, book, pay and cancel for it)."""
    return registrant is not None and registrant.account_id == account.pk


def may_handle_booking(account: PortalAccount, booking: Booking) -> bool:
    return acts_for(account, booking.registrant)
