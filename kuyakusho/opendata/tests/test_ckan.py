"""CKAN's Action API, against the request and response shapes CKAN documents (docs.ckan.org, "API guide" and
``ckan.logic.action.get``; datastore: ``ckanext.datastore.logic.action.datastore_search``)."""

from __future__ import annotations

import json

import pytest

from kuyakusho.opendata import services

from .factories import NURSERY_CSV, dataset, organization

pytestmark = pytest.mark.django_db
API = "/api/3/action/"


def call(client, action, method="get", **params):
    if method == "get":
        response = client.get(API + action, params)
    else:
        response = client.post(API + action, json.dumps(params), content_type="application/json")
    body = response.json()
    assert set(body) >= {"help", "success"} and body["help"].endswith(f"help_show?name={action}")
    return response.status_code, body


@pytest.fixture
def catalogue():
    parks = organization("parks", "土木部 公園緑地課", "Parks")
    a = dataset(csv=NURSERY_CSV)
    b = dataset("parks-list", "公園一覧", org=parks, tags=("公園",), license_id="CC0-1.0")
    c = dataset("kindergartens", "幼稚園一覧", tags=("子育て",), standard_id="13")
    return a, b, c


def test_package_search_shape_and_facets(client, catalogue):
    status, body = call(client, "package_search", q="保育園", **{"facet.field": '["organization","tags","res_format"]'})
    assert status == 200 and body["success"] is True
    result = body["result"]
    assert set(result) >= {"count", "results", "facets", "search_facets", "sort"}
    assert result["count"] == 1 and result["results"][0]["name"] == "nursery-schools"
    package = result["results"][0]
    for key in ("id", "name", "title", "notes", "license_id", "license_title", "metadata_created",
                "metadata_modified", "organization", "owner_org", "tags", "resources", "num_resources", "state",
                "private", "type", "extras"):
        assert key in package
    assert package["organization"]["name"] == "childcare" and package["organization"]["is_organization"]
    assert package["resources"][0]["format"] == "CSV" and package["resources"][0]["datastore_active"] is True
    assert result["facets"]["organization"] == {"childcare": 1}
    assert result["facets"]["res_format"] == {"CSV": 1}
    items = result["search_facets"]["organization"]["items"]
    assert items == [{"name": "childcare", "display_name": "こども家庭部 保育課", "count": 1}]


def test_package_search_fq_sort_rows_start(client, catalogue):
    _, body = call(client, "package_search", fq="organization:childcare", sort="name asc")
    assert [p["name"] for p in body["result"]["results"]] == ["kindergartens", "nursery-schools"]
    _, body = call(client, "package_search", fq='tags:"子育て" -organization:parks', rows=1, start=1,
                   sort="name asc")
    assert body["result"]["count"] == 2 and [p["name"] for p in body["result"]["results"]] == ["nursery-schools"]
    _, body = call(client, "package_search", fq="license_id:CC0-1.0 +standard_id:13")
    assert body["result"]["count"] == 0
    _, body = call(client, "package_search", fq="res_format:CSV")
    assert body["result"]["count"] == 1
    _, body = call(client, "package_search", method="post", q="ほいくえん", rows=5, **{"facet.field": ["tags"]})
    assert body["result"]["count"] == 1 and body["result"]["facets"]["tags"] == {"保育": 1, "子育て": 1}
    _, body = call(client, "package_search", q="*:*", rows=0)
    assert body["result"]["count"] == 3 and body["result"]["results"] == []


def test_rows_are_capped_as_ckan_caps_them(client, catalogue):
    _, body = call(client, "package_search", rows=10**9)
    assert body["success"] and body["result"]["count"] == 3
    _, body = call(client, "package_search", start=10**30)
    assert body["success"] and body["result"]["results"] == []


@pytest.mark.parametrize(("params", "status", "kind", "field"), [
    ({"rows": "-1"}, 409, "Validation Error", "rows"),
    ({"rows": "ten"}, 409, "Validation Error", "rows"),
    ({"start": "-5"}, 409, "Validation Error", "start"),
    ({"fq": "organization:(a OR b"}, 409, "Search Query Error", None),
    ({"fq": "password:x"}, 409, "Search Query Error", None),
    ({"fq": "name:x; DROP TABLE opendata_dataset"}, 409, "Search Query Error", None),
    ({"sort": "name; DELETE"}, 409, "Search Query Error", None),
    ({"facet.field": '["secret"]'}, 409, "Search Query Error", None),
    ({"bogus": "1"}, 409, "Search Error", None),
])
def test_package_search_refusals(client, catalogue, params, status, kind, field):
    code, body = call(client, "package_search", **params)
    assert code == status and body["success"] is False and body["error"]["__type"] == kind
    if field:
        assert isinstance(body["error"][field], list)


def test_injection_in_q_is_just_text(client, catalogue):
    for q in ("' OR 1=1 --", "%", "_", "\\", "保育%"):
        code, body = call(client, "package_search", q=q)
        assert code == 200 and body["result"]["count"] == 0


def test_package_show_list_and_not_found(client, catalogue):
    a, _b, _c = catalogue
    _, body = call(client, "package_show", id="nursery-schools")
    assert body["result"]["id"] == str(a.id)
    _, body = call(client, "package_show", id=str(a.id))
    assert body["result"]["name"] == "nursery-schools"
    code, body = call(client, "package_show", id="nope")
    assert code == 404 and body["error"]["__type"] == "Not Found Error"
    code, body = call(client, "package_show")
    assert code == 409 and body["error"] == {"__type": "Validation Error", "id": ["Missing value"]}
    _, body = call(client, "package_list")
    assert body["result"] == ["kindergartens", "nursery-schools", "parks-list"]
    _, body = call(client, "package_list", limit=1, offset=1)
    assert body["result"] == ["nursery-schools"]
    services.withdraw_dataset(actor=None, dataset=a, reason="終了")
    code, _ = call(client, "package_show", id="nursery-schools")
    assert code == 404
    _, body = call(client, "package_list")
    assert "nursery-schools" not in body["result"]


def test_organizations_and_tags(client, catalogue):
    _, body = call(client, "organization_list")
    assert body["result"] == ["childcare", "parks"]
    _, body = call(client, "organization_list", all_fields="true", sort="package_count desc")
    assert [(o["name"], o["package_count"]) for o in body["result"]] == [("childcare", 2), ("parks", 1)]
    code, body = call(client, "organization_list", sort="password")
    assert code == 409 and body["error"]["__type"] == "Validation Error"
    _, body = call(client, "organization_show", id="parks", include_datasets="true")
    assert body["result"]["package_count"] == 1 and body["result"]["packages"][0]["name"] == "parks-list"
    code, _ = call(client, "organization_show", id="nobody")
    assert code == 404
    _, body = call(client, "tag_list")
    assert body["result"] == sorted(["保育", "子育て", "公園"])
    _, body = call(client, "tag_list", query="公", all_fields="true")
    assert [t["name"] for t in body["result"]] == ["公園"]


def test_resource_show_and_status_show(client, catalogue):
    a, _b, _c = catalogue
    res = a.resources.get()
    _, body = call(client, "resource_show", id=str(res.id))
    result = body["result"]
    assert result["package_id"] == str(a.id) and result["hash"] == f"sha256:{res.sha256}"
    assert result["url"].endswith(f"/opendata/resource/{res.id}/download/nursery-schools.csv")
    code, _ = call(client, "resource_show", id="not-a-uuid")
    assert code == 404
    _, body = call(client, "status_show")
    assert set(body["result"]) >= {"site_title", "site_url", "ckan_version", "extensions", "locale_default"}


def test_unknown_actions_and_bad_bodies(client):
    code, body = call(client, "package_create", name="x")
    assert code == 400 and body["error"]["__type"] == "Bad Request"
    assert "Action name not known" in body["error"]["message"]
    for raw in (b"{nope", b"[1, 2]", b'{"rows": NaN}'):
        response = client.post(API + "package_search", raw, content_type="application/json")
        assert response.status_code == 400 and response.json()["error"]["__type"] == "Bad Request"
    assert client.put(API + "package_search").status_code == 405


def test_datastore_search(client, catalogue):
    a, _b, _c = catalogue
    rid = str(a.resources.get().id)
    _, body = call(client, "datastore_search", resource_id=rid)
    result = body["result"]
    assert result["total"] == 3 and result["limit"] == 100 and result["resource_id"] == rid
    assert result["fields"][0] == {"id": "_id", "type": "int"}
    assert [f["id"] for f in result["fields"]] == ["_id", "名称", "住所", "定員", "区分"]
    assert result["records"][0] == {"_id": 1, "名称": "さくら保育園", "住所": "練馬区豊玉北1-1", "定員": "60",
                                    "区分": "認可"}
    assert set(result["_links"]) == {"start", "next"}
    _, body = call(client, "datastore_search", resource_id=rid, filters='{"区分": "認可"}', fields="名称",
                   sort="名称 desc")
    assert body["result"]["total"] == 2
    assert body["result"]["records"] == [{"名称": "ひまわり保育園"}, {"名称": "さくら保育園"}]
    _, body = call(client, "datastore_search", method="post", resource_id=rid, filters={"区分": ["認可", "認証"]},
                   limit=1, offset=2)
    assert body["result"]["total"] == 3 and body["result"]["records"][0]["名称"] == "こすもす保育室"
    _, body = call(client, "datastore_search", resource_id=rid, q="光が丘")
    assert [r["名称"] for r in body["result"]["records"]] == ["ひまわり保育園"]
    _, body = call(client, "datastore_search", resource_id=rid, q='{"名称": "こすもす"}', include_total="false")
    assert "total" not in body["result"] and len(body["result"]["records"]) == 1
    _, body = call(client, "datastore_search", resource_id=rid, limit=10**9, records_format="lists")
    assert body["result"]["limit"] == 32000 and body["result"]["records"][0][:2] == [1, "さくら保育園"]


@pytest.mark.parametrize(("params", "status", "key"), [
    ({}, 409, "resource_id"),
    ({"resource_id": "00000000-0000-0000-0000-000000000000"}, 404, None),
    ({"filters": '{"secret": 1}'}, 409, "filters"),
    ({"filters": '["x"]'}, 409, "filters"),
    ({"filters": '{"名称": {"$ne": 1}}'}, 409, "filters"),
    ({"fields": "名称,password"}, 409, "fields"),
    ({"sort": "名称; DROP TABLE x"}, 409, "sort"),
    ({"sort": "password desc"}, 409, "sort"),
    ({"limit": "-1"}, 409, "limit"),
    ({"offset": "-1"}, 409, "offset"),
    ({"q": '{"password": "x"}'}, 409, "q"),
    ({"records_format": "tsv"}, 409, "records_format"),
    ({"unknown": "1"}, 409, None),
])
def test_datastore_search_refusals(client, catalogue, params, status, key):
    a, _b, _c = catalogue
    if "resource_id" not in params and params:
        params = {"resource_id": str(a.resources.get().id), **params}
    code, body = call(client, "datastore_search", **params)
    assert code == status and body["success"] is False, body
    if key:
        assert body["error"]["__type"] == "Validation Error" and key in body["error"]


def test_datastore_of_a_withdrawn_dataset_is_gone(client, catalogue):
    a, _b, _c = catalogue
    rid = str(a.resources.get().id)
    services.withdraw_dataset(actor=None, dataset=a, reason="終了")
    code, body = call(client, "datastore_search", resource_id=rid)
    assert code == 404 and body["error"]["__type"] == "Not Found Error"


def test_help_show(client):
    _, body = call(client, "help_show", name="package_search")
    assert "rows" in body["result"]
    code, _ = call(client, "help_show", name="nothing")
    assert code == 404
