"""The demo ward's payment service provider, served by the platform itself under ``/payments/sandbox/``.

It behaves like a real one: a hosted payment page (card numbers for success, a decline and a
3-D-Secure-like confirmation; a code payment shown as a QR code), then webhooks signed with HMAC-SHA256
over ``"{timestamp}.{raw body}"`` with a shared secret (header ``Kuyakusho-Signature: t=…,v1=…``),
delivered by a task after the page's change commits, to the webhook URL, ``PAYMENTS_SANDBOX_DELIVERIES``
times (at least once, as real providers promise). Refunds and expiries are answered at once.

Test cards (any future expiry and any CVC): ``4242 4242 4242 4242`` succeeds, ``4000 0000 0000 0002`` is
declined, ``4000 0000 0000 3220`` asks for a confirmation (3-D Secure) first.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.urls import reverse

from kuyakusho.payments.models import SandboxCheckout

from . import Checkout, WebhookEvent, WebhookRefused

SIGNATURE_HEADER = "Kuyakusho-Signature"
CARD_SUCCESS = "4242424242424242"
CARD_DECLINED = "4000000000000002"
CARD_CHALLENGE = "4000000000003220"


def sign(body: bytes, *, timestamp: int | None = None, secret: str | None = None) -> str:
    """The signature header's value for ``body``."""
    t = int(time.time()) if timestamp is None else timestamp
    key = (secret or settings.PAYMENTS_SANDBOX_SECRET).encode()
    mac = hmac.new(key, f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(body: bytes, header: str | None, *, now: float | None = None) -> None:
    """Raise :class:`WebhookRefused` unless ``header`` signs ``body`` with the secret within the window."""
    if not header:
        raise WebhookRefused("missing_signature")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if sep:
            parts.setdefault(key, []).append(value)
    try:
        t = int(parts["t"][0])
    except (KeyError, ValueError):
        raise WebhookRefused("malformed_signature") from None
    expected = sign(body, timestamp=t).split("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, v) for v in parts.get("v1", [])):
        raise WebhookRefused("bad_signature")
    now = time.time() if now is None else now
    if abs(now - t) > settings.PAYMENTS_WEBHOOK_TOLERANCE:
        raise WebhookRefused("outside_window")


def event_body(*, type: str, checkout: SandboxCheckout, event_id: str | None = None) -> bytes:
    return json.dumps({
        "id": event_id or f"evt_{secrets.token_hex(12)}",
        "type": type,
        "created": int(time.time()),
        "data": {"checkout_id": checkout.checkout_id, "amount": checkout.amount, "currency": "JPY",
                 "method": checkout.method},
    }, separators=(",", ":")).encode()


def webhook_url() -> str:
    return settings.PAYMENTS_WEBHOOK_URL or settings.PUBLIC_BASE_URL + reverse("payments:webhook",
                                                                               args=["sandbox"])


def post_webhook(url: str, body: bytes, signature: str) -> int:
    """POST one delivery; the HTTP status (0 when the platform could not be reached)."""
    request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310 (http(s) from settings)
        "Content-Type": "application/json", SIGNATURE_HEADER: signature})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return 0


@task
def deliver(body: str, attempt: int = 1) -> int:
    """Sign and deliver one event now (a new signature each attempt, as providers do); retried later
    (up to ``PAYMENTS_SANDBOX_MAX_ATTEMPTS``) when the platform answers 5xx or cannot be reached."""
    raw = body.encode()
    status = post_webhook(webhook_url(), raw, sign(raw))
    if ((status == 0 or status >= 500) and attempt < settings.PAYMENTS_SANDBOX_MAX_ATTEMPTS
            and deliver.get_backend().supports_defer):
        deliver.using(run_after=_later(attempt)).enqueue(body, attempt + 1)
    return status


def _later(attempt: int):
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() + timedelta(seconds=min(600, 5 * 2 ** attempt))


def send_event(type: str, checkout: SandboxCheckout) -> None:
    """After the current transaction commits, deliver the event (the same event id each time)."""
    body = event_body(type=type, checkout=checkout).decode()

    def enqueue() -> None:
        for _ in range(settings.PAYMENTS_SANDBOX_DELIVERIES):
            deliver.enqueue(body)

    transaction.on_commit(enqueue)


class SandboxProvider:
    name = "sandbox"

    def create_checkout(self, *, checkout_id: str, amount: int, description: str, return_url: str,
                        expires_at: datetime) -> Checkout:
        SandboxCheckout.objects.create(checkout_id=checkout_id, amount=amount, description=description[:200],
                                       return_url=return_url, expires_at=expires_at)
        return Checkout(checkout_id, reverse("payments:sandbox_checkout", args=[checkout_id]), expires_at)

    def parse_webhook(self, *, body: bytes, headers) -> WebhookEvent:
        verify(body, headers.get(SIGNATURE_HEADER))
        try:
            data = json.loads(body)
            obj = data["data"]
            amount = obj["amount"]
            if not isinstance(amount, int) or isinstance(amount, bool) or obj.get("currency") != "JPY":
                raise WebhookRefused("malformed_body")
            return WebhookEvent(event_id=str(data["id"])[:100], type=str(data["type"]),
                                checkout_id=str(obj["checkout_id"])[:64], amount=amount,
                                method=str(obj.get("method") or "")[:16])
        except (ValueError, KeyError, TypeError):
            raise WebhookRefused("malformed_body") from None

    def refund(self, *, checkout_id: str, amount: int) -> str:
        with transaction.atomic():
            checkout = SandboxCheckout.objects.select_for_update().get(checkout_id=checkout_id)
            if checkout.status != SandboxCheckout.Status.PAID or amount != checkout.amount:
                raise ValueError("not refundable")
            checkout.status = SandboxCheckout.Status.REFUNDED
            checkout.save(update_fields=["status"])
            send_event("payment.refunded", checkout)
        return f"re_{secrets.token_hex(8)}"

    def expire(self, *, checkout_id: str) -> None:
        SandboxCheckout.objects.filter(checkout_id=checkout_id).exclude(
            status__in=[SandboxCheckout.Status.PAID, SandboxCheckout.Status.REFUNDED]).update(
            status=SandboxCheckout.Status.EXPIRED)
