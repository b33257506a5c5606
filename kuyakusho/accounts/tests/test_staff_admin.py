from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kuyakusho.accounts.capabilities import Role
from kuyakusho.accounts.models import Staff
from kuyakusho.audit.models import AuditEvent
from kuyakusho.offices.models import Office

pytestmark = pytest.mark.django_db


def test_admin_creates_staff_limited_to_an_office(client_as, administrator):
    office = Office.objects.create(code="nerima", name_ja="練馬区民事務所", name_en="Nerima")
    c = client_as(administrator)
    r = c.post("/console/staff/new/", {"username": "hanako", "display_name": "窓口 花子", "role": "clerk",
                                       "offices": [office.pk], "password": "a-long-enough-secret-42"})
    assert r.status_code == 302
    s = Staff.objects.get(username="hanako")
    assert s.role == Role.CLERK and list(s.offices.all()) == [office] and s.check_password("a-long-enough-secret-42")
    e = AuditEvent.objects.get(action="staff.create")
    assert e.actor == administrator and e.changes["role"] == [None, "clerk"]


def test_weak_password_and_duplicate_name_are_refused_keeping_the_input(client_as, administrator, clerk):
    c = client_as(administrator)
    r = c.post("/console/staff/new/", {"username": "hanako", "display_name": "花子", "role": "clerk",
                                       "password": "short"})
    assert r.status_code == 200 and r.context["form"].errors["password"]
    assert 'value="花子"' in r.content.decode()
    r = c.post("/console/staff/new/", {"username": "clerk", "display_name": "x", "role": "clerk",
                                       "password": "a-long-enough-secret-42"})
    assert "既に使われています" in r.content.decode()
    assert not Staff.objects.filter(username="hanako").exists()


def test_admin_changes_role_with_before_and_after_audited(client_as, administrator, clerk):
    r = client_as(administrator).post(f"/console/staff/{clerk.pk}/", {
        "display_name": clerk.display_name, "role": "supervisor", "is_active": "on"})
    assert r.status_code == 302
    clerk.refresh_from_db()
    assert clerk.role == Role.SUPERVISOR
    assert AuditEvent.objects.get(action="staff.update").changes == {"role": ["clerk", "supervisor"]}


def test_admin_cannot_demote_or_disable_themselves(client_as, administrator):
    r = client_as(administrator).post(f"/console/staff/{administrator.pk}/", {
        "display_name": "x", "role": "clerk", "is_active": "on"})
    assert r.status_code == 200 and "自分自身" in r.content.decode()
    administrator.refresh_from_db()
    assert administrator.role == Role.ADMIN


def test_admin_lifts_the_login_throttle_on_a_username(client_as, administrator, clerk):
    from django.test import Client

    from conftest import PASSWORD

    for _ in range(5):
        Client().post("/console/login/", {"username": "clerk", "password": "wrong"}, REMOTE_ADDR="203.0.113.9")
    assert Client().post("/console/login/", {"username": "clerk", "password": PASSWORD},
                         REMOTE_ADDR="203.0.113.9").status_code == 429
    c = client_as(administrator)
    assert "ログイン制限中" in c.get("/console/staff/").content.decode()
    assert c.post(f"/console/staff/{clerk.pk}/unlock/").status_code == 302
    assert "ログイン制限中" not in c.get("/console/staff/").content.decode()
    assert Client().post("/console/login/", {"username": "clerk", "password": PASSWORD},
                         REMOTE_ADDR="203.0.113.9").status_code == 302
    e = AuditEvent.objects.get(action="staff.unlock")
    assert e.actor == administrator and e.detail == {"addresses_cleared": 1}


def test_create_staff_command(monkeypatch):
    answers = iter(["a-long-enough-secret-42", "a-long-enough-secret-42"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("create_staff", "root", "--role", "admin")
    assert Staff.objects.get(username="root").role == Role.ADMIN
    answers = iter(["a", "b"])
    with pytest.raises(CommandError, match="differ"):
        call_command("create_staff", "other")
