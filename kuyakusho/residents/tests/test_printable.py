"""The register accepts only what the ward can print: every character class refused through the API and through
the forms (birth, move-in address, correction, the postal desk), with the code point named and nothing stored."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import translation

from kuyakusho.certificates.forms import PostalForm
from kuyakusho.residents.forms import BirthForm, CorrectionForm, MoveInForm
from kuyakusho.residents.models import Event, Resident

from .factories import family

pytestmark = pytest.mark.django_db

#: One example per refused class: (name as typed, the code point the message names, the error code).
CLASSES = {
    "control": ("山\x07田", "U+0007", "control_character"),
    "bidi_override": ("山田\u202e郎", "U+202E", "unprintable_character"),
    "zero_width": ("山\u200b田", "U+200B", "unprintable_character"),
    "line_separator": ("山田\u2028太郎", "U+2028", "unprintable_character"),
    "odd_space": ("山田\u2003太郎", "U+2003", "unprintable_character"),
    "private_use": ("山\ue000田", "U+E000", "unprintable_character"),
    "unassigned": ("山\u0378田", "U+0378", "unprintable_character"),
    "noncharacter": ("山\ufdd0田", "U+FDD0", "unprintable_character"),
    "emoji": ("山田😀", "U+1F600", "unprintable_character"),
    "lone_variation_selector": ("\U000e0100山田", "U+E0100", "unprintable_character"),
    "lone_combining_mark": ("\u0301山田", "U+0301", "unprintable_character"),
    "ivs_not_in_font": ("葛\U000e0100城", "U+845B U+E0100", "unprintable_character"),
    "not_in_font": ("김민준", "U+AE40", "unprintable_character"),
}


@pytest.fixture(autouse=True)
def _japanese():
    with translation.override("ja"):
        yield


def birth_body(household_id: int, name: str) -> dict:
    return {"household_id": household_id,
            "child": {"name": name, "name_kana": "ヤマダ タロウ", "birth_date": "令和七年五月一日", "sex": "male",
                      "relationship": "子"}}


def post(client, url, body):
    return client.post(url, json.dumps(body, ensure_ascii=True), content_type="application/json")


@pytest.mark.parametrize("case", CLASSES)
def test_birth_api_refuses_each_class(client_as, clerk, case):
    name, code_point, _code = CLASSES[case]
    head, _ = family(2)
    before = Resident.objects.count(), Event.objects.count()
    r = post(client_as(clerk), "/api/residents/birth", birth_body(head.household_id, name))
    assert r.status_code == 422, r.content
    [error] = r.json()["errors"]
    assert error["field"] == "child.name"
    assert error["message"].startswith(("1文字目の", "2文字目の", "3文字目の"))  # the message alone, no prefix
    assert code_point in error["message"]
    assert (Resident.objects.count(), Event.objects.count()) == before


def test_birth_api_refuses_a_lone_surrogate(client_as, clerk):
    head, _ = family(2)
    raw = json.dumps(birth_body(head.household_id, "山田")).replace("\\u5c71\\u7530", "\\u5c71\\ud800")
    assert "\\ud800" in raw
    r = client_as(clerk).post("/api/residents/birth", raw, content_type="application/json")
    assert r.status_code == 422 and "U+D800" in r.content.decode()
    assert Resident.objects.count() == 2


def test_birth_api_stores_a_variant_the_font_carries_exactly(client_as, clerk):
    head, _ = family(2)
    r = post(client_as(clerk), "/api/residents/birth", birth_body(head.household_id, "葛\U000e0102城 太郎"))
    assert r.status_code == 201, r.content
    child = Resident.objects.get(pk=r.json()["resident_ids"][0])
    assert child.name == "葛\U000e0102城 太郎" and child.birth_date.isoformat() == "2025-05-01"


def test_address_and_other_printed_fields_follow_the_policy(client_as, clerk):
    from .test_api import move_in_body

    c = client_as(clerk)
    body = move_in_body()
    body["address"]["katagaki"] = "ねりまハイツ\u202e 203"
    r = post(c, "/api/residents/move-in", body)
    assert r.status_code == 422 and "U+202E" in r.content.decode()
    body = move_in_body()
    body["people"][0]["honseki"] = "東京都練馬区🏠"
    r = post(c, "/api/residents/move-in", body)
    assert r.status_code == 422 and "U+1F3E0" in r.content.decode()
    assert not Resident.objects.exists()


def test_correction_api_refuses_an_unprintable_name(client_as, supervisor):
    (head,) = family(1)
    r = post(client_as(supervisor), f"/api/residents/{head.pk}/correction",
             {"version": head.version, "changes": {"name": "山田\u200d太郎"}, "reason": "戸籍照会"})
    assert r.status_code == 400 and r.json()["code"] == "unprintable_character" and r.json()["field"] == "name"
    assert "U+200D" in r.json()["message"]
    head.refresh_from_db()
    assert "\u200d" not in head.name


def _person(name: str) -> dict:
    return {"name": name, "name_kana": "ヤマダ タロウ", "birth_date": "令和7年5月1日", "sex": "male",
            "relationship": "子", "notifier_type": "self"}


@pytest.mark.parametrize("case", CLASSES)
def test_birth_form_refuses_each_class(case):
    name, code_point, code = CLASSES[case]
    form = BirthForm(_person(name))
    assert not form.is_valid()
    error = form.errors.as_data()["name"][0]
    assert code_point in str(error.message) and error.code == code


@pytest.mark.parametrize("case", ["bidi_override", "emoji", "ivs_not_in_font"])
def test_birth_page_shows_the_refusal_on_the_form(client_as, clerk, case):
    name, code_point, _code = CLASSES[case]
    from kuyakusho.residents.tests.test_views import with_purpose

    head, _ = family(2)
    c = client_as(clerk)
    url = with_purpose(c, reverse("residents:birth", args=[head.household_id]))  # the form asks its purpose first
    r = c.post(url, {"step": "confirm", **_person(name)})
    assert r.status_code == 200 and code_point in r.text and "は使用できません" in r.text
    assert not Resident.objects.filter(relationship="子").exists()


def test_forms_message_in_english():
    with translation.override("en"):
        form = BirthForm(_person("山田\u202e郎"))
        assert not form.is_valid()
        assert "Character 3, U+202E RIGHT-TO-LEFT OVERRIDE, cannot be used" in str(form.errors["name"])


def test_move_in_address_and_correction_forms():
    form = MoveInForm({"katagaki": "ハイツ\u2028203", "banchi": "12"}, prefix=None)
    form.is_valid()
    assert "U+2028" in str(form.errors["katagaki"])
    form = CorrectionForm({"field": "name", "value": "山田\U000f0000", "reason": "誤記"})
    form.is_valid()
    assert "U+F0000" in str(form.errors.get("value", ""))


def test_postal_desk_form_follows_the_policy():
    form = PostalForm({"requester_name": "練馬\u202e太郎", "requester_address": "練馬区🏠"})
    form.is_valid()
    assert "U+202E" in str(form.errors["requester_name"]) and "U+1F3E0" in str(form.errors["requester_address"])


def test_dates_in_kanji_numerals_through_the_form_and_the_api(client_as, clerk):
    form = BirthForm({**_person("山田 太郎"), "birth_date": "令和七年五月一日", "notified_on": "令和七年五月十日"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["birth_date"].isoformat() == "2025-05-01"
    assert form.cleaned_data["notified_on"].isoformat() == "2025-05-10"
    head, _ = family(2)
    body = birth_body(head.household_id, "山田 次郎")
    body["child"]["birth_date"] = "昭和四十二年十二月三十一日"
    r = post(client_as(clerk), "/api/residents/birth", body)
    assert r.status_code == 201, r.content
    assert Resident.objects.get(pk=r.json()["resident_ids"][0]).birth_date.isoformat() == "1967-12-31"
