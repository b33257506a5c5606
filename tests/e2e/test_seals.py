"""A clerk registers a seal in person: upload, the measured size, registration and the card number."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from kuyakusho.residents.tests.factories import ResidentFactory
from kuyakusho.seals.models import SealRegistration
from kuyakusho.seals.tests.images import seal_png

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


def test_clerk_registers_a_seal_in_person(page, clerk, shot):
    person = ResidentFactory(name="山﨑 花子", name_kana="ヤマザキ ハナコ", birth_date=dt.date(1990, 2, 3))
    page.goto("/console/login/?next=/console/seals/")
    log_in(page, "clerk")
    expect(page.get_by_role("heading", level=1)).to_have_text("印鑑登録")
    page.get_by_label("住民の番号（住民記録の検索結果から）").fill(str(person.pk))
    page.get_by_role("button", name="探す").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("山﨑 花子")
    expect(page.get_by_text("登録されている印鑑はありません。")).to_be_visible()
    page.get_by_role("link", name="印鑑を登録する").click()

    # A scan that is too small is refused with the measured size, on the form.
    page.get_by_label("印影の画像").set_input_files(
        files=[{"name": "small.png", "mimeType": "image/png", "buffer": seal_png(width_mm=6, px_per_mm=12)}])
    page.get_by_label("読み取りの解像度（画素/mm）").fill("12")
    page.get_by_label("本人が来庁（写真付き本人確認書類）").check()
    page.get_by_label("確認した写真付き本人確認書類").select_option(label="運転免許証")
    page.get_by_role("button", name="印影を確認する").click()
    expect(page.get_by_text("8 mm以上25 mm以下の印影を登録してください", exact=False)).to_be_visible()
    shot(page, "seals-register-refused-ja")

    page.get_by_label("印影の画像").set_input_files(
        files=[{"name": "seal.png", "mimeType": "image/png", "buffer": seal_png(width_mm=15, px_per_mm=12)}])
    page.get_by_label("読み取りの解像度（画素/mm）").fill("12")
    page.get_by_role("button", name="印影を確認する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("印影の確認")
    expect(page.get_by_text("幅15.0 mm・高さ15.0 mm").first).to_be_visible()
    expect(page.get_by_role("img", name="読み取った印影（幅15.0 mm・高さ15.0 mm）")).to_be_visible()
    shot(page, "seals-confirm-ja")
    page.get_by_role("button", name="この印影で登録する").click()

    registration = SealRegistration.objects.get(resident=person)
    number = registration.cards.get().number
    expect(page.get_by_role("status")).to_contain_text(number)
    expect(page.get_by_text("運転免許証", exact=False).first).to_be_visible()
    expect(page.get_by_role("img", name="登録された印影（幅15.0 mm・高さ15.0 mm）")).to_be_visible()
    shot(page, "seals-registered-ja")
    for el in page.locator("main .button").all():
        box = el.bounding_box()
        assert box["height"] >= 44
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Seal registration")
    expect(page.get_by_text("In person (photo ID)", exact=False)).to_be_visible()
    shot(page, "seals-registered-en")
