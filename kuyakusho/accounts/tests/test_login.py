from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client

from conftest import PASSWORD, totp_code
from kuyakusho.accounts.capabilities import Capability, Role
from kuyakusho.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
LOGIN = "/console/login/"
ONE_MESSAGE = "ログインできませんでした。ユーザー名とパスワードを確かめてください。"


def _post(client, username, password, ip="192.0.2.1", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def test_login_with_password_then_code_reaches_the_dashboard(client, clerk):
    r = _post(client, "clerk", PASSWORD)
    assert r.status_code == 302 and r["Location"].startswith("/console/login/second-factor/")
    assert client.get("/console/").status_code == 302  # not before the second factor
    r = client.post("/console/login/second-factor/", {"code": totp_code(clerk), "next": "/console/"})
    assert r.status_code == 302 and r["Location"] == "/console/"
    assert client.get("/console/").status_code == 200
    e = AuditEvent.objects.get(action="login.succeeded", actor=clerk)
    assert e.detail == {"method": "totp"}


def test_a_role_without_personal_data_signs_in_with_the_password(client, make_staff, monkeypatch):
    """A role whose capabilities read no personal data needs no second factor (none today; the rule is data)."""
    from kuyakusho.accounts import capabilities

    monkeypatch.setitem(capabilities.ROLE_CAPABILITIES, Role.AUDITOR, frozenset({Capability.USE_CONSOLE}))
    make_staff(Role.AUDITOR, "watcher", second_factor=False)
    r = _post(client, "watcher", PASSWORD)
    assert r.status_code == 302 and r["Location"] == "/console/"
    assert client.get("/console/").status_code == 200
    assert AuditEvent.objects.get(action="login.succeeded").detail == {"method": "password"}


def test_every_role_today_needs_a_second_factor():
    from kuyakusho.accounts.second_factor import role_requires_second_factor

    assert all(role_requires_second_factor(r) for r in Role)


def test_one_message_for_unknown_users_wrong_passwords_and_inactive_accounts(client, clerk, make_staff):
    make_staff(Role.CLERK, "retired", is_active=False)
    bodies = [_post(client, u, p).content.decode() for u, p in
              [("clerk", "wrong"), ("nobody", "x"), ("retired", PASSWORD)]]
    for body in bodies:
        assert ONE_MESSAGE in body
        assert "ロック" not in body


def test_message_in_english(client, clerk):
    client.cookies["django_language"] = "en"
    assert "Could not log in" in _post(client, "clerk", "wrong").content.decode()


class _CountingHasher(MD5PasswordHasher):
    calls = 0

    def encode(self, password, salt):
        type(self).calls += 1
        return super().encode(password, salt)


def test_unknown_users_cost_the_same_password_hashing_as_wrong_passwords(client, clerk, settings):
    """No early exit: Django's ModelBackend hashes the password for an unknown username too, and the throttle
    (which runs first) treats both alike."""
    settings.PASSWORD_HASHERS = [f"{__name__}._CountingHasher"]
    clerk.set_password(PASSWORD)
    clerk.save()
    _CountingHasher.calls = 0
    _post(client, "clerk", "wrong")
    wrong_password = _CountingHasher.calls
    _CountingHasher.calls = 0
    _post(client, "nobody", "wrong")
    unknown_user = _CountingHasher.calls
    assert wrong_password == unknown_user == 1


def test_five_failures_from_one_address_pause_that_username_there_only(client, clerk):
    """Before: five wrong passwords from anyone locked the account everywhere for 15 minutes, with a message
    that confirmed the account existed. Now the pair (username, address) is paused, with the one message."""
    statuses = []
    for _ in range(5):
        r = _post(client, "clerk", "wrong", ip="203.0.113.9")
        statuses.append(r.status_code)
        assert ONE_MESSAGE in r.content.decode() and "ロック" not in r.content.decode()
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure reaches the limit
    r = _post(client, "clerk", PASSWORD, ip="203.0.113.9")
    assert r.status_code == 429 and ONE_MESSAGE in r.content.decode() and "ロック" not in r.content.decode()
    assert 'value="clerk"' in r.content.decode()  # what was typed is kept
    # The clerk at her own counter is not locked out by someone else's guesses.
    r = _post(Client(), "clerk", PASSWORD, ip="198.51.100.7")
    assert r.status_code == 302 and "/second-factor/" in r["Location"]


def test_an_unknown_username_is_paused_exactly_like_a_known_one(client, clerk):
    for username in ("clerk", "nobody"):
        for _ in range(5):
            _post(client, username, "wrong", ip="203.0.113.9")
    known = _post(client, "clerk", "wrong", ip="203.0.113.9")
    unknown = _post(client, "nobody", "wrong", ip="203.0.113.9")
    assert known.status_code == unknown.status_code == 429
    assert ONE_MESSAGE in known.content.decode() and ONE_MESSAGE in unknown.content.decode()


def test_twenty_failures_from_one_address_pause_the_address(client, clerk, settings):
    for i in range(20):
        _post(client, f"guess{i}", "wrong", ip="203.0.113.9")
    assert _post(client, "clerk", PASSWORD, ip="203.0.113.9").status_code == 429
    assert _post(Client(), "clerk", PASSWORD, ip="198.51.100.7").status_code == 302


def test_fifty_failures_for_one_username_from_many_addresses_pause_the_username(client, clerk):
    for i in range(50):
        _post(client, "clerk", "wrong", ip=f"203.0.113.{i + 1}")
    assert _post(Client(), "clerk", PASSWORD, ip="198.51.100.7").status_code == 429
    assert _post(Client(), "supervisor", "wrong", ip="198.51.100.7").status_code == 200


def test_the_pause_ends_after_fifteen_minutes(client, clerk):
    from datetime import timedelta

    from django.utils import timezone

    for _ in range(5):
        _post(client, "clerk", "wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _post(client, "clerk", PASSWORD).status_code == 302


def test_a_right_password_forgets_that_username_s_failures_from_that_address(client, clerk):
    for _ in range(4):
        _post(client, "clerk", "wrong")
    _post(client, "nobody", "wrong")
    _post(client, "clerk", PASSWORD)
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["nobody"]


def test_the_address_behind_a_trusted_proxy(client, clerk, settings):
    """Behind one proxy the client is the last X-Forwarded-For entry; what the client wrote before it is ignored,
    and without a configured proxy the header is ignored altogether."""
    from django.test import RequestFactory

    from kuyakusho.core.net import client_address

    rf = RequestFactory()
    req = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    settings.TRUSTED_PROXIES = []
    assert client_address(req) == "10.0.0.2"  # no proxy trusted: the header is the client's to write
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    assert client_address(req) == "203.0.113.9"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "203.0.113.9"]
    assert client_address(req) == "1.2.3.4"
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    assert client_address(rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address")) == "10.0.0.2"
    # Failures through the proxy are counted per client, not for the proxy.
    for _ in range(5):
        _post(client, "clerk", "wrong", ip="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert _post(client, "clerk", PASSWORD, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429
    r = _post(Client(), "clerk", PASSWORD, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert r.status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}


def test_inactive_staff_has_no_capabilities(make_staff):
    s = make_staff(Role.SUPERVISOR, is_active=False)
    assert not s.has_capability(Capability.USE_CONSOLE)


def test_roles_capabilities_are_distinct(clerk, supervisor, administrator, auditor):
    assert clerk.has_capability(Capability.VIEW_RESIDENT) and not clerk.has_capability(Capability.VIEW_AUDIT)
    assert supervisor.has_capability(Capability.SUPERVISE_COUNTER)
    assert not administrator.has_capability(Capability.VIEW_RESIDENT)
    assert auditor.has_capability(Capability.VIEW_AUDIT) and not auditor.has_capability(Capability.VIEW_RESIDENT)


def test_me_api(client_as, supervisor):
    r = client_as(supervisor).get("/api/accounts/me")
    assert r.status_code == 200
    assert r.json()["role"] == "supervisor" and "supervise_counter" in r.json()["capabilities"]


def test_logout_needs_post(client_as, clerk):
    c = client_as(clerk)
    assert c.get("/console/logout/").status_code == 405
    assert c.post("/console/logout/").status_code == 302
    assert c.get("/console/").status_code == 302


def test_staff_limited_to_offices(make_staff):
    from kuyakusho.accounts.permissions import can_work_at_office
    from kuyakusho.offices.models import Office

    a = Office.objects.create(code="a", name_ja="A", name_en="A")
    b = Office.objects.create(code="b", name_ja="B", name_en="B")
    limited = make_staff(Role.CLERK, offices=[a])
    anywhere = make_staff(Role.CLERK)
    assert can_work_at_office(limited, a) and not can_work_at_office(limited, b)
    assert can_work_at_office(anywhere, b)


def test_the_throttle_settings_are_checked(settings):
    from kuyakusho.accounts.throttling import check_limits

    assert check_limits() == []
    settings.LOGIN_FAILURE_LIMITS = (5, 20)
    assert [e.id for e in check_limits()] == ["accounts.E001"]
    settings.LOGIN_FAILURE_LIMITS = (5, 20, 50)
    settings.AXES_FAILURE_LIMIT = 5
    assert [e.id for e in check_limits()] == ["accounts.E002"]


def test_a_request_without_an_address_is_recorded_without_one(rf):
    """The test client and some servers give no REMOTE_ADDR: axes' IP column (inet on PostgreSQL) gets NULL."""
    from kuyakusho.accounts.throttling import client_ip

    request = rf.get("/")
    request.META.pop("REMOTE_ADDR", None)
    assert client_ip(request) is None
    assert client_ip(rf.get("/", REMOTE_ADDR="192.0.2.4")) == "192.0.2.4"
