from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kuyakusho.audit.context import audit_context
from kuyakusho.core.errors import ApplicationError
from kuyakusho.reports.services import create_api_client


class Command(BaseCommand):
    help = "Create an Open311 client and print its api_key once (only its SHA-256 is kept)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="who the key is for (an app, a partner's system)")

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(channel="system", via="reports_api_key"):
            try:
                client, key = create_api_client(actor=None, name=options["name"])
            except ApplicationError as e:
                raise CommandError(str(e.message)) from e
        self.stdout.write(f"Open311 client #{client.pk} {client.name}: api_key={key}")
