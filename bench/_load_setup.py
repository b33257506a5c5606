"""The load benchmark's ward (run by ``bench/load.py`` in a process whose DATABASE_URL is the bench database):
the demo ward, every channel open today (the demo's extra opening), tickets to follow, staff sessions with their
second factor given, convenience-store terminals and cards. Writes what the simulated users need as JSON."""

from __future__ import annotations

import json
import sys


def main(out: str, residents: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from kuyakusho.accounts.capabilities import Role
    from kuyakusho.accounts.models import Staff
    from kuyakusho.audit.context import audit_context
    from kuyakusho.demo.staff import devices_path
    from kuyakusho.offices.models import Office
    from kuyakusho.offices.services import open_today_for_demo
    from kuyakusho.queues.services import issue_ticket
    from kuyakusho.residents.models import Resident

    call_command("migrate", verbosity=0)
    if not Staff.objects.exists():
        call_command("demo_ward", residents=residents, traffic_days=14)
    with audit_context(channel="system", via="bench.load"):
        open_today_for_demo(actor=None)
        offices = list(Office.objects.filter(services__isnull=False).distinct().order_by("code"))
        tokens = []
        for office in offices:
            for service in office.services.all():
                for _ in range(10):
                    tokens.append(issue_ticket(actor=None, office=office, service=service, check_hours=False).token)
    sessions = []
    for i in range(1, 31):
        user = Staff.objects.filter(username=f"benchclerk{i:02d}").first()
        if user is None:
            user = Staff.objects.create_user(username=f"benchclerk{i:02d}", password=None, role=Role.CLERK,
                                             display_name=f"bench {i}")
            TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        client = Client()
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.filter(user=user).first().persistent_id
        session.save()
        sessions.append(session.session_key)
    devices = json.loads(devices_path().read_text())
    people = list(Resident.objects.filter(removed_on__isnull=True).order_by("?")
                  .values_list("id", "name_kana")[:300])
    data = {
        "offices": [o.code for o in offices], "tickets": tokens, "staff_sessions": sessions,
        "konbini": [t["token"] for t in devices["terminals"] if t["kind"] == "konbini"],
        "cards": [c["my_number_card"] for c in devices["cards"] if c.get("my_number_card")], "pin": devices["pin"],
        "residents": [p[0] for p in people], "kana": sorted({p[1].split(" ")[0] for p in people if p[1]}),
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
