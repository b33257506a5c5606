import json

from django.core.management.base import BaseCommand

from kuyakusho.demo.staff import DEMO_STAFF, logins_path


class Command(BaseCommand):
    help = "Print the demo staff logins (generated on first run; demo only)."

    def handle(self, *args, **options):
        path = logins_path()
        if not path.exists():
            self.stdout.write("no demo logins yet: run `manage.py demo_ward`")
            return
        logins = json.loads(path.read_text())
        self.stdout.write("Demo staff logins for http://127.0.0.1:8000/console/ (demo data only):")
        for username, name, role, _ in DEMO_STAFF:
            if username in logins:
                self.stdout.write(f"  {role.label:<8} {username:<11} password: {logins[username]}   ({name})")
