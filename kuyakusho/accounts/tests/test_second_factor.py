"""The second factor: enrolment at the first login, codes, recovery codes, passkey endpoints, the reset."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD, give_second_factor, password_only_login, totp_code
from kuyakusho.accounts.capabilities import Role
from kuyakusho.audit.models import AuditEvent
from kuyakusho.core.tests.test_routes import STAFF_PAGES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_delay_between_tries(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def newcomer(make_staff):
    return make_staff(Role.CLERK, "newcomer", second_factor=False)


def _key_on_page(html: str) -> str:
    """The key the enrolment page shows (base32 in groups), as django-otp stores it (hex)."""
    import base64

    found = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html)
    assert found is not None
    shown = found.group(1).replace(" ", "")
    return base64.b32decode(shown + "=" * (-len(shown) % 8)).hex()


def test_first_login_goes_to_enrolment_and_nowhere_else(client, newcomer):
    r = client.post("/console/login/", {"username": "newcomer", "password": PASSWORD})
    assert r.status_code == 302 and r["Location"].startswith("/console/login/enrol/")
    for route, name, cb in STAFF_PAGES:
        if getattr(cb, "second_factor_step", False):
            continue
        url = "/" + re.sub(r"<[^>]+>", "1", route)
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/console/login/enrol/?next="), (name, r)


def test_enrolment_shows_a_qr_code_and_key_and_the_first_code_confirms_it(client, newcomer):
    password_only_login(client, newcomer)
    r = client.get("/console/login/enrol/?next=/console/residents/")
    html = r.content.decode()
    assert r.status_code == 200 and 'src="data:image/png;base64,' in html
    assert "<script" not in html.split("</main>")[0].split("<main")[-1]  # no inline script (CSP)
    key = _key_on_page(html)
    assert TOTPDevice.objects.get(user=newcomer, confirmed=False).key == key
    r = client.post("/console/login/enrol/", {"code": "000000", "next": "/console/residents/"})
    assert r.status_code == 200 and "確認コードが正しくありません" in r.content.decode()
    r = client.post("/console/login/enrol/", {"code": totp_code(key=key), "next": "/console/residents/"})
    assert r.status_code == 302 and r["Location"] == "/console/account/recovery-codes/?next=%2Fconsole%2Fresidents%2F"
    r = client.get(r["Location"])
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", r.content.decode())
    assert len(codes) == 10
    assert client.get("/console/account/recovery-codes/").status_code == 302  # shown once
    assert client.get("/console/residents/").status_code == 200
    assert AuditEvent.objects.filter(action="staff.second_factor.add", actor=newcomer).exists()


def test_a_clerk_with_a_factor_gets_the_code_page_before_any_console_page(client, clerk):
    password_only_login(client, clerk)
    r = client.get("/console/residents/")
    assert r.status_code == 302 and r["Location"] == "/console/login/second-factor/?next=%2Fconsole%2Fresidents%2F"
    # Enrolling another authenticator with the password alone is not possible.
    r = client.get("/console/login/enrol/")
    assert r.status_code == 302 and r["Location"].startswith("/console/login/second-factor/")
    assert not TOTPDevice.objects.filter(user=clerk, confirmed=False).exists()


def test_the_api_refuses_a_session_without_the_second_factor(client, clerk, newcomer):
    for member in (clerk, newcomer):
        password_only_login(client, member)
        r = client.get("/api/accounts/me")
        assert r.status_code == 401, r.content
        client.logout()
    client.force_login(clerk)
    assert client.get("/api/accounts/me").status_code == 200


def test_every_staff_api_operation_refuses_a_session_without_the_second_factor(client, make_staff):
    from kuyakusho.core.tests.test_routes import STAFF_OPS, _fill

    for second_factor in (True, False):
        member = make_staff(Role.SUPERVISOR, second_factor=second_factor)
        password_only_login(client, member)
        for path, op in STAFF_OPS:
            method = next(iter(op.methods)).lower()
            r = getattr(client, method)(_fill(path), content_type="application/json")
            assert r.status_code == 401, (second_factor, method, path, r.content)
        client.logout()


def test_login_with_totp(client, clerk):
    password_only_login(client, clerk)
    r = client.post("/console/login/second-factor/", {"code": "123456", "next": "/console/"})
    assert r.status_code == 200 and "コードが正しくありません" in r.content.decode()
    assert AuditEvent.objects.filter(action="login.second_factor_failed", actor=clerk).exists()
    code = totp_code(clerk)
    r = client.post("/console/login/second-factor/", {"code": code, "next": "/console/"})
    assert r.status_code == 302 and client.get("/console/").status_code == 200
    # The same code does not work twice.
    client.logout()
    password_only_login(client, clerk)
    r = client.post("/console/login/second-factor/", {"code": code, "next": "/console/"})
    assert r.status_code == 200


def test_full_width_digits_and_spaces_are_read(client, clerk):
    password_only_login(client, clerk)
    code = totp_code(clerk)
    typed = (code[:3] + " " + code[3:]).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert client.post("/console/login/second-factor/", {"code": typed}).status_code == 302


def test_a_recovery_code_works_once(client, newcomer):
    from kuyakusho.accounts import second_factor

    give_second_factor(newcomer)
    codes = second_factor.new_recovery_codes(staff=newcomer)
    password_only_login(client, newcomer)
    r = client.post("/console/login/second-factor/", {"code": codes[0].upper(), "next": "/console/"})
    assert r.status_code == 302 and client.get("/console/").status_code == 200
    assert StaticToken.objects.filter(device__user=newcomer).count() == 9
    e = AuditEvent.objects.filter(action="login.succeeded", actor=newcomer).latest("seq")
    assert e.detail == {"method": "recovery_code", "recovery_codes_left": 9}
    client.logout()
    password_only_login(client, newcomer)
    r = client.post("/console/login/second-factor/", {"code": codes[0], "next": "/console/"})
    assert r.status_code == 200 and client.get("/console/").status_code == 302


def test_new_recovery_codes_replace_the_old_ones(client_as, clerk):
    from kuyakusho.accounts import second_factor

    old = second_factor.new_recovery_codes(staff=clerk)
    c = client_as(clerk)
    r = c.post("/console/account/second-factor/")
    assert r.status_code == 302
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", c.get(r["Location"]).content.decode())
    assert len(new) == 10 and not set(old) & set(StaticToken.objects.values_list("token", flat=True))


def test_admin_resets_a_members_factors_audited(client_as, administrator, clerk, client):
    from kuyakusho.accounts import second_factor

    second_factor.new_recovery_codes(staff=clerk)
    c = client_as(administrator)
    page = c.get("/console/staff/").content.decode()
    assert f'/console/staff/{clerk.pk}/reset-second-factor/' in page
    assert f'/console/staff/{administrator.pk}/reset-second-factor/' not in page  # not one's own
    assert c.post(f"/console/staff/{clerk.pk}/reset-second-factor/").status_code == 302
    assert not second_factor.has_second_factor(clerk)
    e = AuditEvent.objects.get(action="staff.second_factor.reset")
    assert e.actor == administrator and e.target_id == str(clerk.pk)
    assert e.changes == {"factors": [["StaticDevice:recovery", "TOTPDevice:authenticator"], []]}
    # The clerk enrols again at the next login.
    r = Client().post("/console/login/", {"username": "clerk", "password": PASSWORD})
    assert r["Location"].startswith("/console/login/enrol/")


def test_a_reset_ends_the_verification_of_open_sessions(client, clerk, administrator):
    from kuyakusho.accounts import second_factor

    client.force_login(clerk)
    assert client.get("/console/").status_code == 200
    second_factor.reset(actor=administrator, staff=clerk)
    r = client.get("/console/")
    assert r.status_code == 302 and r["Location"].startswith("/console/login/enrol/")


def test_only_administrators_reset_and_not_themselves(client_as, supervisor, administrator):
    from kuyakusho.accounts import second_factor
    from kuyakusho.core.errors import ApplicationError

    assert client_as(supervisor).post(f"/console/staff/{administrator.pk}/reset-second-factor/").status_code == 403
    with pytest.raises(ApplicationError):
        second_factor.reset(actor=administrator, staff=administrator)
    assert second_factor.has_second_factor(administrator)


def test_passkey_registration_needs_a_verified_session(client, clerk):
    password_only_login(client, clerk)
    r = client.post("/console/account/passkeys/registration/begin/", content_type="application/json")
    assert r.status_code == 302 and "/second-factor/" in r["Location"]
    client.force_login(clerk)
    r = client.post("/console/account/passkeys/registration/begin/", content_type="application/json",
                    HTTP_HOST="localhost:8000")
    assert r.status_code == 200 and r.json()["rp"]["id"] == "localhost"
    assert r.json()["user"]["name"] == "clerk"


def test_passkey_authentication_begins_for_an_unverified_session_only_with_a_password(client, clerk):
    r = client.post("/console/account/passkeys/authentication/begin/", content_type="application/json")
    assert r.status_code == 302 and "/console/login/" in r["Location"]  # no passwordless login
    password_only_login(client, clerk)
    r = client.post("/console/account/passkeys/authentication/begin/", content_type="application/json",
                    HTTP_HOST="localhost:8000")
    assert r.status_code == 200 and r.json()["rpId"] == "localhost"


def test_security_page(client_as, clerk):
    r = client_as(clerk).get("/console/account/second-factor/")
    html = r.content.decode()
    assert r.status_code == 200 and 'id="passkey-registration-placeholder"' in html
    assert 'type="module" src="/static/django_otp_webauthn/otp_webauthn_register.js"' in html
    assert 'id="otp_webauthn_config" type="application/json"' in html
