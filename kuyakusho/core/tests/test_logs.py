"""Django's request, security and server logs name the route, never the path (ids, names) nor the query."""

from __future__ import annotations

import logging

import pytest
from django.test import override_settings
from django.urls import path

from kuyakusho.core.access import public
from kuyakusho.core.logs import UrlNameOnly

NAME = "山田花子"
PATHS_WITH_PERSONAL_DATA = ("/api/residents/12345", "20779749999966699913216", "12345", NAME, "%E5%B1%B1")


def _no_personal_data(records):
    for record in records:
        text = record.getMessage()
        escaped = text.encode("ascii", "backslashreplace").decode()
        for needle in PATHS_WITH_PERSONAL_DATA:
            assert needle not in text and needle not in escaped, (record.name, text)
        assert "\\u5c71" not in text.lower()  # the name, escaped the way Django escapes paths


def _django_records(caplog):
    return [r for r in caplog.records if r.name.startswith(("django.request", "django.security", "django.server"))]


def test_a_403_names_the_route_not_the_resident(client, make_staff, caplog):
    from kuyakusho.accounts.capabilities import Role

    client.force_login(make_staff(Role.AUDITOR))
    with caplog.at_level(logging.INFO):
        r = client.get(f"/console/residents/12345/?q={NAME}")
    assert r.status_code == 403
    records = _django_records(caplog)
    assert records and any("<residents:record>" in rec.getMessage() for rec in records)
    _no_personal_data(records)


def test_a_404_with_a_name_in_the_path(client, db, caplog):
    with caplog.at_level(logging.INFO):
        assert client.get(f"/api/residents/12345/{NAME}").status_code == 404
        assert client.get(f"/console/{NAME}/20779749999966699913216").status_code in (302, 404)
    records = _django_records(caplog)
    assert records
    _no_personal_data(records)


def test_an_api_refusal_and_a_csrf_failure(client, make_staff, caplog):
    from django.test import Client

    from kuyakusho.accounts.capabilities import Role

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(make_staff(Role.SUPERVISOR))
    with caplog.at_level(logging.INFO):
        assert client.get("/api/residents/12345?purpose=inquiry").status_code == 401
        r = csrf_client.post("/api/residents/12345/correction", {"version": 1, "changes": {}, "reason": NAME},
                             content_type="application/json")
        assert r.status_code == 403
        r = csrf_client.post(f"/console/residents/12345/correction/?name={NAME}", {"surname": NAME})
        assert r.status_code == 403
    records = _django_records(caplog)
    assert any(r.name == "django.security.csrf" for r in records)
    _no_personal_data(records)


@public
def _boom(request, pk: int, name: str):
    raise RuntimeError("boom")


urlpatterns = [path("boom/<int:pk>/<str:name>", _boom, name="boom")]


@override_settings(ROOT_URLCONF=__name__, DEBUG_PROPAGATE_EXCEPTIONS=False)
def test_a_500_names_the_route(client, caplog):
    client.raise_request_exception = False
    with caplog.at_level(logging.INFO):
        assert client.get(f"/boom/12345/{NAME}").status_code == 500
    records = _django_records(caplog)
    assert any(r.levelno == logging.ERROR and "<boom>" in r.getMessage() for r in records)
    _no_personal_data(records)


@pytest.mark.parametrize("line", [f"GET /console/residents/12345/?q={NAME} HTTP/1.1",
                                  "POST /api/residents/12345/correction HTTP/1.1"])
def test_the_development_servers_request_line(line):
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, '"%s" %s %s', (line, "200", "10"), None)
    assert UrlNameOnly().filter(record)
    text = record.getMessage()
    assert "12345" not in text and NAME not in text and text.startswith('"' + line.split(" ")[0] + " <")
