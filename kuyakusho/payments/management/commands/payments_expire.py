"""Expire the online checkouts nobody completed in time (run from cron, e.g. every 5 minutes)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from kuyakusho.audit.context import audit_context
from kuyakusho.payments.services import expire_due_payments


class Command(BaseCommand):
    help = "期限を過ぎた未払いのオンライン決済を期限切れにする"

    def handle(self, *args, **options) -> None:
        with audit_context(channel="system", via="payments_expire"):
            n = expire_due_payments()
        self.stdout.write(str(n))
