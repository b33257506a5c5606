"""Demo staff accounts: one per role, with a password and an authenticator-app key generated on first run into
var/demo_logins.json (printed by ``manage.py demo_logins`` so that a demo user can add the key to an app)."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from kuyakusho.accounts.capabilities import Role
from kuyakusho.accounts.models import Staff
from kuyakusho.accounts.second_factor import TOTP_NAME, secret_of
from kuyakusho.audit.services import record_write
from kuyakusho.offices.models import Office

DEMO_STAFF = [
    ("clerk", "窓口 花子", Role.CLERK, ["nerima"]),
    ("supervisor", "責任者 一郎", Role.SUPERVISOR, ["nerima", "hikarigaoka"]),
    ("admin", "管理 太郎", Role.ADMIN, []),
    ("auditor", "監査 桜", Role.AUDITOR, []),
    ("planner", "企画 葵", Role.PLANNER, []),  # planning
    ("roads", "道路 公園", Role.REPORTS, []),  # street reports
]


def logins_path() -> Path:
    return settings.VAR_DIR / "demo_logins.json"


def read_logins() -> dict[str, dict]:
    """{username: {"password", "totp_secret", "otpauth_uri"}} (a file from before the second factor held
    {username: password})."""
    path = logins_path()
    raw = json.loads(path.read_text()) if path.exists() else {}
    return {u: v if isinstance(v, dict) else {"password": v} for u, v in raw.items()}


def create_demo_staff() -> dict[str, dict]:
    """Create the demo accounts that do not exist yet, each with an authenticator app enrolled; return their
    logins (password, TOTP key and otpauth:// address) for all of them."""
    logins = read_logins()
    with transaction.atomic():
        for username, name, role, office_codes in DEMO_STAFF:
            login = logins.get(username, {})
            staff = Staff.objects.filter(username=username).first()
            if staff is None or "password" not in login:
                login = {"password": secrets.token_urlsafe(12)}
                staff, _ = Staff.objects.update_or_create(
                    username=username, defaults={"display_name": name, "role": role, "is_active": True}
                )
                staff.set_password(login["password"])
                staff.save()
                staff.offices.set(Office.objects.filter(code__in=office_codes))
                record_write(actor=None, action="staff.create_demo", target=staff, changes={"role": [None, role]})
            device = TOTPDevice.objects.filter(user=staff, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(user=staff, name=TOTP_NAME, confirmed=True)
                record_write(actor=None, action="staff.second_factor.add", target=staff,
                             detail={"method": "totp", "demo": True})
            login.update(totp_secret=secret_of(device).replace(" ", ""), otpauth_uri=device.config_url)
            logins[username] = login
    fd = os.open(logins_path(), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(logins, f, ensure_ascii=False, indent=1)
    return logins


def devices_path() -> Path:
    return settings.VAR_DIR / "demo_devices.json"


def save_demo_devices(*, terminals, cards, pin: str) -> None:
    """Terminal tokens (shown only once by the registry) and a few demo cards, for `demo_logins` to print."""
    data = {"terminals": [{"code": c, "kind": str(k), "token": t} for c, k, t in terminals],
            "cards": [{"resident_card": rc, "my_number_card": mn, "name": name} for rc, mn, name in cards],
            "pin": pin}
    fd = os.open(devices_path(), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
