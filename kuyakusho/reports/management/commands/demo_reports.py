from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kuyakusho.audit.context import audit_context
from kuyakusho.reports.demo import generate


class Command(BaseCommand):
    help = "Generate demo street reports inside the ward (for the demo and the benchmarks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=1000, help="number of reports to add")
        parser.add_argument("--seed", type=int, default=1, help="random seed")
        parser.add_argument("--photos", type=int, default=0, help="give this many open published reports a photo")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["count"] < 0 or options["photos"] < 0:
            raise CommandError("--count and --photos must be 0 or more")
        with audit_context(channel="system", via="demo_reports"):
            try:
                made = generate(count=options["count"], seed=options["seed"], with_photos=options["photos"])
            except ValueError as e:
                raise CommandError(str(e)) from e
        self.stdout.write(self.style.SUCCESS(f"demo reports: {made.reports:,} in {made.seconds:.1f} s"))
