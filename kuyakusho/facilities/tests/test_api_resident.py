"""The resident's API: her registrations, applications and bookings through the resident session cookie; 401
without one; never another resident's data; the platform's error shape; declared in the OpenAPI document."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest
from django.test import Client

from kuyakusho.audit.models import AuditEvent
from kuyakusho.facilities import booking, services
from kuyakusho.facilities.models import Application, Booking

from .conftest import TODAY, make_account, make_registrant, resident_client

pytestmark = pytest.mark.django_db
FEB = date(2027, 2, 1)


@pytest.fixture(autouse=True)
def _today():
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        yield


@pytest.fixture
def round_open(halls, supervisor):
    fac, _rooms = halls
    return services.open_round(actor=supervisor, kind=fac.kind, month=FEB, seed_sources="ナンバーズ4")


def _error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["message"], body
    return body


MY_OPS = [("get", "/api/facilities/my/registrants"), ("get", "/api/facilities/my/applications"),
          ("post", "/api/facilities/my/applications"), ("delete", "/api/facilities/my/applications/1"),
          ("get", "/api/facilities/my/bookings"), ("post", "/api/facilities/my/bookings"),
          ("post", "/api/facilities/my/bookings/1/cancel"), ("post", "/api/facilities/my/bookings/1/change")]


@pytest.mark.parametrize(("method", "path"), MY_OPS)
def test_without_a_resident_session_every_operation_is_401(method, path, client, supervisor, halls):
    _error(getattr(client, method)(path, {}, content_type="application/json"), 401, "unauthenticated")
    client.force_login(supervisor)  # a member of staff is not a resident
    _error(getattr(client, method)(path, {}, content_type="application/json"), 401, "unauthenticated")
    ended = resident_client(make_account())
    from kuyakusho.identity.models import ResidentSession

    ResidentSession.objects.update(ended_at=TODAY.isoformat() + "T00:00:00Z")  # signed out
    _error(getattr(ended, method)(path, {}, content_type="application/json"), 401, "unauthenticated")


def test_lists_show_only_the_residents_own_registrations_applications_and_bookings(halls, round_open):
    _fac, (hall, room) = halls
    mine, theirs = make_registrant(), make_registrant()
    for g in (mine, theirs):
        services.apply(actor=g.account, registrant=g, room=hall, day=date(2027, 2, 6), period="am", attendees=5,
                       today=TODAY)
        booking.book_first_come(actor=g.account, registrant=g, room=room, day=date(2026, 12, 20),
                                period="pm" if g is mine else "am", attendees=5, purpose="", today=TODAY)
    c = resident_client(mine.account)
    regs = c.get("/api/facilities/my/registrants").json()
    assert [r["number"] for r in regs] == [mine.number] and regs[0]["status"] == "approved"
    apps = c.get("/api/facilities/my/applications").json()
    assert len(apps) == 1 and apps[0]["registrant"] == mine.number
    assert apps[0] | {"id": 0} == {"id": 0, "registrant": mine.number, "facility": "131202-F0001",
                                   "room_id": hall.pk, "room": "hall", "date": "2027-02-06", "period": "am",
                                   "attendees": 5, "result": "", "rank": None, "state": "", "withdrawable": True}
    with mock.patch("django.utils.timezone.localdate", return_value=date(2026, 12, 11)):  # the window has closed
        assert c.get("/api/facilities/my/applications").json()[0]["withdrawable"] is False
    books = c.get("/api/facilities/my/bookings").json()
    assert [(b["registrant"], b["period"], b["status"], b["fee"]) for b in books] == \
        [(mine.number, "pm", "provisional", 900)]
    r = c.get("/api/facilities/my/bookings")
    assert r["Cache-Control"] == "no-store"


def test_apply_in_the_window_withdraw_and_the_refusals(halls, round_open):
    _fac, (hall, _room) = halls
    g = make_registrant()
    c = resident_client(g.account)
    body = {"registrant_id": g.pk, "room_id": hall.pk, "date": "2027-02-06", "period": "am", "attendees": 8}
    r = c.post("/api/facilities/my/applications", body, content_type="application/json")
    assert r.status_code == 201, r.content
    app_id = r.json()["id"]
    assert Application.objects.get(pk=app_id).registrant == g
    assert AuditEvent.objects.filter(action="facilities.applied", actor_label=f"portal:{g.account.pk}").count() == 1
    _error(c.post("/api/facilities/my/applications", body, content_type="application/json"), 409, "duplicate")
    r = _error(c.post("/api/facilities/my/applications", {**body, "date": "2027-02-20", "attendees": 99},
                      content_type="application/json"), 400, "invalid_input")
    assert r["field"] == "attendees" and "定員" in r["message"]
    r = c.post("/api/facilities/my/applications", {**body, "date": "2027-03-06"}, content_type="application/json")
    assert "申込期間外" in _error(r, 400, "closed")["message"]
    r = c.post("/api/facilities/my/applications", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert _error(r, 409, "duplicate")["message"].isascii()
    # Someone else's registrant, someone else's application: not found, nothing written or removed.
    stranger = make_registrant()
    _error(c.post("/api/facilities/my/applications", {**body, "registrant_id": stranger.pk},
                  content_type="application/json"), 404, "not_found")
    other = resident_client(stranger.account)
    _error(other.delete(f"/api/facilities/my/applications/{app_id}"), 404, "not_found")
    assert Application.objects.filter(pk=app_id).exists()
    r = c.delete(f"/api/facilities/my/applications/{app_id}")
    assert r.status_code == 204
    assert not Application.objects.filter(pk=app_id).exists()
    r = _error(c.post("/api/facilities/my/applications", {**body, "attendees": "many"},
                      content_type="application/json"), 422, "invalid_input")
    assert r["errors"][0]["field"] == "attendees"


def test_book_cancel_and_change_a_booking_through_the_api(halls):
    _fac, (hall, room) = halls
    g = make_registrant()
    c = resident_client(g.account)
    body = {"registrant_id": g.pk, "room_id": hall.pk, "date": "2026-12-20", "period": "pm", "attendees": 8,
            "purpose": "練習"}
    r = c.post("/api/facilities/my/bookings", body, content_type="application/json")
    assert r.status_code == 201 and r.json()["status"] == "provisional"
    b_id = r.json()["id"]
    # Someone else books a slot; my change to it is a conflict and changes nothing.
    stranger = make_registrant()
    other = resident_client(stranger.account)
    r = other.post("/api/facilities/my/bookings", {**body, "registrant_id": stranger.pk, "room_id": room.pk,
                                                   "date": "2026-12-21"}, content_type="application/json")
    theirs = r.json()["id"]
    _error(c.post("/api/facilities/my/bookings", body, content_type="application/json"), 409, "conflict")
    change = {"room_id": room.pk, "date": "2026-12-21", "period": "pm"}
    r = c.post(f"/api/facilities/my/bookings/{b_id}/change", change, content_type="application/json")
    assert "ほかの方が先に予約" in _error(r, 409, "conflict")["message"]
    assert Booking.objects.get(pk=b_id).date == date(2026, 12, 20)
    r = c.post(f"/api/facilities/my/bookings/{b_id}/change", {**change, "date": "2026-12-22"},
               content_type="application/json")
    assert r.status_code == 200 and (r.json()["room"], r.json()["date"]) == ("yoshitsu", "2026-12-22")
    # Never another resident's booking: not found, whatever the operation.
    _error(c.post(f"/api/facilities/my/bookings/{theirs}/cancel", {}, content_type="application/json"),
           404, "not_found")
    _error(c.post(f"/api/facilities/my/bookings/{theirs}/change", {**change, "date": "2026-12-23"},
                  content_type="application/json"), 404, "not_found")
    assert Booking.objects.get(pk=theirs).status == "provisional"
    assert Booking.objects.get(pk=theirs).date == date(2026, 12, 21)
    r = c.post(f"/api/facilities/my/bookings/{b_id}/cancel", {"reason": "都合により"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    _error(c.post(f"/api/facilities/my/bookings/{b_id}/cancel", {}, content_type="application/json"), 409, "conflict")


def test_writes_need_the_csrf_token_like_the_resident_site(halls):
    g = make_registrant()
    token_client = resident_client(g.account)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies.update(token_client.cookies)
    r = strict.post("/api/facilities/my/bookings/1/cancel", {}, content_type="application/json")
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
    assert strict.get("/api/facilities/my/bookings").status_code == 200  # reads need none


def test_the_openapi_document_declares_the_resident_session(client):
    schema = client.get("/api/openapi.json").json()
    scheme = schema["components"]["securitySchemes"]["ResidentSessionAuth"]
    assert scheme == {"type": "apiKey", "in": "cookie", "name": "kuyakusho_resident"}
    for path, method in (("/api/facilities/my/bookings", "get"), ("/api/facilities/my/applications", "post"),
                         ("/api/facilities/my/bookings/{booking_id}/change", "post")):
        op = schema["paths"][path][method]
        assert op["security"] == [{"ResidentSessionAuth": []}], path
        assert "401" in op["responses"], path
    assert "403" in schema["paths"]["/api/facilities/my/bookings/{booking_id}/change"]["post"]["responses"]
    staff_op = schema["paths"]["/api/facilities/{code}/bookings"]["get"]
    assert staff_op["security"] != [{"ResidentSessionAuth": []}]
