"""A record the certificate font cannot print (stored before the character policy) is refused with a typed error
before a 交付番号 is taken: 4xx in the API, a message on the counter page, the year's numbers untouched."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from kuyakusho.certificates.models import Channel, ChannelPolicy, Issuance, IssueCounter
from kuyakusho.offices.models import Office
from kuyakusho.residents.models import Household, Resident
from kuyakusho.residents.tests.factories import family

pytestmark = pytest.mark.django_db
API = "/api/certificates/counter/issuances"


@pytest.fixture(autouse=True)
def _japanese():
    with translation.override("ja"):
        yield


@pytest.fixture
def office(db):
    ChannelPolicy.objects.filter(channel=Channel.COUNTER).update(schedule=None)  # any hour
    return Office.objects.create(code="nerima", name_ja="練馬区民事務所", name_en="Nerima")


def numbers_taken() -> list[tuple[int, int]]:
    return list(IssueCounter.objects.values_list("fiscal_year", "last"))


def legacy(resident: Resident, **fields) -> None:
    """Write a value as data from before the policy did: straight into the table, past every input check."""
    Resident.objects.filter(pk=resident.pk).update(**fields)


def body(subject: Resident, office: Office, **extra) -> dict:
    return {"subject_id": subject.pk, "kind": "juminhyo", "office_id": office.pk, "identity_document": "運転免許証",
            **extra}


@pytest.mark.parametrize(("name", "code_points"), [
    ("山田\u202e太郎", ["U+202E"]),
    ("山\u200b田", ["U+200B"]),
    ("山田😀", ["U+1F600"]),
    ("葛\U000e0100城 太郎", ["U+845B U+E0100"]),
    ("山\ue000田", ["U+E000"]),
    ("김 민준", ["U+AE40", "U+BBFC", "U+C900"]),
])
def test_unprintable_name_is_refused_before_a_number_is_taken(client_as, clerk, office, name, code_points):
    head, _ = family(2)
    c = client_as(clerk)
    assert c.post(API, body(head, office), content_type="application/json").status_code == 200
    before = numbers_taken()
    legacy(head, name=name)
    r = c.post(API, body(head, office), content_type="application/json")
    assert r.status_code == 400, r.content
    data = r.json()
    assert data["code"] == "unprintable_character" and data["field"] == "subject"
    assert data["characters"] == code_points and "印刷できない文字" in data["message"]
    assert name not in data["message"]
    assert numbers_taken() == before and Issuance.objects.count() == 1


def test_the_refusal_leaves_no_gap_once_the_record_is_corrected(client_as, clerk, office):
    head, _ = family(2)
    legacy(head, name="山田\u2028太郎")
    c = client_as(clerk)
    assert c.post(API, body(head, office), content_type="application/json").status_code == 400
    assert numbers_taken() == []
    legacy(head, name="山田 太郎")
    r = c.post(API, body(head, office), content_type="application/json")
    assert r.status_code == 200 and r.json()["number"].endswith("-00000001")


def test_every_printed_string_is_checked_and_only_those(client_as, clerk, office):
    head, wife = family(2)
    c = client_as(clerk)
    legacy(wife, name="練馬\u200d花子")  # a member printed only on the household's copy
    Resident.objects.filter(pk=head.pk).update(honseki="東京都練馬区🏯")  # printed only when asked for
    assert c.post(API, body(head, office), content_type="application/json").status_code == 200
    r = c.post(API, body(head, office, whole_household=True), content_type="application/json")
    assert r.status_code == 400 and r.json()["characters"] == ["U+200D"]
    r = c.post(API, body(head, office, options=["honseki"]), content_type="application/json")
    assert r.status_code == 400 and r.json()["characters"] == ["U+1F3EF"]
    Household.objects.filter(pk=head.household_id).update(katagaki="ハイツ\ufeff203")
    r = c.post(API, body(head, office), content_type="application/json")
    assert r.status_code == 400 and r.json()["characters"] == ["U+FEFF"]
    assert Issuance.objects.count() == 1 and numbers_taken()[0][1] == 1


def test_the_counter_page_shows_the_refusal(client_as, clerk, office):
    head, _ = family(2)
    legacy(head, name="山田\u202e太郎")
    url = reverse("certificates:counter_person", args=[head.pk])
    r = client_as(clerk).post(url, {"office": office.pk, "kind": "juminhyo", "requester": "self",
                                    "identity_document": "運転免許証", "step": "confirm",
                                    "idempotency_key": "0" * 32})
    assert r.status_code == 200 and "印刷できない文字" in r.text and "U+202E RIGHT-TO-LEFT OVERRIDE" in r.text
    assert not Issuance.objects.exists() and numbers_taken() == []
