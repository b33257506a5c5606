"""Under concurrent load every certificate names exactly the person whose card was presented (PostgreSQL).

Real HTTP against the live server: 50 convenience-store requests at once, each with a different
resident's My Number card; every returned PDF is opened and read. Then one request retried by ten
threads at once with the same idempotency key: one certificate, the same PDF, charged once.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.db import connection, connections

from kuyakusho.accounts.models import TerminalKind
from kuyakusho.accounts.terminals import register_terminal
from kuyakusho.audit.models import AuditEvent
from kuyakusho.certificates.documents import verify_pdf
from kuyakusho.certificates.models import Issuance
from kuyakusho.certificates.services.cards import issue_card
from kuyakusho.residents.tests.factories import ResidentFactory

from .conftest import OPEN, pdf_text
from .test_kiosk import clock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PARALLEL = 50
SURNAMES = ["青木", "石川", "上田", "江口", "大野", "加藤", "木村", "工藤", "小島", "斉藤"]
GIVEN = ["明美", "一樹", "健太", "直子", "浩二", "真理"]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions are tested on PostgreSQL")


@pytest.fixture(autouse=True)
def _default_policies():
    """Transactional tests empty the tables after each test: put the migrations' data back."""
    import importlib

    from django.apps import apps

    from kuyakusho.offices.standard import ensure_standard_schedules

    ensure_standard_schedules()
    importlib.import_module("kuyakusho.certificates.migrations.0002_default_policies").create(apps, None)


@pytest.fixture
def open_hours(monkeypatch):
    clock(monkeypatch, OPEN)


@pytest.fixture
def store(clerk):
    _, token = register_terminal(actor=clerk, code="store-load", kind=TerminalKind.KONBINI, name="負荷試験店")
    return token


@pytest.fixture
def people():
    """Residents with names none of which contains another, each with a card and a PIN of their own."""
    out = []
    for i in range(PARALLEL):
        name = f"{SURNAMES[i % len(SURNAMES)]}　{GIVEN[i // len(SURNAMES)]}"
        person = ResidentFactory(name=name, name_kana="テスト", hittosha=name)
        number, pin = f"MN{i + 1:08d}", f"{(i * 37 + 1000) % 10000:04d}"
        issue_card(actor=None, kind="my_number_card", number=number, resident=person, pin=pin)
        out.append((person, number, pin))
    assert len({p.name for p, _n, _pin in out}) == PARALLEL
    return out


def post(url: str, token: str, key: str, payload: dict) -> tuple[int, dict]:
    """One terminal request; like a store terminal, retried with the same key if the connection drops
    (the test server's listen queue is short: fifty connections at once overflow it)."""
    assert url.startswith("http://")
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST", headers={  # noqa: S310
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": key})
    for attempt in range(8):
        try:
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 (checked above)
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")
        except (ConnectionError, urllib.error.URLError):
            if attempt == 7:
                raise
            time.sleep(0.1 * (attempt + 1))
    raise AssertionError("unreachable")


def run_together(calls: list) -> list:
    """Start every call at the same moment, each on its own thread (and its own connections)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait(30)
            results[i] = fn()
        except Exception as e:
            results[i] = e
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    return results


def test_fifty_people_at_once_each_get_their_own_certificate(live_server, store, people, open_hours):
    url = f"{live_server.url}/api/certificates/konbini/issue"
    calls = [
        (lambda number=number, pin=pin, i=i: post(url, store, f"load-{i:04d}-key",
                                                  {"card_number": number, "pin": pin, "kind": "juminhyo"}))
        for i, (_person, number, pin) in enumerate(people)
    ]
    results = run_together(calls)
    names = [p.name for p, _n, _pin in people]
    for (person, _number, _pin), result in zip(people, results, strict=True):
        assert not isinstance(result, Exception), result
        status, data = result
        assert status == 200, data
        pdf = base64.b64decode(data["pdf_base64"])
        text = pdf_text(pdf)
        assert person.name in text, (person.name, data["number"])
        intruders = [n for n in names if n != person.name and n in text]
        assert not intruders, (person.name, intruders)
        check = verify_pdf(pdf)
        assert check.valid and check.verification_code == data["verification_code"]
        issuance = Issuance.objects.get(number=data["number"])
        assert issuance.subject_id == person.pk and issuance.members == [person.pk]
    numbers = [r[1]["number"] for r in results]
    codes = [r[1]["verification_code"] for r in results]
    assert len(set(numbers)) == PARALLEL and len(set(codes)) == PARALLEL
    assert Issuance.objects.filter(channel="konbini").count() == PARALLEL
    assert AuditEvent.objects.filter(action="certificates.issue").count() == PARALLEL


def test_ten_retries_of_one_request_at_once_issue_one_certificate(live_server, store, people, open_hours):
    person, number, pin = people[7]
    url = f"{live_server.url}/api/certificates/konbini/issue"
    payload = {"card_number": number, "pin": pin, "kind": "juminhyo", "options": ["head"]}
    results = run_together([lambda: post(url, store, "same-request-key-0001", payload) for _ in range(10)])
    assert all(not isinstance(r, Exception) and r[0] == 200 for r in results), results
    assert len({r[1]["number"] for r in results}) == 1
    assert len({r[1]["pdf_base64"] for r in results}) == 1
    issuance = Issuance.objects.get()
    assert issuance.subject == person and issuance.fee == 200
    assert AuditEvent.objects.filter(action="certificates.issue").count() == 1
    assert person.name in pdf_text(base64.b64decode(results[0][1]["pdf_base64"]))
