"""Online certificate requests: each step of a request, from the resident's form to the envelope.

``python -m bench --only online [--online-requests 50]`` makes a household and a card-signed-in account per
request (not timed), then times, request by request, in this process:

* ``request``: the resident's request (policy, household rule, audit);
* ``signature``: her signature's check against the register (基本4情報, one current resident) and the bill;
* ``payment webhook``: the provider's signed ``payment.captured`` through ``/payments/webhook/sandbox`` (the
  whole request stack; the payments hook receives the request);
* ``issue at the desk``: the register read again, the one issuance service (policy, support measures,
  number, the PDF drawn and signed), the record and audit;
* ``mail``: marked mailed.

Server time only (no network, no browser). The note gives the process's CPU time beside the wall time.
"""

from __future__ import annotations

import json
import time

from bench import common
from bench.common import Timer


def add_arguments(parser) -> None:
    g = parser.add_argument_group("online")
    g.add_argument("--online-requests", type=int, default=50, help="online certificate requests")


def _people(n: int, run: str):
    """A resident (her own household) and her card account per request; names and birth dates differ, so that
    her signing certificate matches her alone."""
    from datetime import date, timedelta

    from kuyakusho.identity.models import AccountKind, PortalAccount
    from kuyakusho.residents.tests.factories import (
        HouseholdFactory,
        ResidentFactory,
        my_number,
        record_initial_event,
        resident_code,
    )

    first = date(1940, 1, 1) + timedelta(days=int(time.time()) % 15000)
    codes = 100_000_000 + (int(time.time()) % 100_000) * 1000  # numbers no other bench resident has
    out = []
    for i in range(n):
        wife = ResidentFactory.create(household=HouseholdFactory(), name=f"申請 花子{i}", sex="female",
                                      birth_date=first + timedelta(days=i), resident_code=resident_code(codes + i),
                                      my_number=my_number(codes + i))
        record_initial_event(wife)
        account = PortalAccount.objects.create(kind=AccountKind.CARD, issuer="https://bench.example",
                                               subject=f"{run}-{i}")
        out.append((wife, account))
    return out


def run(args, ctx) -> list[dict]:
    import logging

    from django.test import Client

    from kuyakusho.accounts.capabilities import Role
    from kuyakusho.accounts.models import Staff
    from kuyakusho.audit.context import audit_context
    from kuyakusho.certificates.services import online
    from kuyakusho.payments import services as payments
    from kuyakusho.payments.models import Bill
    from kuyakusho.payments.providers import sandbox
    from kuyakusho.residents.portal_selectors import basic_four_of

    logging.getLogger("kuyakusho.request").setLevel(logging.WARNING)
    n = args.online_requests
    run_id = f"bench-{int(time.time() * 1000)}"
    clerk = Staff.objects.create_user(username=f"online-{run_id}"[:150], password=None, role=Role.CLERK)
    with audit_context(channel="system", via="bench"):
        people = _people(n, run_id)
    timers = {name: Timer() for name in ("request", "signature", "payment webhook", "issue at the desk", "mail")}
    client = Client(SERVER_NAME="127.0.0.1")
    cpu = time.process_time()
    wall = time.perf_counter()
    done = 0
    for wife, account in people:
        with audit_context(channel="portal", via="bench"):
            req = timers["request"].time(online.create_request, actor=account, account_ref=account.username,
                                         requester_id=wife.pk, data=online.OnlineInput(
                                             kind="juminhyo", subject_id=wife.pk, options=frozenset({"head"})))
            req = timers["signature"].time(online.record_signature, actor=account, account_ref=account.username,
                                           document=online.signing_document(req), signer=online.Signer(
                                               issuer="https://bench.example", subject=account.subject,
                                               four=basic_four_of(wife)))
            payment = payments.start_checkout(actor=account, bill=Bill.objects.get(pk=req.bill_id), return_url="/")
        body = json.dumps({"id": f"evt_{payment.checkout_id}", "type": "payment.captured",
                           "created": int(time.time()), "data": {"checkout_id": payment.checkout_id,
                                                                 "amount": payment.amount, "currency": "JPY",
                                                                 "method": "card"}}).encode()
        r = timers["payment webhook"].time(client.post, "/payments/webhook/sandbox", body,
                                           content_type="application/json",
                                           headers={sandbox.SIGNATURE_HEADER: sandbox.sign(body)})
        assert r.status_code == 200, r.content[:200]
        req.refresh_from_db()
        with audit_context(channel="console", via="bench"):
            req = timers["issue at the desk"].time(online.issue_online, actor=clerk, reference=req.reference,
                                                   version=req.version)
            req = timers["mail"].time(online.mark_mailed, actor=clerk, reference=req.reference, version=req.version)
        done += req.status == "mailed"
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    rows = []
    for name, timer in timers.items():
        rows.append({"benchmark": name, **timer.summary()})
    rows.append({"benchmark": "whole request (the steps above, in turn)", "n": n, "total_s": round(wall, 3),
                 "per_s": round(n / wall, 1),
                 "note": f"{done}/{n} mailed; cpu {cpu:.2f} s; {common.machine_load()}"})
    for row in rows:
        print(row, flush=True)
    return rows
