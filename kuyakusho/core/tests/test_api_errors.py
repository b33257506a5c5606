"""One error shape in the API; integers beyond the databases' range are refused, never a 500; the description
lists every refusal of every operation."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from config.api import api
from kuyakusho.accounts.capabilities import ROLE_CAPABILITIES, Role

from .test_routes import _access, api_operations, url_routes

HUGE = "20779749999966699913216"


def _shape(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert {"code", "message", "field"} <= set(body), body
    assert body["message"] and "Value error" not in body["message"]
    if code:
        assert body["code"] == code, body
    return body


def _role_for(access) -> Role:
    return next(r for r in Role if access.allows_role(ROLE_CAPABILITIES[r]))


INT_OPS = [(p, op) for p, op in api_operations() if re.search(r"{int:[^}]+}", p) or any(
    n in p for n in ("{number}", "{ticket_id}"))]


@pytest.mark.parametrize(("path", "op"), INT_OPS, ids=[f"{' '.join(o.methods)} {p}" for p, o in INT_OPS])
def test_every_integer_in_an_api_path_beyond_64_bits_is_not_found(path, op, client, make_staff):
    access = _access(op.view_func)
    client.force_login(make_staff(_role_for(access)))
    url = "/api" + re.sub(r"{int:[^}]+}|{number}|{ticket_id}", HUGE, path)
    url = re.sub(r"{[^}]+}", "nerima", url)
    method = next(iter(op.methods)).lower()
    response = getattr(client, method)(url + "?purpose=inquiry", data={}, content_type="application/json")
    assert response.status_code in (404, 422), (url, response.status_code, response.content)
    _shape(response, response.status_code)


INT_PAGES = [(r, n, cb) for r, n, cb in url_routes() if "<int:" in r and _access(cb) is not None]


@pytest.mark.parametrize(("route", "name", "callback"), INT_PAGES, ids=[n for _, n, _ in INT_PAGES])
def test_every_integer_in_a_page_url_beyond_64_bits_is_not_found(route, name, callback, client, make_staff):
    access = _access(callback)
    if access.audience == "staff":
        client.force_login(make_staff(_role_for(access)))
    url = "/" + re.sub(r"<[^>]+>", lambda m: HUGE if m.group(0).startswith("<int:") else "nerima", route)
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code in (404, 405)


def test_the_reported_correction_is_a_404_not_a_500(client, make_staff):
    client.force_login(make_staff(Role.SUPERVISOR))
    r = client.post(f"/api/residents/{HUGE}/correction", {"version": 1, "changes": {}, "reason": "x"},
                    content_type="application/json")
    _shape(r, 404, "not_found")


def test_integers_in_bodies_and_queries_beyond_64_bits_are_422(client, make_staff):
    client.force_login(make_staff(Role.SUPERVISOR))
    r = client.post("/api/residents/1/correction", f'{{"version": {HUGE}, "changes": {{}}, "reason": "x"}}',
                    content_type="application/json")
    assert _shape(r, 422, "out_of_range")["field"] == "version"
    r = client.post("/api/residents/death", {"resident_id": 1, "version": 1, "died_on": "2025-01-01",
                                             "remaining_head_id": int(HUGE)}, content_type="application/json")
    assert _shape(r, 422, "out_of_range")["field"] == "remaining_head_id"
    r = client.get(f"/api/residents/search?purpose=consultation&page={HUGE}")
    assert _shape(r, 422, "out_of_range")["field"] == "page"


def test_unparsable_bodies_and_json_constants(client, make_staff):
    client.force_login(make_staff(Role.SUPERVISOR))
    for body in ("{bad", '{"version": NaN, "changes": {}, "reason": "x"}'):
        r = client.post("/api/residents/1/correction", body, content_type="application/json")
        _shape(r, 400, "unparsable")


def test_validation_errors_are_translated_and_carry_the_field(client, make_staff):
    client.force_login(make_staff(Role.SUPERVISOR))
    r = client.post("/api/residents/1/correction", {"changes": {}}, content_type="application/json")
    body = _shape(r, 422, "invalid_input")
    assert body["field"] in ("version", "reason") and body["message"] == "入力内容に誤りがあります。"
    assert {e["message"] for e in body["errors"]} == {"入力してください。"}
    assert {e["field"] for e in body["errors"]} == {"version", "reason"}
    r = client.post("/api/residents/1/correction", {"changes": {}, "version": "x", "reason": "\x07"},
                    content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    body = _shape(r, 422, "invalid_input")
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert messages["version"] == "Please enter a whole number."
    assert not any("Value error" in m or "Input should" in m for m in messages.values()), messages


def test_django_level_refusals_under_the_api_have_the_same_shape(client, make_staff):
    _shape(client.get("/api/no-such-thing"), 404, "not_found")
    r = client.delete("/api/queues/congestion")
    assert _shape(r, 405, "method_not_allowed") and "GET" in r["Allow"]
    _shape(client.get("/api/residents/1?purpose=inquiry"), 401, "unauthenticated")


def test_a_csrf_failure_in_the_api_has_the_same_shape(make_staff):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(make_staff(Role.SUPERVISOR))
    r = csrf_client.post("/api/residents/1/correction", {"version": 1, "changes": {}, "reason": "x"},
                         content_type="application/json")
    _shape(r, 403, "csrf_failed")


def test_the_description_lists_each_operations_refusals(client):
    raw = client.get("/api/openapi.json").content
    schema = json.loads(raw)
    # No status twice in one operation (JSON parsers that refuse duplicate keys, like Swagger UI's, must read it).
    json.loads(raw, object_pairs_hook=lambda pairs: (_no_duplicates(pairs), dict(pairs))[1])
    assert {"Error", "ValidationError"} <= set(schema["components"]["schemas"])
    correction = schema["paths"]["/api/residents/{resident_id}/correction"]["post"]["responses"]
    assert {"201", "400", "401", "403", "404", "409", "422"} <= set(correction)
    assert correction["403"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"
    congestion = schema["paths"]["/api/queues/congestion"]["get"]["responses"]
    assert "401" not in congestion and "403" not in congestion  # public
    konbini = schema["paths"]["/api/certificates/konbini/issue"]["post"]["responses"]
    assert {"401", "403", "423"} <= set(konbini)
    parameter = schema["paths"]["/api/residents/{resident_id}"]["get"]["parameters"][0]
    assert parameter["schema"]["maximum"] == 2**63 - 1
    # Every operation documents 400 and 404; every one with input documents 422.
    for path, item in schema["paths"].items():
        for method, op in item.items():
            assert {"400", "404"} <= set(op["responses"]), (method, path)
            if op.get("parameters") or op.get("requestBody"):
                assert "422" in op["responses"], (method, path)


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)


def test_the_api_object_is_the_wards():
    assert api.get_openapi_schema()["info"]["title"] == "Kuyakusho API"


def test_enumerated_fields_are_enums_in_the_description(client):
    from kuyakusho.certificates.models import Requester

    components = json.loads(client.get("/api/openapi.json").content)["components"]["schemas"]

    def enum_of(schema: dict, field: str) -> set[str]:
        prop = schema["properties"][field]
        ref = prop.get("$ref") or next((b["$ref"] for b in prop.get("allOf", []) if "$ref" in b), None)
        return set((components[ref.split("/")[-1]] if ref else prop)["enum"])

    for name in ("CounterIssueIn", "PostalIn", "PostOfficeIssueIn"):
        assert "juminhyo" in enum_of(components[name], "kind"), name
        assert enum_of(components[name], "requester") == {r.value for r in Requester}, name


def test_every_api_schema_has_its_own_name():
    """OpenAPI keys schemas by class name: two schemas of one name would describe one operation with the other's
    fields (a reason made optional, an output with the wrong fields), and clients would send what is refused."""
    from ninja import Schema

    import config.api  # noqa: F401  (every router and its schemas)

    def every(cls: type) -> list[type]:
        found: list[type] = []
        subclasses: list[type] = cls.__subclasses__()
        for sub in subclasses:
            found += [sub, *every(sub)]
        return found

    ours = {c for c in every(Schema) if c.__module__.startswith("kuyakusho.")}
    names: dict[str, set[str]] = {}
    for c in ours:
        names.setdefault(c.__name__, set()).add(c.__module__)
    assert {n: m for n, m in names.items() if len(m) > 1} == {}
