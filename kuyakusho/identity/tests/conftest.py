"""Sign-in tests: the portal's OpenID Connect client talks to the sandbox provider through Django's test
client (a requests transport mounted on ``identity.client.HTTP``), so the whole round trip runs in-process."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client
from requests.structures import CaseInsensitiveDict

from kuyakusho.certificates.models import CardKind
from kuyakusho.certificates.services.cards import issue_card
from kuyakusho.identity import client as oidc

BASE = "http://localhost"  # authlib allows plain http for loopback hosts only


class DjangoTransport(requests.adapters.BaseAdapter):
    """Answers requests to http://localhost/ from the Django app (``down``: as if the provider were down;
    ``rewrite``: change a JSON answer on its way back)."""

    def __init__(self):
        super().__init__()
        self.client = Client(SERVER_NAME="localhost")
        self.down = False
        self.status = None
        self.rewrite = None
        self.calls = []

    def send(self, request, **kwargs):
        if self.down:
            raise requests.ConnectionError("connection refused")
        url = urlsplit(request.url)
        path = url.path + (f"?{url.query}" if url.query else "")
        self.calls.append((request.method, url.path))
        if request.method == "POST":
            body = request.body or b""
            answer = self.client.generic("POST", path, body.encode() if isinstance(body, str) else body,
                                         content_type=request.headers.get("Content-Type", ""))
        else:
            answer = self.client.get(path)
        r = requests.Response()
        r.status_code = self.status or answer.status_code
        r._content = answer.content
        if self.rewrite and answer.get("Content-Type", "").startswith("application/json"):
            r._content = self.rewrite(url.path, answer.content)
        r.headers = CaseInsensitiveDict(dict(answer.items()))
        r.url, r.request, r.encoding = request.url, request, "utf-8"
        return r

    def close(self):
        pass


@pytest.fixture
def provider(settings, tmp_path, monkeypatch):
    settings.IDENTITY_SANDBOX = True
    settings.IDENTITY_ISSUER = ""
    settings.IDENTITY_PRIVATE_KEY_FILE = tmp_path / "client-key.pem"
    transport = DjangoTransport()
    session = requests.Session()
    session.mount(BASE + "/", transport)
    monkeypatch.setattr(oidc, "HTTP", session)
    oidc._jwks_cache.clear()
    return transport


@pytest.fixture
def browser_client(db):
    """A resident's browser on the sandbox's host."""
    return Client(SERVER_NAME="localhost")


def card_for(resident, number: str, pin: str = "1234"):
    return issue_card(actor=None, kind=CardKind.MY_NUMBER_CARD, number=number, resident=resident, pin=pin)


def local(url: str) -> str:
    assert url.startswith(BASE), url
    return url[len(BASE):]


def to_provider(client, start="/identity/start", data=None):
    r = client.post(start, data or {})
    assert r.status_code == 302, r.content[:500]
    return local(r["Location"])


def at_provider(client, authorize_path: str, number: str, pin: str = "1234"):
    """The resident gives her card and PIN at the sandbox; returns the sandbox's answer."""
    return client.post(authorize_path, {"card": number, "pin": pin})


def card_flow(client, number: str, *, start="/identity/start", pin="1234"):
    """Start, hold the card, come back: the callback's answer."""
    r = at_provider(client, to_provider(client, start), number, pin)
    assert r.status_code == 302, r.content.decode()[r.content.decode().find("<main"):][:1500]
    return client.get(local(r["Location"]))


def query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
