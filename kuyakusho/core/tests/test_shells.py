from __future__ import annotations

import pytest
from django.test import Client
from django.urls import path

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/kiosk/", "/console/login/"])
def test_public_shells_render_in_japanese_with_a_language_switch(client, url):
    r = client.get(url)
    assert r.status_code == 200
    html = r.content.decode()
    assert '<html lang="ja">' in html
    assert 'action="/i18n/setlang/"' in html and 'value="en"' in html
    assert '<main id="main"' in html and 'href="#main"' in html
    assert "デジタル庁デザインシステムをもとに作成" in html


def test_language_switch_to_english_and_back(client):
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/kiosk/"})
    assert r.status_code == 302 and r["Location"] == "/kiosk/"
    html = client.get("/kiosk/").content.decode()
    assert '<html lang="en">' in html and "Self-service" in html
    client.post("/i18n/setlang/", {"language": "ja", "next": "/"})
    assert '<html lang="ja">' in client.get("/").content.decode()


def test_language_switch_refuses_foreign_redirects(client):
    r = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert r["Location"] == "/"


def test_console_dashboard_shows_role_and_wareki_date(client_as, clerk):
    html = client_as(clerk).get("/console/").content.decode()
    assert "窓口職員" in html and "令和" in html and "住民記録の閲覧" in html


def test_security_headers_and_csp(client):
    r = client.get("/")
    csp = r["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["X-Frame-Options"] == "DENY"
    assert r["Referrer-Policy"] == "same-origin"


def test_pages_load_nothing_from_other_hosts(client, clerk, client_as):
    for url in ["/", "/kiosk/", "/console/login/"]:
        html = client.get(url).content.decode()
        assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html, url


def test_openapi_is_served(client):
    assert client.get("/api/docs").status_code == 200
    spec = client.get("/api/openapi.json").json()
    assert "/api/accounts/me" in spec["paths"]


def test_the_api_docs_page_has_a_language_a_main_landmark_and_a_heading(client):
    page = client.get("/api/docs").content.decode()
    assert '<html lang="ja">' in page and '<main class="api-docs">' in page
    assert '<h1 class="api-docs__title">Kuyakusho API' in page
    assert "core/css/api-docs.css" in page and "ninja/swagger-ui-bundle.js" in page  # our own files, no CDN
    assert '"deepLinking": false' in page  # no link inside each operation's button (axe: nested-interactive)
    client.cookies["django_language"] = "en"
    assert '<html lang="en">' in client.get("/api/docs").content.decode()


def _boom(request):
    raise ValueError("secret resident 山田太郎 1234-5678-9012")


urlpatterns = [path("boom/", _boom)]


@pytest.mark.urls("kuyakusho.core.tests.test_shells")
def test_server_errors_show_no_stack_trace_or_data(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "config.urls"
    from django.urls import clear_url_caches

    clear_url_caches()
    from config import urls as root

    root.urlpatterns.append(path("boom/", _boom))
    try:
        c = Client(raise_request_exception=False)
        r = c.get("/boom/")
        html = r.content.decode()
        assert r.status_code == 500
        assert "山田" not in html and "Traceback" not in html and "ValueError" not in html
        assert "システムエラーが発生しました" in html
    finally:
        root.urlpatterns.pop()
        clear_url_caches()


def test_not_found_page_is_translated(client):
    r = client.get("/no-such-page/")
    assert r.status_code == 404 and "ページが見つかりません" in r.content.decode()


def test_request_log_names_the_view_not_the_path_or_query(client, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="kuyakusho.request"):
        client.get("/console/login/", {"next": "/console/?name=山田太郎"})
    assert "accounts:login" in caplog.text
    assert "山田" not in caplog.text and "next" not in caplog.text
