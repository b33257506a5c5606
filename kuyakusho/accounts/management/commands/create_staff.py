"""Create a staff account from the command line (first administrator of a new installation)."""

import getpass

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kuyakusho.accounts import services
from kuyakusho.accounts.capabilities import Role
from kuyakusho.audit.context import audit_context
from kuyakusho.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Create a staff account; the password is asked for interactively (never on the command line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", choices=Role.values, default=Role.ADMIN)
        parser.add_argument("--name", default="", help="display name")

    def handle(self, *args: object, username: str, role: str, name: str, **options: object) -> None:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("the passwords differ")
        try:
            with audit_context(channel="system", via="create_staff"):
                staff = services.create_staff(actor=None, username=username, display_name=name or username,
                                              role=role, password=password)
        except ApplicationError as e:
            raise CommandError(str(e.message)) from None
        self.stdout.write(self.style.SUCCESS(f"created {staff.username} ({staff.get_role_display()})"))
