"""``Cache-Control: no-store`` on every answer to staff and terminals and on every answer that is not public by
its own declaration; public figures stay cacheable for anonymous callers. Walks every route."""

from __future__ import annotations

import re

import pytest

from kuyakusho.accounts.capabilities import ROLE_CAPABILITIES, Role
from kuyakusho.accounts.models import TerminalKind
from kuyakusho.accounts.terminals import register_terminal

from .test_routes import _access, _fill, api_operations, url_routes

PAGES = [(route, name, cb) for route, name, cb in url_routes()
         if not route.startswith("api/") and (a := _access(cb)) is not None]
API_OPS = list(api_operations())


def _role_for(access) -> Role:
    return next(r for r in Role if access.allows_role(ROLE_CAPABILITIES[r]))


@pytest.mark.parametrize(("route", "name", "callback"), PAGES, ids=[n or r for r, n, _ in PAGES])
def test_every_page_is_never_stored_for_staff(route, name, callback, client, make_staff):
    access = _access(callback)
    if access.audience == "staff":
        client.force_login(make_staff(_role_for(access)))
    else:
        client.force_login(make_staff(Role.SUPERVISOR))  # a public page opened by signed-in staff
    url = "/" + re.sub(r"<[^>]+>", "1", route)
    response = client.get(url)
    if getattr(response, "streaming", False):
        response.close()
    assert response["Cache-Control"] == "no-store", (url, response.status_code, response.get("Cache-Control"))


@pytest.mark.parametrize(("path", "op"), API_OPS, ids=[f"{' '.join(o.methods)} {p}" for p, o in API_OPS])
def test_every_api_operation_is_never_stored_for_its_callers(path, op, client, make_staff, clerk):
    access = _access(op.view_func)
    method = next(iter(op.methods)).lower()
    headers = {}
    if access.audience == "device":
        _, token = register_terminal(actor=clerk, code="t-no-store", kind=access.terminal_kinds[0], name="t")
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    else:
        client.force_login(make_staff(_role_for(access) if access.audience == "staff" else Role.SUPERVISOR))
    response = getattr(client, method)(_fill(path), content_type="application/json", **headers)
    assert response["Cache-Control"] == "no-store", (path, response.status_code, response.get("Cache-Control"))


def test_refusals_to_anonymous_callers_are_not_stored_either(client):
    assert client.get("/api/residents/1?purpose=inquiry")["Cache-Control"] == "no-store"
    assert client.get("/console/")["Cache-Control"] == "no-store"


def test_public_figures_stay_cacheable_for_anonymous_callers_only(client, db, make_staff):
    from kuyakusho.demo.offices import create_offices

    create_offices()
    anonymous = client.get("/api/queues/congestion")
    assert "public" in anonymous["Cache-Control"] and "no-store" not in anonymous["Cache-Control"]
    client.force_login(make_staff(Role.SUPERVISOR))
    assert client.get("/api/queues/congestion")["Cache-Control"] == "no-store"


def test_a_terminals_answers_are_not_stored(client, clerk):
    _, token = register_terminal(actor=clerk, code="k-ns", kind=TerminalKind.KIOSK, name="k")
    response = client.get("/api/queues/congestion", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response["Cache-Control"] == "no-store"
