"""manage.py run_schedule: enqueue the periodic jobs of kuyakusho.operations.schedule when they are due."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kuyakusho.operations.schedule import JOBS, enqueue_due


class Command(BaseCommand):
    help = "Enqueue every periodic job when due (see kuyakusho/operations/schedule.py); db_worker runs them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="check once and exit (from cron)")
        parser.add_argument("--interval", type=float, default=15.0, help="seconds between checks")
        parser.add_argument("--list", action="store_true", help="print the schedule and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for job in JOBS:
                when = f"daily {job.at[0]:02d}:{job.at[1]:02d}" if job.at else f"every {job.every}"
                self.stdout.write(f"{job.name:28} {when}")
            return
        while True:
            for name in enqueue_due():
                self.stdout.write(f"enqueued {name}")
            if options["once"]:
                return
            time.sleep(options["interval"])
