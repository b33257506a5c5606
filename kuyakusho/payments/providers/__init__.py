"""Payment service providers behind one interface; ``settings.PAYMENTS_PROVIDER`` names the class in use.

A provider creates a hosted checkout for a payment (the resident is sent to its page), tells the platform
what happened by signed webhooks (verified and parsed by :meth:`Provider.parse_webhook`), refunds and
expires. The demo ward uses :class:`~kuyakusho.payments.providers.sandbox.SandboxProvider`; production
plugs a real PSP's class (its SDK verifying its own signatures) under the same interface.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Checkout:
    checkout_id: str
    redirect_url: str
    expires_at: datetime


@dataclass(frozen=True)
class WebhookEvent:
    event_id: str
    type: str  # payment.authorised | payment.captured | payment.failed | payment.expired | payment.refunded
    checkout_id: str
    amount: int
    method: str = ""


class WebhookRefused(Exception):
    """The notification is not to be believed (signature, time window, format). ``reason`` is a short code."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Provider(Protocol):
    name: str

    def create_checkout(self, *, checkout_id: str, amount: int, description: str, return_url: str,
                        expires_at: datetime) -> Checkout: ...

    def parse_webhook(self, *, body: bytes, headers) -> WebhookEvent: ...

    def refund(self, *, checkout_id: str, amount: int) -> str: ...

    def expire(self, *, checkout_id: str) -> None: ...


EVENT_STATES = {
    "payment.authorised": "authorised",
    "payment.captured": "captured",
    "payment.failed": "failed",
    "payment.expired": "expired",
    "payment.refunded": "refunded",
}


def get_provider(name: str | None = None) -> Provider:
    """The provider configured in ``settings.PAYMENTS_PROVIDERS`` (by name; default ``PAYMENTS_PROVIDER``)."""
    name = name or settings.PAYMENTS_PROVIDER
    try:
        path = settings.PAYMENTS_PROVIDERS[name]
    except KeyError:
        raise LookupError(name) from None
    return import_string(path)()
