"""The seal desk pages: lookup, the two-step registration, the letter, the answer, loss, abolition; reads audited."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kuyakusho.audit.models import AuditEvent
from kuyakusho.seals import services
from kuyakusho.seals.models import CardStatus, SealRegistration, SealStatus

from .images import seal_png

pytestmark = pytest.mark.django_db


def upload(**kw):
    return SimpleUploadedFile("seal.png", seal_png(**kw), content_type="image/png")


def check_step(client, url, *, method="in_person", id_document="drivers_license", scale="12", proxy_name="", **kw):
    return client.post(url, {"step": "check", "image": upload(**kw), "px_per_mm": scale, "method": method,
                             "id_document": id_document, "proxy_name": proxy_name})


def token_of(response) -> dict:
    html = response.content.decode()
    found = {name: re.search(rf'name="{name}" value="([^"]*)"', html)
             for name in ("token", "method", "id_document", "proxy_name")}
    return {name: m.group(1) if m else "" for name, m in found.items()}


def test_register_in_person_through_the_confirmation(client_as, clerk, adult):
    client = client_as(clerk)
    url = reverse("seals:register", args=[adult.pk])
    page = client.get(url)
    assert page.status_code == 200 and adult.name in page.content.decode()
    confirm = check_step(client, url, width_mm=15)
    html = confirm.content.decode()
    assert confirm.status_code == 200 and "幅15.0 mm・高さ15.0 mm" in html and "data:image/png;base64," in html
    assert not SealRegistration.objects.exists()  # nothing stored before the clerk confirms
    done = client.post(url, {"step": "confirm", **token_of(confirm)})
    registration = SealRegistration.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("seals:person", args=[adult.pk])
    assert registration.status == SealStatus.REGISTERED and registration.id_document == "drivers_license"
    page = client.get(done["Location"])
    assert registration.active_card.number in page.content.decode()
    assert AuditEvent.objects.filter(subject_id=str(adult.pk), kind="read", action="seals.open",
                                     purpose="印鑑登録").exists()


def test_refusals_are_shown_on_the_form(client_as, clerk, adult):
    client = client_as(clerk)
    url = reverse("seals:register", args=[adult.pk])
    small = check_step(client, url, width_mm=5)
    assert small.status_code == 400 and "8 mm以上25 mm以下" in small.content.decode()
    no_id = check_step(client, url, id_document="")
    assert no_id.status_code == 400 and "本人確認書類の種類を選んで" in no_id.content.decode()
    bad = client.post(url, {"step": "check", "image": SimpleUploadedFile("x.png", b"not an image"),
                            "px_per_mm": "12", "method": "in_person", "id_document": "passport"})
    assert bad.status_code == 400 and "PNGまたはJPEG" in bad.content.decode()
    assert not SealRegistration.objects.exists()


def test_a_forged_confirmation_is_refused(client_as, clerk, adult):
    client = client_as(clerk)
    url = reverse("seals:register", args=[adult.pk])
    fields = token_of(check_step(client, url))
    response = client.post(url, {"step": "confirm", **fields, "token": fields["token"][:-3] + "abc"})
    assert response.status_code == 400 and "確認画面の内容が正しくありません" in response.content.decode()
    assert not SealRegistration.objects.exists()


def test_letter_flow_answer_and_print(client_as, clerk, adult, today):
    client = client_as(clerk)
    url = reverse("seals:register", args=[adult.pk])
    confirm = check_step(client, url, method="letter", id_document="", proxy_name="練馬 次郎")
    done = client.post(url, {"step": "confirm", **token_of(confirm)})
    registration = SealRegistration.objects.get()
    assert registration.status == SealStatus.PENDING and registration.proxy_name == "練馬 次郎"
    assert done["Location"] == reverse("seals:letter", args=[registration.pk])
    letter = client.get(done["Location"]).content.decode()
    assert "印鑑登録についての照会書" in letter and adult.name in letter and registration.inquiry.reference in letter
    found = client.get(reverse("seals:index"), {"reference": registration.inquiry.reference})
    assert found["Location"] == reverse("seals:person", args=[adult.pk])
    answer_url = reverse("seals:answer", args=[registration.pk])
    assert client.get(answer_url).status_code == 200
    bad = client.post(answer_url, {"received_on": "令和99年1月1日"})
    assert bad.status_code == 400
    ok = client.post(answer_url, {"received_on": today.isoformat()})
    assert ok.status_code == 302
    registration.refresh_from_db()
    assert registration.status == SealStatus.REGISTERED


def test_find_by_card_loss_reissue_and_abolition(client_as, clerk, adult, seal):
    registration = services.register_in_person(actor=clerk, resident_id=adult.pk, seal=seal, id_document="passport")
    number = registration.active_card.number
    client = client_as(clerk)
    found = client.get(reverse("seals:index"), {"card_number": number})
    assert found["Location"] == reverse("seals:person", args=[adult.pk])
    assert AuditEvent.objects.filter(action="seals.find_by_card", subject_id=str(adult.pk)).exists()
    wrong = client.get(reverse("seals:index"), {"card_number": "1234567890"})
    assert wrong.status_code == 400 and "印鑑登録証の番号に誤りがあります" in wrong.content.decode()
    empty = client.get(reverse("seals:index"), {"card_number": ""})
    assert empty.status_code == 400

    assert client.post(reverse("seals:lost", args=[registration.pk])).status_code == 302
    assert registration.cards.get(number=number).status == CardStatus.LOST
    again = client.post(reverse("seals:lost", args=[registration.pk]), follow=True)
    assert "亡失の届出はできません" in again.content.decode()
    missing_id = client.post(reverse("seals:reissue", args=[registration.pk]), {"id_document": ""})
    assert missing_id.status_code == 400
    assert client.post(reverse("seals:reissue", args=[registration.pk]),
                       {"id_document": "passport"}).status_code == 302
    registration.refresh_from_db()
    assert registration.status == SealStatus.REGISTERED and registration.active_card.number != number

    assert client.post(reverse("seals:abolish", args=[registration.pk]),
                       {"card_returned": "on", "note": "本人申請"}).status_code == 302
    registration.refresh_from_db()
    assert registration.status == SealStatus.ABOLISHED
    page = client.get(reverse("seals:person", args=[adult.pk])).content.decode()
    assert "印鑑を登録する" in page and "これまでの登録" in page


def test_reregister_page(client_as, clerk, adult, seal):
    old = services.register_in_person(actor=clerk, resident_id=adult.pk, seal=seal, id_document="passport")
    client = client_as(clerk)
    url = reverse("seals:reregister", args=[old.pk])
    confirm = check_step(client, url, width_mm=20, shape="square")
    assert client.post(url, {"step": "confirm", **token_of(confirm)}).status_code == 302
    old.refresh_from_db()
    assert old.status == SealStatus.ABOLISHED and old.replaced_by.status == SealStatus.REGISTERED


def test_under_15_sees_why_no_form(client_as, clerk, today):
    from kuyakusho.residents.tests.factories import ResidentFactory

    child = ResidentFactory(birth_date=today.replace(year=today.year - 10))
    page = client_as(clerk).get(reverse("seals:register", args=[child.pk])).content.decode()
    assert "15歳以上" in page and 'type="file"' not in page


def test_english_pages(client_as, clerk, adult, seal):
    services.register_in_person(actor=clerk, resident_id=adult.pk, seal=seal, id_document="passport")
    client = client_as(clerk)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("seals:person", args=[adult.pk]), headers={"accept-language": "en"})
    html = page.content.decode()
    assert "Seal registration" in html and "Registered" in html
    index = client.get(reverse("seals:index"), headers={"accept-language": "en"}).content.decode()
    assert "Seal-registration card number" in index
