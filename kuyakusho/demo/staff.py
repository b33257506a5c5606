"""Demo staff accounts: one per role, passwords generated on first run into var/demo_logins.json."""

from __future__ import annotations

import json
import os
import secrets

from django.conf import settings
from django.db import transaction

from kuyakusho.accounts.capabilities import Role
from kuyakusho.accounts.models import Staff
from kuyakusho.audit.services import record_write
from kuyakusho.offices.models import Office

DEMO_STAFF = [
    ("clerk", "窓口 花子", Role.CLERK, ["nerima"]),
    ("supervisor", "責任者 一郎", Role.SUPERVISOR, ["nerima", "hikarigaoka"]),
    ("admin", "管理 太郎", Role.ADMIN, []),
    ("auditor", "監査 桜", Role.AUDITOR, []),
]


def logins_path():
    return settings.VAR_DIR / "demo_logins.json"


def create_demo_staff() -> dict[str, str]:
    """Create the demo accounts that do not exist yet; return {username: password} for all of them."""
    path = logins_path()
    logins: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    with transaction.atomic():
        for username, name, role, office_codes in DEMO_STAFF:
            if Staff.objects.filter(username=username).exists() and username in logins:
                continue
            password = secrets.token_urlsafe(12)
            staff, _ = Staff.objects.update_or_create(
                username=username, defaults={"display_name": name, "role": role, "is_active": True}
            )
            staff.set_password(password)
            staff.save()
            staff.offices.set(Office.objects.filter(code__in=office_codes))
            record_write(actor=None, action="staff.create_demo", target=staff, changes={"role": [None, role]})
            logins[username] = password
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(logins, f, ensure_ascii=False, indent=1)
    return logins


def devices_path():
    return settings.VAR_DIR / "demo_devices.json"


def save_demo_devices(*, terminals, cards, pin: str) -> None:
    """Terminal tokens (shown only once by the registry) and a few demo cards, for `demo_logins` to print."""
    data = {"terminals": [{"code": c, "kind": str(k), "token": t} for c, k, t in terminals],
            "cards": [{"resident_card": rc, "my_number_card": mn, "name": name} for rc, mn, name in cards],
            "pin": pin}
    fd = os.open(devices_path(), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
