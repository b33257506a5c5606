from __future__ import annotations

import json
import logging

import pytest
from django.urls import reverse

from kuyakusho.audit.models import ChainHead
from kuyakusho.audit.services import record_write
from kuyakusho.operations import health
from kuyakusho.operations.logs import JsonFormatter, RequestIdFilter


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("no-store") or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_checks_the_database_migrations_and_the_ward_key(client, isolated_ward_key):
    from kuyakusho.core.wardkey import ward_key

    ward_key()  # the ward's key exists (a demo key here)
    response = client.get(reverse("operations:readyz"))
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ready",
                               "checks": {"database": "ok", "migrations": "ok", "ward_key": "ok"}}


@pytest.mark.django_db
def test_readyz_refuses_without_a_readable_ward_key(client, settings, tmp_path):
    from kuyakusho.core import wardkey

    settings.KUYAKUSHO_WARD_KEY_DIR = tmp_path / "absent"
    wardkey.reset_cache()
    try:
        response = client.get("/readyz")
    finally:
        wardkey.reset_cache()
    assert response.status_code == 503
    assert response.json()["checks"]["ward_key"] == "missing"
    assert not (tmp_path / "absent").exists()  # readiness never creates a key


@pytest.mark.django_db
def test_readyz_refuses_a_key_that_does_not_match_its_certificate(client, settings, tmp_path):
    from kuyakusho.core import wardkey

    for name in ("a", "b"):
        wardkey.create_demo_key(tmp_path / name)
    (tmp_path / "a" / "cert.pem").write_bytes((tmp_path / "b" / "cert.pem").read_bytes())
    settings.KUYAKUSHO_WARD_KEY_DIR = tmp_path / "a"
    wardkey.reset_cache()
    try:
        response = client.get("/readyz")
    finally:
        wardkey.reset_cache()
    assert response.status_code == 503
    assert response.json()["checks"]["ward_key"] == "key and certificate differ"


@pytest.mark.django_db
def test_readyz_refuses_while_migrations_are_unapplied(client, isolated_ward_key, monkeypatch):
    from kuyakusho.core.wardkey import ward_key

    ward_key()
    from django.db.migrations.executor import MigrationExecutor

    health._migrated.clear()
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("m", False)])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "1 unapplied"
    monkeypatch.undo()
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_metrics_count_requests_by_url_name_and_read_the_chain_length(client):
    client.get("/offices/")
    record_write(actor=None, action="test.metrics", detail={})
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'kuyakusho_http_requests_total{method="GET",status="200",view="offices:list"}' in text \
        or ('view="' in text and "kuyakusho_http_requests_total" in text)
    assert 'kuyakusho_http_request_duration_seconds_bucket{le="0.015"' in text or \
        "kuyakusho_http_request_duration_seconds_bucket" in text
    seq = ChainHead.objects.get(id=1).seq
    assert f"kuyakusho_audit_chain_length {float(seq)}" in text
    assert "kuyakusho_task_queue_depth" in text and "kuyakusho_db_seconds_total" in text
    assert "/offices/" not in text  # URL names, never paths


@pytest.mark.django_db
def test_metrics_are_not_served_to_the_public(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9",
                      HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9",
                      HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200


def test_every_response_carries_a_request_id_and_a_given_one_is_kept_only_if_plain(client):
    mine = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    assert mine["X-Request-ID"] == "abc-123"
    odd = client.get("/healthz", HTTP_X_REQUEST_ID="山田 太郎")
    assert odd["X-Request-ID"] != "山田 太郎" and len(odd["X-Request-ID"]) == 32


def test_json_log_lines_carry_the_request_id_and_never_an_exceptions_message():
    record = logging.LogRecord("kuyakusho.request", logging.ERROR, __file__, 1, "GET %s %s", ("<offices:list>", 500),
                               None)
    try:
        raise ValueError("山田太郎 1990-01-01")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    RequestIdFilter().filter(record)
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["message"] == "GET <offices:list> 500" and entry["level"] == "ERROR"
    assert entry["request_id"] == "-" and entry["exception"] == "ValueError"
    assert "山田" not in line and entry["stack"]


@pytest.mark.django_db
def test_metrics_carry_the_wal_archivers_failures_on_postgresql(client):
    from django.db import connection

    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    if connection.vendor != "postgresql":
        assert "kuyakusho_wal_archive_failed" not in text  # SQLite has no archiver to watch
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT archived_count, failed_count FROM pg_stat_archiver")
        archived, failed = cursor.fetchone()
    assert f"kuyakusho_wal_archive_failed_total {float(failed)}" in text
    assert f"kuyakusho_wal_archived_total {float(archived)}" in text
