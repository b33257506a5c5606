"""A refused form (CSRF) gets the ward's page: bilingual, the way back, what was typed kept (never secrets)."""

from __future__ import annotations

import json
import re

from django.test import Client

from kuyakusho.accounts.capabilities import Role

FORM = {"surname": "山田", "given_name": "花子", "password": "secret-password", "pin": "1234",
        "note": "転居の相談", "csrfmiddlewaretoken": "x" * 64}


def _kept(response):
    match = re.search(r'<script id="kept-form" type="application/json">(.*?)</script>', response.content.decode(),
                      re.S)
    return json.loads(match.group(1)) if match else None


def test_an_expired_token_on_our_own_form_keeps_what_was_typed(make_staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_staff(Role.SUPERVISOR))
    r = client.post("/console/residents/1/correction/", FORM, HTTP_ORIGIN="http://testserver",
                    HTTP_REFERER="http://testserver/console/residents/1/correction/")
    assert r.status_code == 403 and r["Cache-Control"] == "no-store"
    page = r.content.decode()
    assert "送信を確認できませんでした" in page and "Your submission could not be verified" in page
    assert 'href="http://testserver/console/residents/1/correction/"' in page  # the way back
    assert 'href="/console/"' in page
    kept = _kept(r)
    assert kept["path"] == "/console/residents/1/correction/"
    assert dict(kept["values"]) == {"surname": "山田", "given_name": "花子", "note": "転居の相談"}
    assert "secret-password" not in page and "1234" not in page
    assert "core/js/kept-form.js" in page


def test_a_form_posted_from_another_site_is_not_written_back(make_staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_staff(Role.SUPERVISOR))
    r = client.post("/console/residents/1/correction/", FORM, HTTP_ORIGIN="https://evil.example")
    assert r.status_code == 403 and _kept(r) is None and "山田" not in r.content.decode()
    r = client.post("/console/residents/1/correction/", FORM)  # no Origin: nothing says the form was ours
    assert r.status_code == 403 and _kept(r) is None


def test_the_refused_login_logs_nobody_in_and_keeps_no_password(db, make_staff):
    make_staff(Role.CLERK, "hanako")
    client = Client(enforce_csrf_checks=True)
    r = client.post("/console/login/", {"username": "hanako", "password": "pw-that-is-long-enough"},
                    HTTP_ORIGIN="http://testserver")
    assert r.status_code == 403
    assert dict(_kept(r)["values"]) == {"username": "hanako"}
    assert "_auth_user_id" not in client.session


def test_in_english_too(make_staff):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    r = client.post("/", {"q": "x"})
    page = r.content.decode()
    assert r.status_code == 403 and "送信を確認できませんでした" in page and "Back to the form" in page
