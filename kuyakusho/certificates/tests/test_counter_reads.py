"""A counter issuance records one read per person shown, not one per step of the flow."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import translation

from kuyakusho.audit.models import AuditEvent
from kuyakusho.certificates.models import Channel, ChannelPolicy, Issuance
from kuyakusho.offices.models import Office
from kuyakusho.residents.tests.factories import family

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(db):
    ChannelPolicy.objects.filter(channel=Channel.COUNTER).update(schedule=None)
    with translation.override("ja"):
        yield


def _flow(html: str) -> str:
    found = re.search(r'name="flow" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def _reads() -> Counter:
    return Counter(AuditEvent.objects.filter(action="residents.open").values_list("subject_id", flat=True))


def test_one_read_per_person_per_issuance(client_as, clerk):
    office = Office.objects.create(code="nerima", name_ja="練馬区民事務所", name_en="Nerima Ward Office")
    head, wife, child = family(3)
    c = client_as(clerk)
    url = reverse("certificates:counter_person", args=[head.pk])
    base = {"office": office.pk, "kind": "juminhyo", "members": [wife.pk]}
    r = c.get(url)
    shown = {str(head.pk): 1, str(wife.pk): 1, str(child.pk): 1}  # the household is listed to choose from
    assert _reads() == shown
    r = c.post(url, {**base, "step": "choose", "flow": _flow(r.text)})
    assert "請求者と本人確認" in r.text
    r = c.post(url, {**base, "step": "identity", "requester": "self", "identity_document": "運転免許証",
                     "flow": _flow(r.text)})
    assert "確認：交付する証明書" in r.text
    r = c.post(url, {**base, "step": "confirm", "requester": "self", "identity_document": "運転免許証",
                     "idempotency_key": "1" * 32, "flow": _flow(r.text)})
    assert r.status_code == 302 and Issuance.objects.count() == 1
    assert _reads() == shown  # four steps, still one read each
    assert {e.purpose for e in AuditEvent.objects.filter(action="residents.open")} == {"certificate"}
    # A second issuance is a second flow: one read each again.
    c.get(url)
    assert _reads() == {k: 2 for k in shown}


def test_a_step_without_the_flow_token_records_the_reads_again(client_as, clerk):
    """A forged or lost token never hides a read: it only repeats one."""
    office = Office.objects.create(code="nerima", name_ja="練馬区民事務所", name_en="Nerima Ward Office")
    (head,) = family(1)
    c = client_as(clerk)
    url = reverse("certificates:counter_person", args=[head.pk])
    c.get(url)
    c.post(url, {"office": office.pk, "kind": "juminhyo", "step": "choose", "flow": "forged"})
    assert _reads() == {str(head.pk): 2}


def test_the_pdf_is_a_read_of_everyone_printed_on_it(client_as, clerk):
    office = Office.objects.create(code="nerima", name_ja="練馬区民事務所", name_en="Nerima Ward Office")
    head, wife, _child = family(3)
    c = client_as(clerk)
    url = reverse("certificates:counter_person", args=[head.pk])
    c.post(url, {"office": office.pk, "kind": "juminhyo", "members": [wife.pk], "step": "confirm",
                 "requester": "self", "identity_document": "運転免許証", "idempotency_key": "2" * 32})
    issuance = Issuance.objects.get()
    c.get(reverse("certificates:issuance_pdf", args=[issuance.pk]))
    printed = AuditEvent.objects.filter(action="certificates.pdf_download").values_list("subject_id", flat=True)
    assert sorted(printed) == sorted([str(head.pk), str(wife.pk)])  # not the child, who is not printed
