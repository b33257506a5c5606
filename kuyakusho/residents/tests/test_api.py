"""The JSON API: success and denied cases, refusals as 4xx with the field, the audit written."""

from __future__ import annotations

import pytest
from django.utils import timezone

from kuyakusho.audit.models import AuditEvent
from kuyakusho.residents.models import Event, Resident

from .factories import family, my_number

pytestmark = pytest.mark.django_db


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def move_in_body(**kw):
    today = timezone.localdate()
    body = {
        "people": [{"name": "山田 太郎", "name_kana": "ヤマダ タロウ", "birth_date": "昭和60年4月2日", "sex": "male",
                    "relationship": "世帯主", "my_number": my_number(777)}],
        "moved_on": today.isoformat(),
        "certificate": {"municipality": "東京都杉並区", "address": "阿佐谷南1丁目1番1号",
                        "issued_on": today.isoformat(), "planned_move_on": today.isoformat()},
        "address": {"town": "豊玉北", "chome": 6, "banchi": "12", "go": "1"},
    }
    body.update(kw)
    return body


def test_move_in_via_api(client_as, clerk):
    r = post(client_as(clerk), "/api/residents/move-in", move_in_body())
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["kind"] == "move_in" and len(data["resident_ids"]) == 1 and data["receipt_number"]
    assert AuditEvent.objects.filter(action="residents.move_in", channel="api").count() == 1


def test_api_refusal_names_the_field(client_as, clerk):
    body = move_in_body()
    body["people"][0]["name_kana"] = "山田"
    r = post(client_as(clerk), "/api/residents/move-in", body)
    assert r.status_code == 400
    assert r.json()["field"] == "people.0.name_kana" and not Resident.objects.exists()


def test_api_schema_rejects_a_bad_my_number(client_as, clerk):
    body = move_in_body()
    body["people"][0]["my_number"] = "123456789012"
    r = post(client_as(clerk), "/api/residents/move-in", body)
    assert r.status_code == 422


def test_auditor_may_not_file(client_as, auditor):
    r = post(client_as(auditor), "/api/residents/move-in", move_in_body())
    assert r.status_code == 403 and not Event.objects.exists()


def test_search_and_open(client_as, clerk):
    head, _wife = family(2)
    c = client_as(clerk)
    r = c.get("/api/residents/search", {"kana": "ねりま", "purpose": "consultation"})
    assert r.status_code == 200 and len(r.json()["results"]) == 2
    assert "my_number" not in r.json()["results"][0]
    assert c.get(f"/api/residents/{head.pk}").status_code == 422  # purpose is required
    r = c.get(f"/api/residents/{head.pk}", {"purpose": "certificate"})
    assert r.status_code == 200 and r.json()["items"]["name"] == head.name
    assert AuditEvent.objects.filter(action="residents.open", subject_id=str(head.pk)).exists()
    r = c.get(f"/api/residents/{head.pk}/history", {"purpose": "certificate"})
    assert [h["kind"] for h in r.json()] == ["initial"]
    r = c.get(f"/api/residents/households/{head.household_id}", {"purpose": "certificate"})
    assert len(r.json()["members"]) == 2
    r = c.get(f"/api/residents/{head.pk}/on/2000-01-01", {"purpose": "investigation"})
    assert r.json() == {"on": "2000-01-01", "items": None, "resident": False}


def test_every_read_operation_records_one_read_per_person_it_returns(client_as, clerk):
    head, wife = family(2)
    c = client_as(clerk)

    def reads_of(call):
        before = AuditEvent.objects.count()
        r = call()
        assert r.status_code == 200, r.content
        return [(e.subject_id, e.purpose, e.channel) for e in AuditEvent.objects.filter(seq__gt=before).order_by("seq")]

    both = sorted([str(head.pk), str(wife.pk)])
    got = reads_of(lambda: c.get("/api/residents/search", {"kana": "ねりま", "purpose": "consultation"}))
    assert sorted(s for s, _p, _c in got) == both and {(p, ch) for _s, p, ch in got} == {("consultation", "api")}
    got = reads_of(lambda: c.get(f"/api/residents/{head.pk}", {"purpose": "certificate"}))  # members returned too
    assert sorted(s for s, _p, _c in got) == both and {p for _s, p, _c in got} == {"certificate"}
    got = reads_of(lambda: c.get(f"/api/residents/households/{head.household_id}", {"purpose": "consultation"}))
    assert sorted(s for s, _p, _c in got) == both
    assert reads_of(lambda: c.get(f"/api/residents/{wife.pk}/history", {"purpose": "inquiry"})) == [
        (str(wife.pk), "inquiry", "api")]
    assert reads_of(lambda: c.get(f"/api/residents/{wife.pk}/on/2020-01-01", {"purpose": "inquiry"})) == [
        (str(wife.pk), "inquiry", "api")]


def test_the_purpose_is_one_of_the_listed_values(client_as, clerk):
    (head,) = family(1)
    c = client_as(clerk)
    assert c.get(f"/api/residents/{head.pk}", {"purpose": "curiosity"}).status_code == 422
    assert not AuditEvent.objects.filter(kind="read").exists()
    schema = c.get("/api/openapi.json").json()
    params = schema["paths"]["/api/residents/{resident_id}"]["get"]["parameters"]
    purpose = next(p for p in params if p["name"] == "purpose")
    text = str(purpose) + str(schema.get("components", {}))
    assert all(value in text for value in ("notification", "certificate", "investigation", "inquiry"))


def test_my_number_is_masked_unless_asked_for_its_purpose(client_as, clerk):
    (head,) = family(1)
    number = head.my_number  # also in the snapshot of the record's first event
    assert len(number) == 12
    c = client_as(clerk)
    r = c.get(f"/api/residents/{head.pk}", {"purpose": "certificate"})
    assert r.json()["items"]["my_number"] == "********" + number[-4:] and number not in r.text
    history = c.get(f"/api/residents/{head.pk}/history", {"purpose": "certificate"})
    assert history.json()[0]["snapshot"]["my_number"] == "********" + number[-4:] and number not in history.text
    state = c.get(f"/api/residents/{head.pk}/on/{timezone.localdate().isoformat()}", {"purpose": "certificate"})
    assert state.json()["items"]["my_number"] == "********" + number[-4:] and number not in state.text
    assert not AuditEvent.objects.filter(action="residents.my_number").exists()
    assert c.get(f"/api/residents/{head.pk}/my-number").status_code == 422
    assert c.get(f"/api/residents/{head.pk}/my-number", {"purpose": "certificate"}).status_code == 422
    r = c.get(f"/api/residents/{head.pk}/my-number", {"purpose": "my_number_use"})
    assert r.status_code == 200 and r.json() == {"id": head.pk, "my_number": number}
    event = AuditEvent.objects.get(action="residents.my_number")
    assert (event.subject_id, event.purpose, event.channel) == (str(head.pk), "my_number_use", "api")


def test_move_within_conflict_is_409(client_as, clerk):
    (head,) = family(1)
    c = client_as(clerk)
    body = {"household_id": head.household_id, "movers": [{"resident_id": head.pk, "version": 1}],
            "moved_on": timezone.localdate().isoformat(), "address": {"town": "桜台", "chome": 2, "banchi": "5"}}
    assert post(c, "/api/residents/move-within", body).status_code == 201
    body["address"]["banchi"] = "6"
    r = post(c, "/api/residents/move-within", body)
    assert r.status_code == 409 and r.json()["changed"]["town"] == ["豊玉北", "桜台"]


def test_correction_and_cancel_need_a_supervisor(client_as, clerk, supervisor):
    (head,) = family(1)
    body = {"version": 1, "changes": {"name": "練馬 太郞"}, "reason": "戸籍照会"}
    assert post(client_as(clerk), f"/api/residents/{head.pk}/correction", body).status_code == 403
    r = post(client_as(supervisor), f"/api/residents/{head.pk}/correction", body)
    assert r.status_code == 201
    r = post(client_as(supervisor), f"/api/residents/events/{r.json()['id']}/cancel", {"reason": "誤り"})
    assert r.status_code == 201 and r.json()["kind"] == "cancellation"
    head.refresh_from_db()
    assert head.name != "練馬 太郞"


def test_openapi_documents_the_register(client_as, clerk):
    schema = client_as(clerk).get("/api/openapi.json").json()
    assert "/api/residents/move-in" in schema["paths"]
