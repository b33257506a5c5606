"""The counter flow in the console: search → choose → requester and ID → confirm → issue → print/download."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from kuyakusho.audit.models import AuditEvent
from kuyakusho.certificates.models import Alert, AlertKind, Channel, ChannelPolicy, Issuance, SupportMeasure
from kuyakusho.offices.models import Office
from kuyakusho.residents.tests.factories import family

from .conftest import pdf_text

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture(autouse=True)
def _japanese():
    """Messages are asserted in Japanese, whatever language an earlier test left active in this thread."""
    with translation.override("ja"):
        yield


@pytest.fixture
def office(db):
    return Office.objects.create(code="nerima", name_ja="練馬区民事務所", name_en="Nerima Ward Office")


@pytest.fixture
def other_office(db):
    return Office.objects.create(code="hikarigaoka", name_ja="光が丘区民事務所", name_en="Hikarigaoka Ward Office",
                                 sort_order=1)


@pytest.fixture
def counter_open(db):
    """Tests run at any hour: the counter's policy without a schedule (the hours are the service's tests)."""
    ChannelPolicy.objects.filter(channel=Channel.COUNTER).update(schedule=None)


@pytest.fixture
def household():
    return family(3)


def url(resident) -> str:
    return reverse("certificates:counter_person", args=[resident.pk])


def choose(office, **extra) -> dict:
    return {"step": "choose", "office": office.pk, "kind": "juminhyo", **extra}


def identity(office, **extra) -> dict:
    data = {"office": office.pk, "kind": "juminhyo", "requester": "self", "identity_document": "運転免許証",
            "step": "identity"}
    data.update(extra)
    return data


def confirm(office, key="0" * 32, **extra) -> dict:
    return {**identity(office, **extra), "step": "confirm", "idempotency_key": key}


def test_search_links_to_the_counter_flow(client_as, clerk, household, counter_open):
    c = client_as(clerk)
    r = c.get(reverse("certificates:counter"))
    assert r.status_code == 200 and "対象者の検索" in r.text
    r = c.get(reverse("certificates:counter"), {"kana": "ネリマ"})
    assert url(household[0]) in r.text and "練馬 花子" in r.text
    r = c.get(reverse("certificates:counter"), {"kana": "練馬"})
    assert "フリガナはカタカナ" in r.text


def test_the_whole_flow_issues_a_certificate_and_the_pdf_is_downloaded(client_as, clerk, household, office,
                                                                      counter_open):
    head, wife, child = household
    c = client_as(clerk)
    r = c.get(url(head))
    assert r.status_code == 200 and "証明書の選択" in r.text and "練馬 花子（妻）" in r.text
    assert AuditEvent.objects.filter(action="residents.open", subject_id=str(head.pk), purpose="certificate").exists()
    # Step 2 → 3: the choices travel on as hidden fields.
    r = c.post(url(head), choose(office, members=[wife.pk], options=["head"]))
    assert r.status_code == 200 and "請求者と本人確認" in r.text
    assert f'name="members" value="{wife.pk}"' in r.text and 'name="options" value="head"' in r.text
    # Step 3 → 4: what will be printed and the fee.
    r = c.post(url(head), identity(office, members=[wife.pk], options=["head"]))
    assert "確認：交付する証明書" in r.text and "300円" in r.text
    assert "練馬 花子" in r.text and "世帯主・続柄" in r.text and child.name not in r.text
    assert 'name="idempotency_key"' in r.text
    # Step 4 → issue.
    r = c.post(url(head), confirm(office, members=[wife.pk], options=["head"]))
    issuance = Issuance.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("certificates:issuance", args=[issuance.pk])
    assert issuance.channel == "counter" and issuance.office == office and issuance.issued_by == clerk
    assert issuance.members == [head.pk, wife.pk] and issuance.fee == 300
    assert issuance.identity["document"] == "運転免許証"
    r = c.get(r["Location"])
    assert issuance.number in r.text and issuance.verification_code in r.text and "300円" in r.text
    pdf = c.get(reverse("certificates:issuance_pdf", args=[issuance.pk]), {"download": "1"})
    assert pdf["Content-Type"] == "application/pdf" and pdf["Content-Disposition"].startswith("attachment")
    text = pdf_text(pdf.content)
    assert head.name in text and "練馬 花子" in text and child.name not in text
    download = AuditEvent.objects.get(action="certificates.pdf_download", subject_id=str(head.pk))
    assert download.subject_id == str(head.pk) and download.actor == clerk and download.kind == "read"


def test_a_double_submit_issues_once(client_as, clerk, household, office, counter_open):
    head = household[0]
    c = client_as(clerk)
    first = c.post(url(head), confirm(office, key="a" * 32))
    second = c.post(url(head), confirm(office, key="a" * 32))
    assert Issuance.objects.count() == 1 and first["Location"] == second["Location"]
    c.post(url(head), confirm(office, key="b" * 32))
    assert Issuance.objects.count() == 2


def test_the_policy_decides_what_is_offered(client_as, clerk, household, office, counter_open):
    policy = ChannelPolicy.objects.get(channel=Channel.COUNTER)
    policy.options = ["head", "honseki"]
    policy.kinds = ["juminhyo", "kazei"]
    policy.save()
    c = client_as(clerk)
    r = c.get(url(household[0]))
    assert 'value="honseki"' in r.text and 'value="my_number"' not in r.text
    assert 'value="kazei"' in r.text and 'value="inkan"' not in r.text
    r = c.post(url(household[0]), choose(office, options=["my_number"]))
    assert "証明書の選択" in r.text and "field--error" in r.text and not Issuance.objects.exists()


def test_refusals_show_on_the_form_with_the_input_kept(client_as, clerk, household, office, counter_open):
    head = household[0]
    c = client_as(clerk)
    r = c.post(url(head), identity(office, identity_document=""))
    assert "請求者と本人確認" in r.text and "field--error" in r.text
    r = c.post(url(head), identity(office, requester="proxy"))
    assert "請求者の氏名を入力してください" in r.text
    # The service refuses a proxy without a letter of authority: shown on that field, input kept.
    r = c.post(url(head), confirm(office, requester="proxy", requester_name="代理 次郎", purpose="相続手続"))
    assert r.status_code == 200 and "代理人の請求には委任状が必要です" in r.text
    assert 'value="代理 次郎"' in r.text and 'value="相続手続"' in r.text
    assert not Issuance.objects.exists()
    # A type the register cannot give (no 転出 filed) goes back to the choice step.
    r = c.post(url(head), confirm(office, kind="tenshutsu"))
    assert "証明書の選択" in r.text and "転出の届出がありません" in r.text


def test_support_measure_refusal_is_neutral_and_a_supervisor_sees_the_alert(client_as, clerk, supervisor, household,
                                                                            office, counter_open):
    head, wife, _child = household
    SupportMeasure.objects.create(resident=wife, starts_on=timezone.localdate() - timedelta(days=10),
                                  created_by=supervisor)
    c = client_as(clerk)
    r = c.post(url(head), confirm(office, whole_household="on"))
    assert "区民事務所の窓口にお問い合わせください" in r.text and "支援措置" not in r.text
    assert not Issuance.objects.exists()
    alert = Alert.objects.get(kind=AlertKind.SUPPORT_MEASURE)
    assert alert.resident == wife and alert.channel == "counter"
    c = client_as(supervisor)
    r = c.get(reverse("certificates:alerts"))
    assert "支援措置対象者に関する請求" in r.text and "練馬 花子" in r.text
    c.post(reverse("certificates:alert_ack", args=[alert.pk]))
    alert.refresh_from_db()
    assert alert.acknowledged_by == supervisor
    assert "未確認の警告はありません" in c.get(reverse("certificates:alerts")).text


def test_staff_limited_to_an_office_issue_only_there(client_as, make_staff, household, office, other_office,
                                                     counter_open):
    limited = make_staff("clerk", offices=[office])
    c = client_as(limited)
    r = c.get(url(household[0]))
    assert "練馬区民事務所" in r.text and "光が丘区民事務所" not in r.text
    r = c.post(url(household[0]), confirm(other_office))
    assert "証明書の選択" in r.text and not Issuance.objects.exists()
    c.post(url(household[0]), confirm(office))
    issuance = Issuance.objects.get()
    # Another office's clerk cannot open it; an unlimited clerk can.
    other = make_staff("clerk", offices=[other_office])
    assert client_as(other).get(reverse("certificates:issuance", args=[issuance.pk])).status_code == 403
    assert client_as(other).get(reverse("certificates:issuance_pdf", args=[issuance.pk])).status_code == 403


def test_a_supervisor_revokes_a_certificate(client_as, clerk, supervisor, household, office, counter_open):
    c = client_as(clerk)
    c.post(url(household[0]), confirm(office))
    issuance = Issuance.objects.get()
    assert "失効させる" not in c.get(reverse("certificates:issuance", args=[issuance.pk])).text
    s = client_as(supervisor)
    r = s.post(reverse("certificates:revoke", args=[issuance.pk]), {"reason": ""})
    assert r.status_code == 400 and "field--error" in r.text
    r = s.post(reverse("certificates:revoke", args=[issuance.pk]), {"reason": "記載誤りのため再交付"})
    issuance.refresh_from_db()
    assert issuance.status == "revoked" and issuance.revoked_at and issuance.revoke_reason == "記載誤りのため再交付"
    assert AuditEvent.objects.get(action="certificates.revoke").actor == supervisor
    r = s.post(reverse("certificates:revoke", args=[issuance.pk]), {"reason": "もう一度"})
    assert r.status_code == 400 and "すでに失効" in r.text


def test_lookup_by_issuance_number(client_as, clerk, household, office, counter_open):
    c = client_as(clerk)
    c.post(url(household[0]), confirm(office))
    issuance = Issuance.objects.get()
    r = c.get(reverse("certificates:issuance_lookup"), {"number": issuance.number})
    assert r.status_code == 302 and r["Location"].endswith(f"/issuances/{issuance.pk}/")
    r = c.get(reverse("certificates:issuance_lookup"), {"number": "1999-99999999"})
    assert "その交付番号の証明書はありません" in r.text


def test_her_own_request_at_the_counter_needs_the_check_against_the_protection_file(client_as, clerk, supervisor,
                                                                                  household, office, counter_open):
    _head, wife, _child = household
    SupportMeasure.objects.create(resident=wife, starts_on=timezone.localdate() - timedelta(days=10),
                                  created_by=supervisor)
    c = client_as(clerk)
    shown = c.post(url(wife), identity(office))
    assert 'name="protection_file_checked"' in shown.text and "支援措置" not in shown.text
    r = c.post(url(wife), confirm(office))  # confirmed without the check
    assert r.status_code == 400 and "照合記録と照らして" in r.text and not Issuance.objects.exists()
    r = c.post(url(wife), confirm(office, protection_file_checked="1"))
    assert r.status_code == 302 and Issuance.objects.get().identity["protection_file_checked"] is True
    assert not Alert.objects.exists()
    # Nobody protected on it: no check asked.
    assert 'name="protection_file_checked"' not in c.post(url(_head), identity(office)).text


def test_a_closed_counter_says_so_before_anything_is_filled_in(client_as, clerk, household):
    head, _wife, _child = household
    ChannelPolicy.objects.filter(channel=Channel.COUNTER).update(enabled=False)
    c = client_as(clerk)
    for page_url in (reverse("certificates:counter"), url(head)):
        r = c.get(page_url)
        assert r.status_code == 200 and "現在この方法では証明書を交付していません" in r.text
        assert 'name="kana"' not in r.text and 'name="kind"' not in r.text
    r = c.post(url(head), confirm(Office.objects.create(code="x", name_ja="x", name_en="x")))
    assert "現在この方法では証明書を交付していません" in r.text and not Issuance.objects.exists()


def test_a_counter_closed_for_the_hours_says_when_it_opens_before_the_record_is_read(
        client_as, clerk, household, monkeypatch):
    """On 12/30 (年末年始) the counter's hours are closed: the search and the person's page say so, with the next
    opening, before any field is shown and without reading the person's record."""
    from .test_kiosk import clock

    head, _wife, _child = household
    clock(monkeypatch, datetime(2025, 12, 30, 12, 0, tzinfo=TOKYO))
    c = client_as(clerk)
    reads = AuditEvent.objects.filter(kind="read").count()
    for page_url in (reverse("certificates:counter"), url(head)):
        r = c.get(page_url)
        assert r.status_code == 200 and "ただいま取扱時間外です。次は1月5日 8:30から利用できます。" in r.text
        assert 'name="kana"' not in r.text and 'name="kind"' not in r.text
    assert AuditEvent.objects.filter(kind="read").count() == reads


def test_a_counter_that_closes_during_the_steps_says_so_at_the_next_step(
        client_as, clerk, office, household, monkeypatch):
    from .test_kiosk import clock

    head, _wife, _child = household
    clock(monkeypatch, datetime(2025, 12, 26, 16, 0, tzinfo=TOKYO))  # a Friday afternoon: open
    c = client_as(clerk)
    assert 'name="kind"' in c.get(url(head)).text
    clock(monkeypatch, datetime(2025, 12, 26, 17, 30, tzinfo=TOKYO))  # after hours
    r = c.post(url(head), choose(office))
    assert "ただいま取扱時間外です" in r.text and 'name="requester"' not in r.text
    assert not Issuance.objects.exists()
