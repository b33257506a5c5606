"""The JSON API: success, refusals with field names, and denial without the capability."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kuyakusho.accounts.capabilities import Role
from kuyakusho.audit.models import AuditEvent
from kuyakusho.seals.models import SealRegistration, SealStatus

from .images import seal_png

pytestmark = pytest.mark.django_db


def image(**kw):
    return SimpleUploadedFile("seal.png", seal_png(**kw), content_type="image/png")


def test_register_in_person_and_read_back(client_as, clerk, adult):
    client = client_as(clerk)
    response = client.post(f"/api/seals/residents/{adult.pk}/registrations",
                           {"image": image(width_mm=16), "px_per_mm": "12", "method": "in_person",
                            "id_document": "my_number_card"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "registered" and body["width_mm"] == "16.0" and len(body["card_number"]) == 10
    assert body["cards"][0]["status"] == "active" and body["inquiry"] is None
    listing = client.get(f"/api/seals/residents/{adult.pk}")
    assert listing.status_code == 200 and listing.json()[0]["id"] == body["id"]
    assert AuditEvent.objects.filter(subject_id=str(adult.pk), kind="read", action="seals.open").exists()
    by_card = client.get(f"/api/seals/cards/{body['card_number']}")
    assert by_card.status_code == 200 and by_card.json()["id"] == body["id"]


def test_letter_then_answer_then_loss_reissue_abolish(client_as, clerk, adult, today):
    client = client_as(clerk)
    response = client.post(f"/api/seals/residents/{adult.pk}/registrations",
                           {"image": image(), "px_per_mm": "12", "method": "letter"})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending" and body["inquiry"]["deadline"] > today.isoformat()
    assert "照会書" in body["inquiry"]["letter_text"]
    rid = body["id"]
    answered = client.post(f"/api/seals/registrations/{rid}/answer", {"received_on": "今日"},
                           content_type="application/json")
    assert answered.status_code == 422
    answered = client.post(f"/api/seals/registrations/{rid}/answer", {"received_on": today.isoformat()},
                           content_type="application/json")
    assert answered.status_code == 200 and answered.json()["status"] == "registered"
    first_card = answered.json()["card_number"]
    lost = client.post(f"/api/seals/registrations/{rid}/card-lost")
    assert lost.status_code == 200 and lost.json()["status"] == "card_lost" and lost.json()["card_number"] is None
    again = client.post(f"/api/seals/registrations/{rid}/card-lost")
    assert again.status_code == 409 and again.json()["field"] == "registration"
    new = client.post(f"/api/seals/registrations/{rid}/card", {"id_document": "passport"},
                      content_type="application/json")
    assert new.status_code == 200 and new.json()["card_number"] not in (None, first_card)
    gone = client.post(f"/api/seals/registrations/{rid}/abolish", {"card_returned": True},
                       content_type="application/json")
    assert gone.status_code == 200 and gone.json()["status"] == "abolished"
    changed = client.post(f"/api/seals/residents/{adult.pk}/registrations",
                          {"image": image(width_mm=20), "px_per_mm": "12", "method": "in_person",
                           "id_document": "passport"})
    assert changed.status_code == 201
    replaced = client.post(f"/api/seals/registrations/{changed.json()['id']}/reregister",
                           {"image": image(width_mm=11), "px_per_mm": "12", "method": "in_person",
                            "id_document": "passport"})
    assert replaced.status_code == 201 and replaced.json()["replaces_id"] == changed.json()["id"]


@pytest.mark.parametrize(("kw", "field", "text"), [
    ({"width_mm": 30, "canvas_mm": 40}, "image", "25 mm"),
    ({"width_mm": 20, "height_mm": 10, "shape": "square"}, "image", "正方形"),
])
def test_bad_impressions_are_refused(client_as, clerk, adult, kw, field, text):
    response = client_as(clerk).post(f"/api/seals/residents/{adult.pk}/registrations",
                                     {"image": image(**kw), "px_per_mm": "12", "method": "in_person",
                                      "id_document": "passport"})
    assert response.status_code == 400
    assert response.json()["field"] == field and text in response.json()["message"]
    assert not SealRegistration.objects.exists()


def test_measure_and_duplicate(client_as, clerk, adult):
    client = client_as(clerk)
    measured = client.post("/api/seals/measure", {"image": image(width_mm=9), "px_per_mm": "12"})
    assert measured.status_code == 200 and measured.json()["width_mm"] == "9.0"
    ok = client.post(f"/api/seals/residents/{adult.pk}/registrations",
                     {"image": image(), "px_per_mm": "12", "method": "in_person", "id_document": "passport"})
    assert ok.status_code == 201
    dup = client.post(f"/api/seals/residents/{adult.pk}/registrations",
                      {"image": image(), "px_per_mm": "12", "method": "in_person", "id_document": "passport"})
    assert dup.status_code == 409 and dup.json()["code"] == "duplicate"
    bad_method = client.post(f"/api/seals/residents/{adult.pk}/registrations",
                             {"image": image(), "px_per_mm": "12", "method": "fax"})
    assert bad_method.status_code == 400 and bad_method.json()["field"] == "method"


def test_english_error_message(client_as, clerk, adult):
    client = client_as(clerk)
    response = client.post(f"/api/seals/residents/{adult.pk}/registrations",
                           {"image": SimpleUploadedFile("a.txt", b"hello"), "px_per_mm": "12",
                            "method": "in_person", "id_document": "passport"}, headers={"accept-language": "en"})
    assert response.status_code == 400 and "PNG or JPEG" in response.json()["message"]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AUDITOR])
def test_denied_without_the_capability(client_as, make_staff, adult, role):
    client = client_as(make_staff(role))
    response = client.post(f"/api/seals/residents/{adult.pk}/registrations",
                           {"image": image(), "px_per_mm": "12", "method": "in_person", "id_document": "passport"})
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert client.get(f"/api/seals/residents/{adult.pk}").status_code == 403
    assert not SealRegistration.objects.exists()
    assert not AuditEvent.objects.filter(subject_id=str(adult.pk)).exists()


def test_anonymous_is_refused(client, adult):
    assert client.get(f"/api/seals/residents/{adult.pk}").status_code == 401
    assert client.post("/api/seals/measure", {"image": image(), "px_per_mm": "12"}).status_code == 401


def test_status_values_match(client_as, clerk, adult):
    assert {s.value for s in SealStatus} == {"pending", "registered", "card_lost", "abolished", "expired"}
