from __future__ import annotations

import json
import time

import pytest


@pytest.fixture
def deliveries(monkeypatch):
    """The sandbox's webhook deliveries go through the test client (the whole middleware stack and URL) instead
    of HTTP; the list records each delivery's status."""
    from django.test import Client
    from django.urls import reverse

    from kuyakusho.payments.providers import sandbox

    sent: list[tuple[dict, int]] = []
    client = Client()

    def post(url, body, signature):
        response = client.post(reverse("payments:webhook", args=["sandbox"]), body,
                               content_type="application/json", headers={sandbox.SIGNATURE_HEADER: signature})
        sent.append((json.loads(body), response.status_code))
        return response.status_code

    monkeypatch.setattr(sandbox, "post_webhook", post)
    return sent


@pytest.fixture
def bill(db):
    from kuyakusho.payments import services

    return services.create_bill(actor=None, purpose="住民票の写し（オンライン請求）", amount=300, payer_ref="req-1",
                                source="test", source_ref="req-1", resident_id=42)


def signed(client, body: bytes, *, timestamp=None, secret=None):
    """POST ``body`` to the sandbox webhook with a signature (the current time unless given)."""
    from django.urls import reverse

    from kuyakusho.payments.providers import sandbox

    t = int(time.time()) if timestamp is None else timestamp
    return client.post(reverse("payments:webhook", args=["sandbox"]), body, content_type="application/json",
                       headers={sandbox.SIGNATURE_HEADER: sandbox.sign(body, timestamp=t, secret=secret)})


def event(checkout_id: str, *, type="payment.captured", amount=300, event_id="evt_1", method="card") -> bytes:
    return json.dumps({"id": event_id, "type": type, "created": int(time.time()),
                       "data": {"checkout_id": checkout_id, "amount": amount, "currency": "JPY",
                                "method": method}}).encode()
