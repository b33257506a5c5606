"""Fixtures shared by every app's tests."""

from __future__ import annotations

import uuid

import pytest

from kuyakusho.accounts.capabilities import Role

PASSWORD = "correct horse battery staple"  # noqa: S105 (test accounts only)


def pytest_configure(config):
    """The test server (``live_server``) listens with Django's backlog of 10 connections: tests that open 24 at
    once on a busy machine were sometimes reset before being accepted. A production server has its own."""
    from django.core.servers.basehttp import WSGIServer

    WSGIServer.request_queue_size = 128

    # Django empties every table after a transactional test, the audit trail too, which the database
    # otherwise refuses (kuyakusho.audit.guard).
    from kuyakusho.audit.guard import allow_flush

    allow_flush()


@pytest.fixture(autouse=True)
def _japanese_first():
    """Each test starts in Japanese: a request in English must not leave English on for the next test."""
    from django.utils import translation

    translation.activate("ja")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _standard_data(request):
    """The reference data that migrations load (schedules, channel policies) is back after a flushed test."""
    if not {"db", "transactional_db", "live_server"} & set(request.fixturenames):
        return
    request.getfixturevalue("transactional_db" if "transactional_db" in request.fixturenames
                            or "live_server" in request.fixturenames else "db")
    from kuyakusho.certificates.standard import ensure_default_policies
    from kuyakusho.offices.standard import ensure_standard_schedules

    ensure_standard_schedules()
    ensure_default_policies()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path_factory):
    # No collectstatic needed for tests; tasks run at once.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each test's own audit checkpoints (none unless it writes some), never the developer's var/.
    settings.AUDIT_CHECKPOINT_DIR = tmp_path_factory.getbasetemp() / f"audit-checkpoints-{uuid.uuid4().hex}"


@pytest.fixture
def make_staff(db):
    from kuyakusho.accounts.models import Staff

    def make(role: str = Role.CLERK, username: str | None = None, offices=(), **kw):
        n = Staff.objects.count() + 1
        staff = Staff.objects.create_user(
            username=username or f"{role}{n}", password=PASSWORD, role=role,
            display_name=kw.pop("display_name", f"{role} {n}"), **kw
        )
        if offices:
            staff.offices.set(offices)
        return staff

    return make


@pytest.fixture
def clerk(make_staff):
    return make_staff(Role.CLERK, "clerk")


@pytest.fixture
def supervisor(make_staff):
    return make_staff(Role.SUPERVISOR, "supervisor")


@pytest.fixture
def administrator(make_staff):
    return make_staff(Role.ADMIN, "admin")


@pytest.fixture
def auditor(make_staff):
    return make_staff(Role.AUDITOR, "auditor")


@pytest.fixture
def client_as(client):
    """``client_as(user)`` → the test client logged in as that member of staff."""

    def login(user):
        client.force_login(user)
        return client

    return login
