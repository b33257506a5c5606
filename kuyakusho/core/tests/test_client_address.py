"""The client's address comes through trusted proxies only; budgets count in the shared (database) cache."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test import RequestFactory

from kuyakusho.core.net import client_address
from kuyakusho.core.ratelimit import over_budget


def _request(remote: str, forwarded: str | None = None):
    meta: dict[str, Any] = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_a_forwarded_header_from_an_untrusted_peer_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(_request("198.51.100.7", "203.0.113.9")) == "198.51.100.7"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(_request("198.51.100.7", "203.0.113.9, 10.0.0.2")) == "198.51.100.7"


def test_behind_trusted_proxies_the_right_most_untrusted_address_is_the_client(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.10"]
    # The client may put anything at the left of the header; only what our proxies appended counts.
    assert client_address(_request("10.0.0.1", "1.2.3.4, 203.0.113.9")) == "203.0.113.9"
    assert client_address(_request("10.0.0.1", "203.0.113.9, 192.0.2.10")) == "203.0.113.9"
    assert client_address(_request("10.0.0.1", "[2001:db8::5]:4711")) == "2001:db8::5"
    assert client_address(_request("10.0.0.1", "203.0.113.9:443")) == "203.0.113.9"
    # Nothing usable in the header: the proxy itself (never a value the client chose).
    assert client_address(_request("10.0.0.1", "")) == "10.0.0.1"
    assert client_address(_request("10.0.0.1", "not-an-address")) == "10.0.0.1"
    assert client_address(_request("10.0.0.1", "10.0.0.3, 10.0.0.4")) == "10.0.0.1"


def test_an_unusable_remote_address():
    assert client_address(_request("")) == "unknown"


@pytest.mark.django_db
def test_budgets_count_in_the_database_cache():
    assert caches["default"].__class__.__name__ == "DatabaseCache"
    assert "kuyakusho_cache" in connection.introspection.table_names()
    cache.clear()
    assert [over_budget("t", "198.51.100.7", limit=2, window=60, now=1000.0) for _ in range(3)] == [False, False, True]
    assert over_budget("t", "198.51.100.8", limit=2, window=60, now=1000.0) is False
    assert over_budget("t", "198.51.100.7", limit=2, window=60, now=1061.0) is False  # the next window


def test_redis_is_used_when_cache_url_is_set(monkeypatch):
    import importlib

    import config.settings as project_settings

    monkeypatch.setenv("CACHE_URL", "redis://127.0.0.1:6390/3")
    try:
        reloaded = importlib.reload(project_settings)
        assert reloaded.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
        assert reloaded.CACHES["default"]["LOCATION"] == "redis://127.0.0.1:6390/3"
    finally:
        monkeypatch.delenv("CACHE_URL")
        importlib.reload(project_settings)


@pytest.mark.django_db
def test_the_verification_page_budget_cannot_be_escaped_with_a_forged_header(client, settings, monkeypatch):
    from kuyakusho.certificates.services import verification

    settings.TRUSTED_PROXIES = []
    monkeypatch.setattr(verification, "RATE_LIMIT", 2)
    cache.clear()
    for i in range(2):
        client.get("/verify/ABCD-EFGH-JKLM", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    r = client.get("/verify/ABCD-EFGH-JKLM", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert r.status_code == 429
    # Behind a trusted proxy each client has its own budget.
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    r = client.get("/verify/ABCD-EFGH-JKLM", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.50")
    assert r.status_code != 429
    cache.clear()
