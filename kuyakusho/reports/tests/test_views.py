"""The resident, public and console pages of street reports."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kuyakusho.audit.models import AuditEvent
from kuyakusho.reports import geo, services
from kuyakusho.reports.models import Photo, Report, Status

from .conftest import LAT, LON, jpeg

pytestmark = pytest.mark.django_db


def test_reporting_needs_a_signed_in_resident(client):
    response = client.get(reverse("reports:new"))
    assert response.status_code == 302 and reverse("identity:sign_in") in response["Location"]


def test_report_without_the_map_with_two_photos(resident_client, account):
    c = resident_client(account)
    page = c.get(reverse("reports:new"))
    assert page.status_code == 200 and "町丁目から選ぶ" in page.content.decode()
    key = next(k for k, label in geo.town_choices() if label == "豊玉北6丁目")
    step2 = c.get(reverse("reports:details"), {"category": "streetlight", "town": key})
    assert step2.status_code == 200 and "豊玉北6丁目" in step2.content.decode()
    response = c.post(reverse("reports:details"), {
        "category": "streetlight", "town": key, "description": "街路灯が消えています。", "anonymous": "1",
        "contact_email": "me@example.jp", "attribute[pole_number]": "N-123",
        "photos": [SimpleUploadedFile("a.jpg", jpeg(gps=(LAT, LON)), "image/jpeg"),
                   SimpleUploadedFile("b.jpg", jpeg(color=(1, 2, 3)), "image/jpeg")]})
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"].startswith(reverse("reports:report", args=[report.pk]))
    assert report.photos.count() == 2 and report.attributes == {"pole_number": "N-123"}
    own = c.get(response["Location"])
    assert own.status_code == 200 and "未公開" in own.content.decode()
    photo = report.photos.first()
    assert c.get(reverse("reports:photo", args=[report.pk, photo.pk, "thumb"])).status_code == 200


def test_outside_the_ward_is_refused_on_the_page_and_nothing_is_stored(resident_client, account):
    c = resident_client(account)
    response = c.post(reverse("reports:details"), {"category": "road", "lat": "35.6812", "lon": "139.7671",
                                                    "description": "穴"})
    assert response.status_code == 400 and "区の外です" in response.content.decode()
    assert Report.objects.count() == 0
    response = c.get(reverse("reports:details"), {"category": "road", "lat": "nan", "lon": "1"})
    assert response.status_code == 400


def test_second_report_nearby_sees_the_first_and_says_me_too(resident_client, submit, neighbour, handler):
    first = submit(photos=[jpeg()])
    c = resident_client(neighbour)
    place = {"category": "streetlight", "lat": f"{LAT + 0.0002:.6f}", "lon": f"{LON:.6f}"}
    html = c.get(reverse("reports:details"), place).content.decode()
    assert f"#{first.pk}" in html and "近くに同じ種類の報告があります" in html
    photo_url = reverse("reports:photo", args=[first.pk, first.photos.get().pk, "thumb"])
    assert photo_url not in html and "まだ公開していません" in html  # not approved yet: no text, no photo
    services.publish(actor=handler, report_id=first.pk, published=True)
    html = c.get(reverse("reports:details"), place).content.decode()
    assert photo_url in html and c.get(photo_url).status_code == 200
    assert c.post(reverse("reports:me_too", args=[first.pk])).status_code == 302
    first.refresh_from_db()
    assert first.me_too == 1


def test_unpublished_reports_are_not_public(client, submit):
    report = submit()
    assert client.get(reverse("reports:report", args=[report.pk])).status_code == 404
    assert f"#{report.pk}" not in client.get(reverse("reports:index")).content.decode()


def test_public_list_map_and_report_page(client, submit, handler, django_assert_max_num_queries):
    reports = [submit(lat=LAT + i * 0.001, photos=[jpeg()]) for i in range(3)]
    for r in reports:
        services.publish(actor=handler, report_id=r.pk, published=True)
    services.change_status(actor=handler, report_id=reports[0].pk, status=Status.FIXED, note="交換しました。")
    services.add_internal_note(actor=handler, report_id=reports[0].pk, text="秘密のメモ")
    with django_assert_max_num_queries(8):
        index = client.get(reverse("reports:index"))
    assert index.status_code == 200 and all(f"#{r.pk}" in index.content.decode() for r in reports)
    fixed = client.get(reverse("reports:index"), {"status": "fixed"}).content.decode()
    assert f"#{reports[0].pk}" in fixed and f"#{reports[1].pk}" not in fixed
    page = client.get(reverse("reports:report", args=[reports[0].pk])).content.decode()
    assert "交換しました。" in page and "秘密のメモ" not in page and "reporter@example.jp" not in page
    data = client.get(reverse("reports:map_data")).json()
    assert data["kind"] == "clusters" and sum(c["count"] for c in data["cells"]) == 3
    near = client.get(reverse("reports:map_data"), {"bbox": f"{LAT - 0.001},{LON - 0.001},{LAT + 0.003},{LON + 0.001}"})
    assert {p["id"] for p in near.json()["points"]} == {r.pk for r in reports}
    assert client.get(reverse("reports:map_data"), {"bbox": "1,2,x,4"}).status_code == 400


def test_hidden_photos_are_not_served_to_the_public(client, submit, handler):
    report = submit(photos=[jpeg()])
    services.publish(actor=handler, report_id=report.pk, published=True)
    photo = report.photos.get()
    url = reverse("reports:photo", args=[report.pk, photo.pk, "full"])
    assert client.get(url).status_code == 200
    services.set_photo(actor=handler, photo_id=photo.pk, hidden=True, blurred=False)
    assert client.get(url).status_code == 404


def test_reopen_from_the_report_page(resident_client, account, submit, handler):
    report = submit()
    services.change_status(actor=handler, report_id=report.pk, status=Status.FIXED, note="直しました")
    c = resident_client(account)
    assert "再開を求める" in c.get(reverse("reports:report", args=[report.pk])).content.decode()
    assert c.post(reverse("reports:reopen", args=[report.pk]), {"note": ""}).status_code == 400
    assert c.post(reverse("reports:reopen", args=[report.pk]), {"note": "また消えた"}).status_code == 302
    report.refresh_from_db()
    assert report.status == Status.RECEIVED


def test_console_queue_and_actions(client_as, handler, clerk, submit):
    report = submit(photos=[jpeg()], contact_email="me@example.jp")
    c = client_as(handler)
    queue = c.get(reverse("reports:console_queue"))
    assert queue.status_code == 200 and f"#{report.pk}" in queue.content.decode()
    detail = c.get(reverse("reports:console_report", args=[report.pk]))
    assert "me@example.jp" in detail.content.decode()
    assert AuditEvent.objects.filter(action="reports.view", kind="read").exists()
    act = reverse("reports:console_act", args=[report.pk])
    refused = c.post(act, {"action": "status", "status": "not_fixable", "note": "x"})
    assert refused.status_code == 400 and 'aria-invalid="true"' in refused.content.decode()
    assert c.post(act, {"action": "status", "status": "in_progress", "note": "業者手配済み"}).status_code == 302
    upload = SimpleUploadedFile("fix.jpg", jpeg(), "image/jpeg")
    assert c.post(act, {"action": "fix_photo", "photo": upload}).status_code == 302
    assert Photo.objects.filter(report=report, kind="fix").count() == 1
    assert c.post(act, {"action": "publish", "published": "1", "public_text": "街路灯"}).status_code == 302
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS and report.published
    client_as(clerk)
    assert client_as(clerk).get(reverse("reports:console_queue")).status_code == 403


def test_statistics_and_the_export_without_personal_data(client, submit, handler):
    report = submit(contact_email="secret@example.jp", contact_name="練馬花子", description="秘密の本文")
    services.publish(actor=handler, report_id=report.pk, published=True)
    services.change_status(actor=handler, report_id=report.pk, status=Status.FIXED, note="済")
    page = client.get(reverse("reports:stats"))
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "<table" in html and "街路灯" in html
    body = client.get(reverse("reports:stats_csv")).content.decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "id" and rows[1][0] == str(report.pk) and rows[1][3] == "closed"
    assert "secret" not in body and "練馬花子" not in body and "秘密" not in body
