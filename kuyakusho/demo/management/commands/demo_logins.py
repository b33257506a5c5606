import json

from django.core.management.base import BaseCommand

from kuyakusho.demo.staff import DEMO_STAFF, devices_path, logins_path


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
        devices = devices_path()
        if devices.exists():
            data = json.loads(devices.read_text())
            kiosk = next((t for t in data["terminals"] if t["kind"] == "kiosk"), None)
            if kiosk:
                self.stdout.write(f"Kiosk (enrol this browser once): http://127.0.0.1:8000/kiosk/certificates/enrol/"
                                  f"?token={kiosk['token']}")
            for card in data["cards"][:3]:
                self.stdout.write(f"  demo card {card['resident_card']} / My Number card {card['my_number_card']}"
                                  f"  PIN {data['pin']}  ({card['name']})")
