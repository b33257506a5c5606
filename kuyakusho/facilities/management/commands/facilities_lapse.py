"""The scheduled task of the facilities area (cron, daily, or ``--enqueue`` for the task worker): wins not
confirmed in time lapse to the next substitute; provisional bookings unpaid past their deadline lapse."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kuyakusho.audit.context import audit_context
from kuyakusho.facilities.tasks import lapse_due


class Command(BaseCommand):
    help = "Lapse unconfirmed lottery wins and unpaid provisional facility bookings"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--enqueue", action="store_true", help="queue the task for the worker instead")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            lapse_due.enqueue()
            self.stdout.write("queued")
            return
        with audit_context(channel="system", via="facilities_lapse"):
            wins, bookings = lapse_due.call()
        self.stdout.write(f"lapsed wins {wins}, lapsed provisional bookings {bookings}")
