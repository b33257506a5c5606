"""Daily reconciliation (消込): the provider's settlement file and the convenience stores' 収納データ.

**収納データ** (one CSV row per store payment, UTF-8 or Shift_JIS, an optional header row)::

    record_kind,paid_date,paid_time,barcode,amount,store_code
    速報,20261206,1432,9100...(44 digits),300,0012345

``record_kind`` is 速報 (the store took the money), 確報 (the agent confirms it: the bill is paid) or 速報取消
(the preliminary record is withdrawn); ``01``/``02``/``03`` are read as the same. A 速報 makes an
*authorised* payment of the bill, its 確報 *captures* it and its 取消 *fails* it; a 確報 without a 速報
captures directly. One store payment is identified by its barcode, date, time and store.

**Settlement file** of the provider (one row per money movement)::

    checkout_id,type,amount,settled_at
    cs_...,capture,300,2026-12-06T14:32:00+09:00

``capture`` rows are matched to captured payments (a capture whose webhook never arrived is applied here),
``refund`` rows to refunded ones.

Every row gets an outcome (``ReconciliationLine.Outcome``): matched, 速報/確報/取消, refunded, duplicate
(the row came twice, or the bill was already paid another way: money to give back), unmatched (no such
bill or checkout), amount mismatch, invalid. A file is imported once (its SHA-256).
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuyakusho.audit.services import record_write
from kuyakusho.core.actors import Actor, actor_label
from kuyakusho.core.errors import ApplicationError, ErrorCode

from . import codes
from .models import Bill, Payment, PaymentTransition, ProviderEvent, Reconciliation, ReconciliationLine
from .providers import WebhookEvent
from .services import _transition, apply_event

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Outcome = ReconciliationLine.Outcome
State = Payment.State
KONBINI_KINDS = {"速報": "preliminary", "01": "preliminary", "確報": "confirmed", "02": "confirmed",
                 "速報取消": "cancelled", "取消": "cancelled", "03": "cancelled"}
MAX_ROWS = 100_000


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ApplicationError(ErrorCode.INVALID_INPUT, _("ファイルの文字コードを読み取れません（UTF-8またはShift_JIS）。"),
                           field="file")


def _rows(data: bytes, first_field: str) -> list[list[str]]:
    rows = [r for r in csv.reader(io.StringIO(_decode(data))) if any(c.strip() for c in r)]
    if rows and rows[0] and rows[0][0].strip().lower() == first_field:
        rows = rows[1:]
    if len(rows) > MAX_ROWS:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("1ファイルの行数が多すぎます。"), field="file")
    return rows


def import_file(*, actor: Actor, kind: str, name: str, data: bytes) -> Reconciliation:
    if kind not in Reconciliation.Kind.values:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("ファイルの種類が正しくありません。"), field="kind")
    if not data:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("ファイルが空です。"), field="file")
    digest = hashlib.sha256(data).hexdigest()
    if Reconciliation.objects.filter(kind=kind, file_sha256=digest).exists():
        raise ApplicationError(ErrorCode.DUPLICATE, _("このファイルはすでに取り込まれています。"), field="file")
    rows = _rows(data, "record_kind" if kind == Reconciliation.Kind.KONBINI else "checkout_id")
    with transaction.atomic():
        rec = Reconciliation.objects.create(kind=kind, file_name=name[:200], file_sha256=digest,
                                            imported_by=actor_label(actor)[:150])
        handle = _konbini_line if kind == Reconciliation.Kind.KONBINI else _provider_line
        seen: set[tuple] = set()
        lines = [handle(rec, n, row, seen, actor) for n, row in enumerate(rows, start=1)]
        counts: dict[str, int] = {}
        for line in lines:
            counts[line.outcome] = counts.get(line.outcome, 0) + 1
        rec.counts = counts
        rec.save(update_fields=["counts"])
        record_write(actor=actor, action="payments.reconciliation_imported", target=rec,
                     detail={"kind": kind, "file": name[:200], "sha256": digest, "rows": len(lines), "counts": counts})
    return rec


def _line(rec, n, *, outcome, record_kind="", reference="", amount=None, paid_at=None, store="", bill=None,
          payment=None, note="") -> ReconciliationLine:
    return ReconciliationLine.objects.create(
        reconciliation=rec, line_no=n, record_kind=record_kind[:16], reference=reference[:64], amount=amount,
        paid_at=paid_at, store=store[:32], bill=bill, payment=payment, outcome=outcome, note=str(note)[:200])


def _konbini_line(rec, n, row, seen, actor: Actor) -> ReconciliationLine:
    if len(row) < 6:
        return _line(rec, n, outcome=Outcome.INVALID, note=_("項目の数が足りません。"))
    record_kind, paid_date, paid_time, barcode, amount_text, store = (c.strip() for c in row[:6])
    kind = KONBINI_KINDS.get(record_kind)
    try:
        paid_at = timezone.make_aware(datetime.strptime(paid_date + paid_time.zfill(4), "%Y%m%d%H%M"))
        amount = int(amount_text)
    except ValueError:
        return _line(rec, n, outcome=Outcome.INVALID, record_kind=record_kind, reference=barcode,
                     note=_("日付・時刻・金額を読み取れません。"))
    common = {"record_kind": record_kind, "reference": barcode, "amount": amount, "paid_at": paid_at, "store": store}
    if kind is None:
        return _line(rec, n, outcome=Outcome.INVALID, note=_("レコード区分が正しくありません。"), **common)
    try:
        code = codes.parse_konbini_barcode(barcode)
    except ApplicationError as e:
        return _line(rec, n, outcome=Outcome.INVALID, note=e.message, **common)
    key = (kind, barcode, paid_date, paid_time, store)
    if key in seen:
        return _line(rec, n, outcome=Outcome.DUPLICATE, note=_("同じ行がファイル内で重複しています。"), **common)
    seen.add(key)
    if code.company_code != settings.PAYMENTS_KONBINI_COMPANY_CODE:
        return _line(rec, n, outcome=Outcome.UNMATCHED, note=_("収納企業コードが違います。"), **common)
    bill = Bill.objects.select_for_update().filter(number=code.bill_number).first()
    if bill is None:
        return _line(rec, n, outcome=Outcome.UNMATCHED, note=_("該当する請求がありません。"), **common)
    if amount != code.amount or amount != bill.amount:
        return _line(rec, n, outcome=Outcome.AMOUNT_MISMATCH, bill=bill,
                     note=_("金額がバーコードまたは請求と一致しません。"), **common)
    store_payment = f"kb_{paid_date}{paid_time.zfill(4)}_{store}_{bill.number}"[:64]
    event_id = f"{kind}:{store_payment}"
    if ProviderEvent.objects.filter(provider="konbini", event_id=event_id).exists():
        return _line(rec, n, outcome=Outcome.DUPLICATE, bill=bill, note=_("すでに取り込まれた収納データです。"),
                     **common)
    payment = Payment.objects.select_for_update().filter(provider="konbini", checkout_id=store_payment).first()
    if kind == "cancelled":
        if payment is None or payment.state != State.AUTHORISED:
            return _line(rec, n, outcome=Outcome.UNMATCHED, bill=bill, payment=payment,
                         note=_("取り消す速報がありません。"), **common)
        ProviderEvent.objects.create(provider="konbini", event_id=event_id, kind=record_kind, payment=payment)
        _transition(payment, State.FAILED, actor=actor, cause="konbini_cancelled", event_id=event_id)
        return _line(rec, n, outcome=Outcome.CANCELLED, bill=bill, payment=payment, **common)
    other_paid = bill.payments.filter(state=State.CAPTURED).exclude(checkout_id=store_payment).exists()
    if payment is None:
        payment = Payment.objects.create(bill=bill, provider="konbini", checkout_id=store_payment, amount=amount,
                                         method=Payment.Method.KONBINI)
        PaymentTransition.objects.create(payment=payment, from_state="", to_state=State.CREATED,
                                         cause="konbini", actor_label=actor_label(actor)[:150])
    ProviderEvent.objects.create(provider="konbini", event_id=event_id, kind=record_kind, payment=payment)
    if other_paid or bill.status in (Bill.Status.REFUNDED,):
        # Paid at a store although already paid (or given back): the money is to be returned.
        if payment.state in (State.CREATED, State.AUTHORISED):
            _transition(payment, State.FAILED, actor=actor, cause="paid_twice", event_id=event_id)
        return _line(rec, n, outcome=Outcome.DUPLICATE, bill=bill, payment=payment,
                     note=_("すでに納付済の請求です（二重納付：還付が必要です）。"), **common)
    if kind == "preliminary":
        if payment.state == State.CREATED:
            _transition(payment, State.AUTHORISED, actor=actor, cause="konbini_preliminary", event_id=event_id)
        return _line(rec, n, outcome=Outcome.PRELIMINARY, bill=bill, payment=payment, **common)
    if payment.state == State.FAILED:
        return _line(rec, n, outcome=Outcome.UNMATCHED, bill=bill, payment=payment,
                     note=_("取り消された速報の確報です。"), **common)
    _transition(payment, State.CAPTURED, actor=actor, cause="konbini_confirmed", event_id=event_id)
    return _line(rec, n, outcome=Outcome.CONFIRMED, bill=bill, payment=payment, **common)


def _provider_line(rec, n, row, seen, actor: Actor) -> ReconciliationLine:
    if len(row) < 4:
        return _line(rec, n, outcome=Outcome.INVALID, note=_("項目の数が足りません。"))
    checkout_id, kind, amount_text, settled_text = (c.strip() for c in row[:4])
    try:
        amount = int(amount_text)
        settled_at = datetime.fromisoformat(settled_text)
        if timezone.is_naive(settled_at):
            settled_at = timezone.make_aware(settled_at)
    except ValueError:
        return _line(rec, n, outcome=Outcome.INVALID, record_kind=kind, reference=checkout_id,
                     note=_("日付・時刻・金額を読み取れません。"))
    common = {"record_kind": kind, "reference": checkout_id, "amount": amount, "paid_at": settled_at}
    if kind not in ("capture", "refund"):
        return _line(rec, n, outcome=Outcome.INVALID, note=_("レコード区分が正しくありません。"), **common)
    if (checkout_id, kind) in seen:
        return _line(rec, n, outcome=Outcome.DUPLICATE, note=_("同じ行がファイル内で重複しています。"), **common)
    seen.add((checkout_id, kind))
    provider = settings.PAYMENTS_PROVIDER
    payment = (Payment.objects.select_for_update().select_related("bill")
               .filter(provider=provider, checkout_id=checkout_id).first())
    if payment is None:
        return _line(rec, n, outcome=Outcome.UNMATCHED, note=_("該当する支払がありません。"), **common)
    bill = payment.bill
    if amount != payment.amount:
        return _line(rec, n, outcome=Outcome.AMOUNT_MISMATCH, bill=bill, payment=payment,
                     note=_("金額が支払と一致しません。"), **common)
    if kind == "refund":
        if payment.state in (State.CAPTURED, State.FAILED):
            apply_event(provider_name=provider, event=WebhookEvent(f"settlement:refund:{checkout_id}",
                                                                   "payment.refunded", checkout_id, amount),
                        cause="settlement")
        return _line(rec, n, outcome=Outcome.REFUNDED, bill=bill, payment=payment, **common)
    if payment.state == State.FAILED:
        return _line(rec, n, outcome=Outcome.DUPLICATE, bill=bill, payment=payment,
                     note=_("二重の支払です（返金の対象）。"), **common)
    note: StrOrPromise = ""
    if payment.state in (State.CREATED, State.AUTHORISED, State.EXPIRED):
        apply_event(provider_name=provider, event=WebhookEvent(f"settlement:capture:{checkout_id}",
                                                               "payment.captured", checkout_id, amount),
                    cause="settlement")
        payment.refresh_from_db()
        note = _("通知が届いていなかった収納を精算ファイルで記録しました。")
    if payment.state == State.REFUNDED:
        return _line(rec, n, outcome=Outcome.REFUNDED, bill=bill, payment=payment, note=_("返金済の支払です。"),
                     **common)
    if payment.state == State.FAILED:
        return _line(rec, n, outcome=Outcome.DUPLICATE, bill=bill, payment=payment,
                     note=_("二重の支払です（返金の対象）。"), **common)
    return _line(rec, n, outcome=Outcome.MATCHED, bill=bill, payment=payment, note=note, **common)
