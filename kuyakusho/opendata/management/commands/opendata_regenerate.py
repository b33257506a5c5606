from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kuyakusho.audit.context import audit_context
from kuyakusho.core.errors import ApplicationError
from kuyakusho.opendata import services, sources, tasks


class Command(BaseCommand):
    help = "Regenerate the open data catalogue's generated datasets (all, or one --key)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--key", help="one generator (see --list)")
        parser.add_argument("--list", action="store_true", help="list the registered generators")
        parser.add_argument("--enqueue", action="store_true", help="put the work on the task queue (db_worker)")

    def handle(self, *args: object, **options: Any) -> None:
        if options["list"]:
            for s in sources.all_sources():
                self.stdout.write(f"{s.key}\t{s.dataset_name}\t{s.title}")
            return
        key = options["key"]
        if key and sources.get(key) is None:
            raise CommandError(f"unknown generator {key!r} (see --list)")
        if options["enqueue"]:
            result = tasks.regenerate.enqueue(key) if key else tasks.regenerate_all.enqueue()
            self.stdout.write(f"enqueued {result.id}")
            return
        with audit_context(channel="system", via="opendata_regenerate"):
            if key:
                try:
                    r = services.regenerate(actor=None, key=key)
                except ApplicationError as exc:
                    raise CommandError(str(exc.message)) from exc
                self.stdout.write(f"{key}: {r.changed} changed")
            else:
                for k, outcome in services.regenerate_all(actor=None).items():
                    self.stdout.write(f"{k}: {outcome}")
