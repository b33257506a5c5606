"""Portal benchmark: My page for a resident with ten years of history and 1,000 access-log entries (floor:
p95 < 100 ms, the access log paged), and the full OpenID Connect sign-in round trip against the sandbox
provider (floor: < 300 ms of server time).

Requests go through Django's test client in this process (server time, no network): the sign-in is the
whole round trip a browser makes — start (state, nonce, PKCE), the sandbox's authorization page, the card
and PIN, the callback with the token request (private_key_jwt) and the ID token's verification — the
provider reached through the same in-process transport the tests use.

    .venv/bin/python -m bench --only portal [--portal-requests 200]
"""

from __future__ import annotations

import random
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

from bench.common import Timer

CARD = "BENCHPORTAL1"
PIN = "1234"


def add_arguments(parser) -> None:
    g = parser.add_argument_group("portal")
    g.add_argument("--portal-requests", type=int, default=200, help="My page requests per page kind")
    g.add_argument("--portal-sign-ins", type=int, default=50, help="full sign-in round trips")


def _resident():
    """A resident who moved in ten years ago, moved within the ward each year since, with 1,000 audited reads
    and changes of her record by staff (created once per bench database)."""
    from kuyakusho.audit.context import audit_context
    from kuyakusho.audit.models import AuditEvent
    from kuyakusho.audit.services import append_many
    from kuyakusho.certificates.models import Card, CardKind
    from kuyakusho.certificates.services.cards import pin_mac
    from kuyakusho.residents.models import EventEntry
    from kuyakusho.residents.tests.factories import ResidentFactory, my_number, record_initial_event, resident_code

    card = Card.objects.filter(kind=CardKind.MY_NUMBER_CARD, number=CARD).select_related("resident").first()
    if card is not None:
        return card.resident
    start = date.today() - timedelta(days=3650)
    n = 9_876_543  # codes no generated resident has
    resident = ResidentFactory(name="練馬 ベンチ子", name_kana="ネリマ ベンチコ", sex="female",
                               became_resident_on=start, address_since=start, resident_code=resident_code(n),
                               my_number=my_number(n))
    for year in range(10):
        record_initial_event(resident, moved_on=start + timedelta(days=365 * year))
    Card.objects.create(kind=CardKind.MY_NUMBER_CARD, number=CARD, resident=resident, pin_mac=pin_mac(CARD, PIN),
                        issued_on=start)
    have = AuditEvent.objects.filter(subject_id=str(resident.pk)).count()
    purposes = ["certificate", "notification", "consultation", "inquiry", "correction"]
    with audit_context(channel="console", via="residents:record"):
        append_many([{"action": "residents.open", "subject_id": resident.pk, "purpose": random.choice(purposes),
                      "target": resident} for _ in range(max(0, 1000 - have))], actor=None, kind="read")
    assert EventEntry.objects.filter(resident=resident).count() >= 10
    return resident


def _sign_in(client) -> None:
    from kuyakusho.identity.tests.conftest import BASE

    r = client.post("/identity/start")
    authorize = r["Location"][len(BASE):]
    r = client.post(authorize, {"card": CARD, "pin": PIN})
    r = client.get(r["Location"][len(BASE):])
    assert r.status_code == 302, r.status_code


def run(args, ctx) -> list[dict]:
    import requests
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment

    from kuyakusho.identity import client as oidc
    from kuyakusho.identity.models import ResidentLink, SignInAttempt
    from kuyakusho.identity.tests.conftest import BASE, DjangoTransport

    setup_test_environment()
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    settings.IDENTITY_SANDBOX, settings.IDENTITY_ISSUER = True, ""
    settings.IDENTITY_PRIVATE_KEY_FILE = Path(tempfile.mkdtemp()) / "client-key.pem"
    session = requests.Session()
    session.mount(BASE + "/", DjangoTransport())
    oidc.HTTP = session

    resident = _resident()
    browser = Client(SERVER_NAME="localhost")
    _sign_in(browser)
    if not ResidentLink.objects.filter(resident=resident).exists():
        r = browser.post("/identity/link/start")
        r = browser.post(r["Location"][len(BASE):], {"card": CARD, "pin": PIN})
        browser.get(r["Location"][len(BASE):])
    assert ResidentLink.objects.filter(resident=resident).exists()
    rows = []

    sign_in = Timer()
    for _ in range(args.portal_sign_ins):
        sign_in.time(_sign_in, Client(SERVER_NAME="localhost"))
    rows.append({"benchmark": "OIDC sign-in round trip (sandbox)", **sign_in.summary(),
                 "note": "start + authorize page + card/PIN + callback (token, ID token); floor < 300 ms"})

    pages = max(1, 1000 // 20)
    for name, path in [("My page (recent accesses)", lambda: "/mypage/"),
                       ("access log, a random page of 20", lambda: f"/mypage/access?page={random.randint(1, pages)}"),
                       ("own record (audited read)", lambda: "/mypage/record")]:
        t = Timer()
        for _ in range(args.portal_requests):
            r = t.time(browser.get, path())
            assert r.status_code == 200, (path(), r.status_code)
        rows.append({"benchmark": name, **t.summary(), "note": "1,000 log entries, 10 years of history; "
                                                                "floor p95 < 100 ms"})
    SignInAttempt.objects.filter(used_at__isnull=False).delete()
    return rows


if __name__ == "__main__":
    from bench.__main__ import main

    raise SystemExit(main(["--only", "portal", *sys.argv[1:]]))
