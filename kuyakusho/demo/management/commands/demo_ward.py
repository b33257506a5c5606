from django.core.management.base import BaseCommand

from kuyakusho.accounts.models import Staff
from kuyakusho.audit.context import audit_context
from kuyakusho.demo.offices import create_offices
from kuyakusho.demo.staff import create_demo_staff


class Command(BaseCommand):
    help = "Load the demo ward (Nerima): offices, staff and a synthetic population."

    def add_arguments(self, parser):
        parser.add_argument("--residents", type=int, default=20000, help="number of residents to generate")
        parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same ward)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing if the database has data")

    def handle(self, *args, **options):
        if options["if_empty"] and Staff.objects.exists():
            self.stdout.write("demo ward: database already loaded, nothing to do")
            return
        with audit_context(channel="system", via="demo_ward"):
            offices = create_offices()
            create_demo_staff()
        self.stdout.write(self.style.SUCCESS(f"demo ward: {len(offices)} offices, demo staff ready"))
