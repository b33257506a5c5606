from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import PASSWORD
from kuyakusho.accounts.capabilities import Capability, Role
from kuyakusho.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
LOGIN = "/console/login/"


def _post(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_login_with_the_right_password_reaches_the_dashboard(client, clerk):
    r = _post(client, "clerk", PASSWORD)
    assert r.status_code == 302 and r["Location"] == "/console/"
    assert client.get("/console/").status_code == 200
    assert AuditEvent.objects.filter(action="login.succeeded", actor=clerk).exists()


def test_five_failures_lock_the_account_for_fifteen_minutes(client, clerk, caplog):
    for _ in range(4):
        r = _post(client, "clerk", "wrong")
        assert "ユーザー名またはパスワードが正しくありません" in r.content.decode()
    with caplog.at_level(logging.WARNING, logger="kuyakusho.accounts"):
        r = _post(client, "clerk", "wrong")
    assert "一時的にロックされています" in r.content.decode()
    assert f"staff_id={clerk.pk}" in caplog.text and "wrong" not in caplog.text
    clerk.refresh_from_db()
    assert clerk.locked_until - timezone.now() > timedelta(minutes=14)
    # Even the right password is refused while locked, with the same clear message.
    r = _post(client, "clerk", PASSWORD)
    assert r.status_code == 200 and "一時的にロックされています" in r.content.decode()
    assert AuditEvent.objects.filter(action="login.locked").count() == 1
    assert AuditEvent.objects.filter(action="login.failed").count() == 4


def test_the_lock_expires(client, clerk):
    clerk.locked_until = timezone.now() - timedelta(seconds=1)
    clerk.save()
    assert _post(client, "clerk", PASSWORD).status_code == 302


def test_locked_message_in_english(client, clerk):
    client.cookies["django_language"] = "en"
    for _ in range(5):
        r = _post(client, "clerk", "wrong")
    assert "temporarily locked" in r.content.decode()


def test_unknown_user_gets_the_ordinary_message(client):
    r = _post(client, "nobody", "x")
    assert "ユーザー名またはパスワードが正しくありません" in r.content.decode()


def test_success_resets_the_failure_count(client, clerk):
    for _ in range(4):
        _post(client, "clerk", "wrong")
    _post(client, "clerk", PASSWORD)
    clerk.refresh_from_db()
    assert clerk.failed_logins == 0


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
