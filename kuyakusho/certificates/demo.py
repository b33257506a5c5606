"""Demo data for certificates: cards with known PINs, self-service terminals, a tax ledger.

    from kuyakusho.certificates.demo import create_demo_certificates
    summary = create_demo_certificates(today=date.today())   # after the offices and the population

* **Cards** (the first ``cards`` adults on the register, by id): each gets a 区民カード for the kiosks and a
  マイナンバーカード for convenience stores. Card numbers are ``NK`` / ``MN`` followed by 8 digits
  (``NK00000001``, ``MN00000001`` … in the order of ``summary.cards``). **Every demo card's PIN is 1234**
  (``DEMO_PIN``); three wrong PINs lock a card for that channel until a clerk unlocks it.
* **Terminals**: a kiosk at each office (``kiosk-<office code>``), one convenience-store terminal
  (``konbini-demo``) and one post-office terminal (``post-office-demo``). Tokens are new on every call
  (the old ones stop working) and returned in ``summary.terminals`` — the only place they appear. Enrol a
  kiosk browser at ``/kiosk/certificates/enrol/?token=<token>``.
* **Tax ledger** (課税・非課税・納税証明書): one ``TaxRecord`` per adult for the last two assessed fiscal
  years, deterministic per resident: about one in five has no taxable income (非課税), most paid in full.

Bulk inserts (no per-row audit): one audit event records what was loaded. Running it again adds what is
missing and leaves existing cards and tax records alone.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from kuyakusho.accounts.models import Terminal, TerminalKind
from kuyakusho.audit.services import record_write
from kuyakusho.offices.models import Office
from kuyakusho.residents.models import Resident
from kuyakusho.residents.selectors import resident_q

from .models import Card, CardKind, TaxRecord
from .services.cards import pin_mac
from .services.content import fiscal_year_default

DEMO_PIN = "1234"
ADULT_AGE = 18
BATCH = 2000


@dataclass
class DemoCertificates:
    cards: list[tuple[str, str, str]] = field(default_factory=list)  # (resident card, My Number card, name)
    terminals: list[tuple[str, str, str]] = field(default_factory=list)  # (code, kind, token)
    tax_records: int = 0
    fiscal_years: tuple[int, ...] = ()


def _adults(today: date):
    cutoff = today.replace(year=today.year - ADULT_AGE) if not (today.month == 2 and today.day == 29) \
        else date(today.year - ADULT_AGE, 2, 28)
    return Resident.objects.filter(resident_q(today), birth_date__lte=cutoff).order_by("id")


def _terminal(code: str, kind: str, name: str, office: Office | None) -> tuple[str, str, str]:
    token = secrets.token_urlsafe(32)
    digest = hashlib.sha256(token.encode()).hexdigest()
    Terminal.objects.update_or_create(code=code, defaults={"kind": kind, "name": name, "office": office,
                                                           "token_sha256": digest, "active": True})
    return code, kind, token


def _tax_row(resident_id: int, year: int) -> TaxRecord:
    rng = random.Random(f"tax-{resident_id}-{year}")
    if rng.random() < 0.2:
        income = rng.choice([0, 0, 480_000, 950_000])
        return TaxRecord(resident_id=resident_id, fiscal_year=year, income=income)
    income = rng.randrange(1_500_000, 12_000_000, 1_000)
    taxable = max(0, int(income * 0.7) - 430_000) // 1000 * 1000
    municipal = taxable * 6 // 100 // 100 * 100 + 3_000  # 6% + 均等割
    prefectural = taxable * 4 // 100 // 100 * 100 + 1_000
    assessed = municipal + prefectural
    paid = assessed if rng.random() < 0.9 else assessed * rng.choice([1, 2, 3]) // 4
    return TaxRecord(resident_id=resident_id, fiscal_year=year, income=income, taxable_income=taxable,
                     municipal_tax=municipal, prefectural_tax=prefectural, paid=paid)


def _tax_ledger(today: date, years: tuple[int, ...]) -> int:
    have = set(TaxRecord.objects.filter(fiscal_year__in=years).values_list("resident_id", "fiscal_year"))
    created = 0
    rows: list[TaxRecord] = []
    for rid in _adults(today).values_list("id", flat=True).iterator(chunk_size=BATCH):
        rows += [_tax_row(rid, y) for y in years if (rid, y) not in have]
        if len(rows) >= BATCH:
            created += len(TaxRecord.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True))
            rows = []
    if rows:
        created += len(TaxRecord.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True))
    return created


def _cards(today: date, count: int) -> list[tuple[str, str, str]]:
    people = list(_adults(today).values_list("id", "name")[:count])
    taken = set(Card.objects.values_list("kind", "number"))
    rows = []
    out = []
    for i, (rid, name) in enumerate(people, start=1):
        numbers = (f"NK{i:08d}", f"MN{i:08d}")
        out.append((*numbers, name))
        for kind, number in zip((CardKind.RESIDENT_CARD, CardKind.MY_NUMBER_CARD), numbers, strict=True):
            if (kind, number) not in taken:
                rows.append(Card(kind=kind, number=number, resident_id=rid, pin_mac=pin_mac(number, DEMO_PIN),
                                 issued_on=today))
    Card.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
    return out


def create_demo_certificates(*, today: date, cards: int = 200) -> DemoCertificates:
    """Cards (PIN 1234), kiosk / convenience-store / post-office terminals and two years of tax ledger."""
    latest = fiscal_year_default(today)
    years = (latest, latest - 1)
    summary = DemoCertificates(fiscal_years=years)
    with transaction.atomic():
        for office in Office.objects.order_by("sort_order", "id"):
            summary.terminals.append(_terminal(f"kiosk-{office.code}", TerminalKind.KIOSK,
                                               f"{office.name_ja} 自動交付機", office))
        summary.terminals.append(_terminal("konbini-demo", TerminalKind.KONBINI, "コンビニ交付（デモ店舗）", None))
        summary.terminals.append(_terminal("post-office-demo", TerminalKind.POST_OFFICE, "練馬郵便局（デモ）", None))
        summary.cards = _cards(today, cards)
        summary.tax_records = _tax_ledger(today, years)
        record_write(actor=None, action="certificates.demo_load", detail={
            "cards": len(summary.cards) * 2, "terminals": [c for c, _k, _t in summary.terminals],
            "tax_records": summary.tax_records, "fiscal_years": list(years)})
    return summary
