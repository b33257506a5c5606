"""Open311 GeoReport v2: every document checked against the specification's field lists and examples
(http://wiki.open311.org/GeoReport_v2): element names and order, open/closed, W3C dates with an offset, the
1,000-result cap, errors as <errors><error><code/><description/></error></errors>."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from defusedxml import ElementTree as ET
from django.urls import reverse
from django.utils import timezone

from kuyakusho.reports import services
from kuyakusho.reports.models import Category, Report, Status

from .conftest import LAT, LON, jpeg

pytestmark = pytest.mark.django_db

W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")
# The specification's lists, in its order.
SERVICE = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
ATTRIBUTE = ["variable", "code", "datatype", "required", "datatype_description", "order", "description"]
REQUEST = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
           "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
           "address", "address_id", "zipcode", "lat", "long", "media_url"]
POST_ANSWER = ["service_request_id", "service_notice", "account_id"]
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}


def url(name, fmt, *args):
    return reverse(f"reports:open311_{name}", kwargs={"fmt": fmt, **dict(args)})


def xml(response):
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


@pytest.fixture
def api_key(db):
    _client, key = services.create_api_client(actor=None, name="ward app")
    return key


@pytest.fixture
def published(submit, handler):
    def make(**kw):
        report = submit(**kw)
        return services.publish(actor=handler, report_id=report.pk, published=True)

    return make


def test_discovery(client):
    doc = xml(client.get(url("discovery", "xml")))
    assert doc.tag == "discovery"
    assert [c.tag for c in doc] == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = doc.find("endpoints/endpoint")
    assert [c.tag for c in endpoint] == ["specification", "url", "changeset", "type", "formats"]
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]
    assert W3C.match(doc.findtext("changeset"))
    data = client.get(url("discovery", "json")).json()
    assert data["endpoints"][0]["url"].endswith("/open311/v2")


def test_services_in_xml_and_json(client):
    doc = xml(client.get(url("services", "xml")))
    assert doc.tag == "services"
    services_ = doc.findall("service")
    assert len(services_) == Category.objects.filter(active=True).count()
    for s in services_:
        assert [c.tag for c in s] == SERVICE
        assert s.findtext("metadata") in ("true", "false") and s.findtext("type") == "realtime"
    data = client.get(url("services", "json")).json()
    assert [list(s) for s in data] == [SERVICE] * len(data)
    light = next(s for s in data if s["service_code"] == "streetlight")
    assert light["metadata"] is True and light["service_name"] == "街路灯"


def test_service_definition_with_attributes(client):
    data = client.get(url("service", "json", ("code", "park"))).json()
    assert list(data) == ["service_code", "attributes"] and data["service_code"] == "park"
    attribute = data["attributes"][0]
    assert list(attribute)[:7] == ATTRIBUTE and attribute["datatype"] in DATATYPES
    assert attribute["required"] is True and attribute["variable"] is True
    assert {v["key"] for v in attribute["values"]} >= {"play", "bench"}
    assert all(list(v) == ["key", "name"] for v in attribute["values"])
    doc = xml(client.get(url("service", "xml", ("code", "park"))))
    assert doc.tag == "service_definition"
    assert doc.find("attributes/attribute/values/value/key").text == "play"
    missing = client.get(url("service", "xml", ("code", "ufo")))
    assert missing.status_code == 404


def test_post_needs_an_api_key_and_stores_nothing_without(client):
    body = {"service_code": "road", "lat": LAT, "long": LON, "description": "穴があいています"}
    response = client.post(url("requests", "xml"), body)
    assert response.status_code == 403
    doc = xml(response)
    assert doc.tag == "errors" and [c.tag for c in doc.find("error")] == ["code", "description"]
    assert doc.findtext("error/code") == "403"
    response = client.post(url("requests", "json"), {**body, "api_key": "wrong"})
    assert response.status_code == 403 and response.json()[0]["code"] == 403
    assert Report.objects.count() == 0


def test_post_a_request_then_find_it_by_token(client, api_key):
    response = client.post(url("requests", "json"), {
        "api_key": api_key, "service_code": "road", "lat": LAT, "long": LON, "description": "穴があいています",
        "email": "caller@example.jp", "first_name": "花子", "last_name": "練馬"})
    assert response.status_code == 201
    answer = response.json()
    assert [list(a) for a in answer] == [POST_ANSWER]
    report = Report.objects.get(pk=int(answer[0]["service_request_id"]))
    assert report.source == "open311" and report.contact_name == "練馬 花子" and report.token
    token = client.get(url("token", "xml", ("token", report.token)))
    assert xml(token).findtext("request/service_request_id") == str(report.pk)
    assert client.get(url("token", "json", ("token", "nope"))).status_code == 404


@pytest.mark.parametrize(("body", "status"), [
    ({"lat": LAT, "long": LON, "description": "x"}, 400),  # no service_code
    ({"service_code": "ufo", "lat": LAT, "long": LON, "description": "x"}, 400),
    ({"service_code": "road", "lat": 35.6812, "long": 139.7671, "description": "x"}, 400),  # outside the ward
    ({"service_code": "road", "lat": 0, "long": 0, "description": "x"}, 400),
    ({"service_code": "road", "lat": "abc", "long": LON, "description": "x"}, 400),
    ({"service_code": "road", "description": "x"}, 400),
    ({"service_code": "park", "lat": LAT, "long": LON, "description": "x"}, 400),  # its required attribute
    ({"service_code": "park", "lat": LAT, "long": LON, "description": "x", "attribute[equipment]": "rocket"}, 400),
])
def test_post_refusals_are_error_documents(client, api_key, body, status):
    response = client.post(url("requests", "xml"), {"api_key": api_key, **body})
    assert response.status_code == status
    doc = xml(response)
    assert doc.findtext("error/code") == str(status) and doc.findtext("error/description")
    assert Report.objects.count() == 0


def test_post_with_attributes(client, api_key):
    response = client.post(url("requests", "json"), {"api_key": api_key, "service_code": "park", "lat": LAT,
                                                     "long": LON, "description": "ブランコの鎖が切れています",
                                                     "attribute[equipment]": "play"})
    assert response.status_code == 201
    assert Report.objects.get().attributes == {"equipment": "play"}


def test_get_requests_fields_statuses_and_notes(client, published, handler):
    a = published(photos=[jpeg()])
    b = published(lat=LAT + 0.001)
    services.change_status(actor=handler, report_id=b.pk, status=Status.REFERRED, note="都道です",
                           referred_to="東京都第四建設事務所")
    services.change_status(actor=handler, report_id=a.pk, status=Status.IN_PROGRESS, note="業者を手配しました")
    data = client.get(url("requests", "json")).json()
    assert [list(r) for r in data] == [REQUEST, REQUEST]
    by_id = {r["service_request_id"]: r for r in data}
    ra, rb = by_id[str(a.pk)], by_id[str(b.pk)]
    assert ra["status"] == "open" and ra["status_notes"] == "業者を手配しました"
    assert rb["status"] == "closed" and "東京都第四建設事務所" in rb["status_notes"]
    assert rb["agency_responsible"] == "東京都第四建設事務所"
    for r in data:
        for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
            assert W3C.match(r[field]), r[field]
        assert isinstance(r["lat"], float) and isinstance(r["long"], float)
    assert ra["media_url"].startswith("http://testserver/reports/") and rb["media_url"] is None
    doc = xml(client.get(url("requests", "xml")))
    assert doc.tag == "service_requests"
    assert [[c.tag for c in r] for r in doc.findall("request")] == [REQUEST, REQUEST]
    one = xml(client.get(url("request", "xml", ("request_id", str(a.pk)))))
    assert one.findtext("request/service_request_id") == str(a.pk)


def test_get_requests_filters(client, published, handler, submit):
    a = published()
    b = published(category="road", lat=LAT + 0.001)
    unpublished = submit(lat=LAT + 0.002)
    services.change_status(actor=handler, report_id=b.pk, status=Status.FIXED, note="補修しました")
    ids = lambda r: {x["service_request_id"] for x in r.json()}  # noqa: E731
    assert ids(client.get(url("requests", "json"))) == {str(a.pk), str(b.pk)}
    assert ids(client.get(url("requests", "json"), {"status": "closed"})) == {str(b.pk)}
    assert ids(client.get(url("requests", "json"), {"status": "open,closed"})) == {str(a.pk), str(b.pk)}
    assert ids(client.get(url("requests", "json"), {"service_code": "road"})) == {str(b.pk)}
    assert ids(client.get(url("requests", "json"), {"service_request_id": f"{a.pk},{unpublished.pk}"})) == {str(a.pk)}
    future = (timezone.now() + timedelta(days=1)).replace(microsecond=0).isoformat()
    assert ids(client.get(url("requests", "json"), {"start_date": future})) == set()
    assert ids(client.get(url("requests", "json"), {"end_date": "2010-01-01T00:00:00Z"})) == set()
    assert client.get(url("requests", "json"), {"start_date": "yesterday"}).status_code == 400
    assert client.get(url("requests", "json"), {"start_date": "2026-01-01T00:00:00"}).status_code == 400  # no zone
    assert client.get(url("requests", "json"), {"status": "pending"}).status_code == 400
    assert client.get(url("request", "json", ("request_id", str(unpublished.pk)))).status_code == 404
    assert client.get(url("requests", "json"), {"jurisdiction_id": "elsewhere"}).status_code == 404
    assert client.get(url("requests", "json"), {"jurisdiction_id": "131202"}).status_code == 200


def test_the_1000_result_cap(client, submit):
    first = submit()
    now = timezone.now()
    Report.objects.bulk_create([Report(category=first.category, lat=LAT, lon=LON, description="x", public_text="x",
                                       created_at=now, updated_at=now, due_at=now, published=True)
                                for _ in range(1001)])
    assert len(client.get(url("requests", "json")).json()) == 1000


def test_unknown_format_is_404_in_xml(client):
    response = client.get("/open311/v2/services.csv")
    assert response.status_code == 404
    assert xml(response).findtext("error/code") == "404"


def test_xml_text_is_escaped(client, published):
    report = published(description='街路灯 <b> & "穴"')
    doc = xml(client.get(url("requests", "xml")))
    assert doc.findtext("request/description") == '街路灯 <b> & "穴"'
    assert doc.find("request/address_id") is not None and doc.findtext("request/address_id") == ""
    assert doc.findtext("request/service_request_id") == str(report.pk)


def test_an_api_key_from_the_command_posts(client):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("reports_api_key", "partner app", stdout=out)
    key = out.getvalue().strip().rsplit("api_key=", 1)[1]
    response = client.post(url("requests", "json"), {"api_key": key, "service_code": "road", "lat": LAT,
                                                     "long": LON, "description": "段差があります"})
    assert response.status_code == 201
