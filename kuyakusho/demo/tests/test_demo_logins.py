"""The demo logins carry an authenticator-app key: a `make run` user can add it to an app and sign in."""

from __future__ import annotations

import base64
import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp.oath import TOTP

from kuyakusho.accounts.models import Staff
from kuyakusho.demo.offices import create_offices
from kuyakusho.demo.staff import create_demo_staff, logins_path

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _scratch_var(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def _code(secret: str) -> str:
    totp = TOTP(base64.b32decode(secret + "=" * (-len(secret) % 8)))
    return f"{totp.token():06d}"


def test_demo_logins_print_a_totp_key_that_signs_in(settings):
    create_offices()
    create_demo_staff()
    out = StringIO()
    call_command("demo_logins", "--qr", stdout=out)
    text = out.getvalue()
    m = re.search(r"clerk\s+password: (\S+).*?TOTP key: ([A-Z2-7]+)\s+(otpauth://totp/\S+)", text, re.S)
    assert m, text
    password, secret, uri = m.groups()
    assert f"secret={secret}" in uri and "issuer=" in uri
    assert "█" in text or "▀" in text  # the QR codes
    c = Client()
    r = c.post("/console/login/", {"username": "clerk", "password": password})
    assert r["Location"].startswith("/console/login/second-factor/")
    r = c.post("/console/login/second-factor/", {"code": _code(secret)})
    assert r.status_code == 302 and c.get("/console/").status_code == 200


def test_a_demo_ward_from_before_the_second_factor_gets_keys():
    create_offices()
    Staff.objects.create_user(username="clerk", password="an-old-demo-password", role="clerk")
    logins_path().write_text(json.dumps({"clerk": "an-old-demo-password"}))
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "password: an-old-demo-password" in out.getvalue() and "TOTP key: " in out.getvalue()
    assert json.loads(logins_path().read_text())["clerk"]["password"] == "an-old-demo-password"


def test_printed_addresses_follow_the_served_address(settings):
    """`make run PORT=8100` exports PUBLIC_BASE_URL=http://127.0.0.1:8100: the logins, the kiosk enrolment link
    and the demo opening switch all point there, not at :8000."""
    from kuyakusho.demo.staff import save_demo_devices

    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8100"
    create_offices()
    create_demo_staff()
    save_demo_devices(terminals=[("kiosk-nerima", "kiosk", "TOKEN123")],
                      cards=[("NK00000001", "MN00000001", "練馬 花子")], pin="1234")
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8100/console/" in text
    assert "http://127.0.0.1:8100/kiosk/certificates/enrol/?token=TOKEN123" in text
    assert "http://127.0.0.1:8100/offices/manage/" in text
    assert ":8000" not in text
