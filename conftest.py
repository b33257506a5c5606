"""Fixtures shared by every app's tests."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import settings as hypothesis_settings

from kuyakusho.accounts.capabilities import Role

# Property tests check what holds, not how fast: on a busy machine (two suites, browsers) an example may take
# longer than hypothesis's default 200 ms deadline without anything being wrong. Speed is for the benchmarks.
hypothesis_settings.register_profile("kuyakusho", deadline=None)
hypothesis_settings.load_profile("kuyakusho")


@pytest.fixture(autouse=True)
def _fresh_snapshots():
    """Each test starts with an empty database and shared cache: the snapshots and renderings this process kept
    go too."""
    from django.core.cache import caches

    from kuyakusho.core import recent

    recent.forget()
    caches["process"].clear()


PASSWORD = "correct horse battery staple"  # noqa: S105 (test accounts only)
# The authenticator-app key of the test accounts (hex, as django-otp stores it): tests compute its codes.
TOTP_KEY = "3132333435363738393031323334353637383930"


def totp_code(user=None, *, key: str = TOTP_KEY) -> str:
    """The code an authenticator app with that key shows now; for a member of staff, the next code their
    authenticator accepts (each code is accepted once, so a second login within 30 seconds takes the next one,
    which the server accepts as a clock one step ahead)."""
    import time
    from binascii import unhexlify

    from django_otp.oath import hotp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() if user is not None else None
    if device is None:
        return f"{hotp(unhexlify(key), int(time.time()) // 30):06d}"
    counter = max(int(time.time() - device.t0) // device.step + device.drift, device.last_t + 1)
    return f"{hotp(device.bin_key, counter, digits=device.digits):0{device.digits}d}"


def give_second_factor(user):
    """A confirmed authenticator app (key ``TOTP_KEY``) for that member of staff."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="authenticator", key=TOTP_KEY, confirmed=True)


_ORIGINAL_FORCE_LOGIN = None


def password_only_login(client, user):
    """Sign in with the password only, the second factor not yet given (``client.force_login`` gives it)."""
    _ORIGINAL_FORCE_LOGIN(client, user)
    return client


def _force_login_with_second_factor(self, user, backend=None):
    """``client.force_login(user)`` signs in completely: a member of staff who has a second factor has also given
    it (the session is verified, as after the code page). ``password_only_login`` gives the state in between."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _ORIGINAL_FORCE_LOGIN(self, user, backend)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


def pytest_configure(config):
    """The test server (``live_server``) listens with Django's backlog of 10 connections: tests that open 24 at
    once on a busy machine were sometimes reset before being accepted. A production server has its own."""
    from django.core.servers.basehttp import WSGIServer

    WSGIServer.request_queue_size = 128
    _one_request_at_a_time_on_a_shared_connection()

    # Django empties every table after a transactional test, the audit trail too, which the database
    # otherwise refuses (kuyakusho.audit.guard).
    from kuyakusho.audit.guard import allow_flush

    allow_flush()


def _one_request_at_a_time_on_a_shared_connection():
    """On SQLite the test server's threads share the test's one in-memory connection, and two requests using it
    at once break each other ("bad parameter or other API misuse": a page's three photos loaded together lost
    the member's session). There the browser's requests take turns through the views; a response's body (a file,
    a live stream) is still sent outside the turn, and the server's own calls to its sandboxes (the identity and
    payment providers), made while a browser's request holds the turn, do not wait for it. PostgreSQL gives
    each thread its own connection and is left as it is."""
    import threading

    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.test.testcases import LiveServerThread

    class OneViewAtATime(ThreadedWSGIServer):
        def set_app(self, application):
            if not self.connections_override:
                return super().set_app(application)
            turn = threading.Lock()

            def in_turn(environ, start_response):
                if not environ.get("HTTP_USER_AGENT", "").startswith("Mozilla/"):  # the server calling itself
                    return application(environ, start_response)
                with turn:
                    return application(environ, start_response)

            return super().set_app(in_turn)

    LiveServerThread.server_class = OneViewAtATime


@pytest.fixture(autouse=True)
def _japanese_first():
    """Each test starts in Japanese: a request in English must not leave English on for the next test."""
    from django.utils import translation

    translation.activate("ja")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _standard_data(request):
    """The reference data that migrations load (schedules, channel policies, report categories) is back after a
    flushed test."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not {"db", "transactional_db", "live_server"} & set(request.fixturenames):
        return
    transactional = ("transactional_db" in request.fixturenames or "live_server" in request.fixturenames
                     or (marker is not None and marker.kwargs.get("transaction", False)))
    request.getfixturevalue("transactional_db" if transactional else "db")
    from kuyakusho.certificates.standard import ensure_default_policies
    from kuyakusho.offices.standard import ensure_standard_schedules
    from kuyakusho.reports.standard import ensure_categories

    ensure_standard_schedules()
    ensure_default_policies()
    ensure_categories()


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


@pytest.fixture(autouse=True)
def _force_login_gives_the_second_factor(monkeypatch):
    global _ORIGINAL_FORCE_LOGIN
    from django.test.client import ClientMixin

    if _ORIGINAL_FORCE_LOGIN is None:
        _ORIGINAL_FORCE_LOGIN = ClientMixin.force_login
    monkeypatch.setattr(ClientMixin, "force_login", _force_login_with_second_factor)


@pytest.fixture
def make_staff(db):
    """``make_staff(role, username, offices, second_factor=True, **fields)``: a member of staff with the password
    ``PASSWORD`` and, unless told otherwise, an authenticator app with the key ``TOTP_KEY``."""
    from kuyakusho.accounts.models import Staff

    def make(role: str = Role.CLERK, username: str | None = None, offices=(), second_factor: bool = True, **kw):
        n = Staff.objects.count() + 1
        staff = Staff.objects.create_user(
            username=username or f"{role}{n}", password=PASSWORD, role=role,
            display_name=kw.pop("display_name", f"{role} {n}"), **kw
        )
        if offices:
            staff.offices.set(offices)
        if second_factor:
            give_second_factor(staff)
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
    """``client_as(user)`` → the test client logged in as that member of staff (second factor given)."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def isolated_ward_key(settings, tmp_path_factory):
    """A demo ward key per test session, outside the developer's var/ (certificates sign with it, audit
    checkpoints too)."""
    from kuyakusho.core import wardkey

    settings.VAR_DIR = tmp_path_factory.getbasetemp() / "var"
    settings.VAR_DIR.mkdir(exist_ok=True)
    wardkey.reset_cache()
    yield
    wardkey.reset_cache()
