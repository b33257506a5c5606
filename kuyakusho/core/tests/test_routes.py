"""The safety net: every URL pattern and every API route declares who may call it,
and every staff route refuses an anonymous caller and a caller without the capability."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from config.api import api
from kuyakusho.accounts.capabilities import ROLE_CAPABILITIES, Role

# Django/ninja routes that are not ours to decorate, and why they are safe.
EXEMPT_URL_NAMES = {
    "api:openapi-json",  # the public API description
    "api:openapi-view",  # its HTML viewer (/api/docs)
}


def _walk(resolver, prefix="", namespace=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{namespace}{p.name}" if p.name else "", p.callback


def url_routes():
    return list(_walk(get_resolver()))


def api_operations():
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                yield f"{prefix}{path}", op


def _access(callback):
    view_class = getattr(callback, "view_class", None)
    return getattr(callback, "access", None) or getattr(view_class, "access", None)


def test_every_url_pattern_declares_access():
    missing = []
    for route, name, callback in url_routes():
        if name in EXEMPT_URL_NAMES or route.startswith("api/"):
            continue  # API operations are checked one by one below
        if _access(callback) is None:
            missing.append(f"{route} ({name})")
    assert not missing, f"routes without a declared permission: {missing}"


def test_every_api_operation_declares_access():
    ops = list(api_operations())
    assert ops, "the API has no operations?"
    missing = [f"{' '.join(op.methods)} {path}" for path, op in ops if _access(op.view_func) is None]
    assert not missing, f"API operations without a declared permission: {missing}"


def test_the_walk_finds_a_route_that_declares_nothing(settings):
    """The check above can fail: an undeclared view is found."""

    def naked(request):
        return None

    from django.urls import path

    resolver = get_resolver()
    resolver.url_patterns.append(path("naked/", naked, name="naked"))
    try:
        assert any(name == "naked" and _access(cb) is None for _, name, cb in url_routes())
    finally:
        resolver.url_patterns.pop()


def _fill(path: str) -> str:
    return "/api" + re.sub(r"\{[^}]+\}", "1", path)


STAFF_OPS = [(p, op) for p, op in api_operations() if _access(op.view_func).audience == "staff"]
DEVICE_OPS = [(p, op) for p, op in api_operations() if _access(op.view_func).audience == "device"]


@pytest.mark.parametrize(("path", "op"), STAFF_OPS, ids=[f"{' '.join(o.methods)} {p}" for p, o in STAFF_OPS])
def test_api_denies_anonymous_and_roles_without_the_capability(path, op, client, make_staff):
    access = _access(op.view_func)
    method = next(iter(op.methods)).lower()
    response = getattr(client, method)(_fill(path), content_type="application/json")
    assert response.status_code == 401, response.content
    # Every role lacking one of the needed capabilities is refused with 403.
    lacking = [r for r in Role if not access.allows_role(ROLE_CAPABILITIES[r])]
    for role in lacking:
        client.force_login(make_staff(role))
        response = getattr(client, method)(_fill(path), content_type="application/json")
        assert response.status_code == 403, (role, response.content)
        assert response.json()["code"] == "permission_denied"
    client.logout()


STAFF_PAGES = [(r, n, cb) for r, n, cb in url_routes() if (a := _access(cb)) is not None and a.audience == "staff"]


@pytest.mark.parametrize(("route", "name", "callback"), STAFF_PAGES, ids=[n for _, n, _ in STAFF_PAGES])
def test_console_pages_deny_anonymous_and_roles_without_the_capability(route, name, callback, client, make_staff):
    url = "/" + re.sub(r"<[^>]+>", "1", route)
    response = client.get(url)
    assert response.status_code == 302 and "/console/login/" in response["Location"]
    access = _access(callback)
    for role in [r for r in Role if not access.allows_role(ROLE_CAPABILITIES[r])]:
        client.force_login(make_staff(role))
        assert client.get(url).status_code == 403, role
    client.logout()


@pytest.mark.parametrize(("path", "op"), DEVICE_OPS, ids=[f"{' '.join(o.methods)} {p}" for p, o in DEVICE_OPS])
def test_device_api_denies_anonymous_staff_and_other_terminals(path, op, client, clerk):
    from kuyakusho.accounts.models import TerminalKind
    from kuyakusho.accounts.terminals import register_terminal

    access = _access(op.view_func)
    method = next(iter(op.methods)).lower()
    call = getattr(client, method)
    assert call(_fill(path), content_type="application/json").status_code == 401
    client.force_login(clerk)  # a staff session is not a terminal
    assert call(_fill(path), content_type="application/json").status_code == 401
    client.logout()
    for kind in [k for k in TerminalKind if k not in access.terminal_kinds]:
        _, token = register_terminal(actor=clerk, code=f"t-{kind}", kind=kind, name=kind)
        r = call(_fill(path), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert r.status_code == 403, (kind, r.content)
    assert call(_fill(path), content_type="application/json", HTTP_AUTHORIZATION="Bearer nonsense").status_code == 401


RESIDENT_OPS = [(p, op) for p, op in api_operations() if _access(op.view_func).audience == "resident"]


def _sign_in_resident(client) -> None:
    """A live resident session (``identity``), its cookie set on ``client``."""
    from django.http import HttpResponse

    from kuyakusho.identity.models import PortalAccount
    from kuyakusho.identity.sessions import begin

    account = PortalAccount.objects.create(kind="email", email="route-walk@example.jp", password="md5$x$y")
    response = HttpResponse()
    begin(response, account=account, card=False)
    client.cookies.update(response.cookies)


@pytest.mark.parametrize(("path", "op"), RESIDENT_OPS, ids=[f"{' '.join(o.methods)} {p}" for p, o in RESIDENT_OPS])
def test_resident_api_denies_anonymous_staff_and_terminals(path, op, client, clerk, supervisor):
    from kuyakusho.accounts.models import TerminalKind
    from kuyakusho.accounts.terminals import register_terminal

    method = next(iter(op.methods)).lower()
    call = getattr(client, method)
    assert call(_fill(path), content_type="application/json").status_code == 401
    client.force_login(supervisor)  # a staff session is not a resident's
    r = call(_fill(path), content_type="application/json")
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    client.logout()
    _, token = register_terminal(actor=clerk, code="t-resident-walk", kind=TerminalKind.KIOSK, name="k")
    assert call(_fill(path), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    _sign_in_resident(client)
    assert call(_fill(path), content_type="application/json").status_code not in (401, 403)


def test_a_resident_declaration_lets_only_residents_in():
    from kuyakusho.core.access import Access
    from kuyakusho.core.actors import ActorKind

    class Caller:
        def __init__(self, kind):
            self.pk, self.actor_kind, self.actor_label, self.kind = 1, kind, "x", "kiosk"

    access = Access("resident")
    assert access.allows(Caller(ActorKind.RESIDENT))
    assert not any(access.allows(Caller(k)) for k in (ActorKind.STAFF, ActorKind.TERMINAL, ActorKind.CLIENT))
    assert not access.allows(None)
