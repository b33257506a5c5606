"""Import a reconciliation file: ``manage.py payments_reconcile FILE --kind konbini|provider``."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kuyakusho.audit.context import audit_context
from kuyakusho.core.errors import ApplicationError
from kuyakusho.payments import reconcile
from kuyakusho.payments.models import ReconciliationLine


class Command(BaseCommand):
    help = "決済事業者の精算ファイル・コンビニ収納データを取り込み、請求と照合（消込）する"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--kind", required=True, choices=["konbini", "provider"])

    def handle(self, *args, file: str, kind: str, **options) -> None:
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as e:
            raise CommandError(f"{path}: {e.strerror}") from None
        with audit_context(channel="system", via="payments_reconcile"):
            try:
                rec = reconcile.import_file(actor=None, kind=kind, name=path.name, data=data)
            except ApplicationError as e:
                raise CommandError(str(e.message)) from None
        labels = dict(ReconciliationLine.Outcome.choices)
        for outcome, n in sorted(rec.counts.items()):
            self.stdout.write(f"{labels.get(outcome, outcome)}\t{n}")
        for line in rec.lines.exclude(outcome__in=["matched", "confirmed", "preliminary"]).order_by("line_no"):
            self.stdout.write(f"  {line.line_no}: {labels[line.outcome]} {line.reference} {line.note}")
