import io
import json

import segno
from django.conf import settings
from django.core.management.base import BaseCommand

from kuyakusho.audit.context import audit_context
from kuyakusho.demo.staff import DEMO_STAFF, create_demo_staff, devices_path, logins_path, read_logins


class Command(BaseCommand):
    help = "Print the demo staff logins: passwords and authenticator-app keys (generated on first run; demo only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--qr", action="store_true", help="also print each TOTP key as a QR code to scan")

    def handle(self, *args, **options) -> None:
        path = logins_path()
        if not path.exists():
            self.stdout.write("no demo logins yet: run `manage.py demo_ward`")
            return
        logins = read_logins()
        if any("totp_secret" not in v for v in logins.values()):
            # A demo ward loaded before staff had a second factor: enrol the demo accounts' authenticators now.
            with audit_context(channel="system", via="demo_logins"):
                logins = create_demo_staff()
        base = settings.PUBLIC_BASE_URL
        self.stdout.write(f"Demo staff logins for {base}/console/ (demo data only). After the password")
        self.stdout.write("the console asks for a code from an authenticator app: add the TOTP key (or scan the QR")
        self.stdout.write("code `manage.py demo_logins --qr` prints) into a TOTP app, or run `oathtool --totp -b KEY`.")
        for username, name, role, _ in DEMO_STAFF:
            login = logins.get(username)
            if login is None:
                continue
            self.stdout.write(f"  {role.label:<8} {username:<11} password: {login['password']}   ({name})")
            if "totp_secret" in login:
                self.stdout.write(f"  {'':<8} {'':<11} TOTP key: {login['totp_secret']}")
                self.stdout.write(f"  {'':<8} {'':<11} {login['otpauth_uri']}")
                if options["qr"]:
                    out = io.StringIO()
                    segno.make(login["otpauth_uri"], error="m").terminal(out=out, compact=True)
                    self.stdout.write(out.getvalue())

        devices = devices_path()
        if devices.exists():
            data = json.loads(devices.read_text())
            kiosk = next((t for t in data["terminals"] if t["kind"] == "kiosk"), None)
            if kiosk:
                self.stdout.write(f"Kiosk (open once in the browser that plays the kiosk, to enrol it): "
                                  f"{base}/kiosk/certificates/enrol/?token={kiosk['token']}")
            for card in data["cards"][:3]:
                self.stdout.write(f"  demo card {card['resident_card']} / My Number card {card['my_number_card']}"
                                  f"  PIN {data['pin']}  ({card['name']})")
        self.stdout.write(f"Outside opening hours counters, kiosks and stores are closed: an administrator can open "
                          f"everything for today at {base}/offices/manage/ (デモ用の臨時開庁).")
