"""郵送請求: the state machine (received → checked → issued → mailed, or returned), fees, the desk's pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from kuyakusho.audit.models import AuditEvent
from kuyakusho.certificates.models import Alert, Issuance, PostalRequest, SupportMeasure
from kuyakusho.certificates.services import postal
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.residents.tests.factories import family

from .conftest import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _japanese():
    """Messages are asserted in Japanese, whatever language an earlier test left active in this thread."""
    with translation.override("ja"):
        yield


@pytest.fixture
def household():
    return family(2)


def letter(subject=None, **kw) -> postal.PostalInput:
    data: dict[str, Any] = {"kind": "juminhyo", "requester": "self", "requester_name": "練馬 太郎",
            "requester_address": "東京都練馬区豊玉北6丁目12番1号", "id_copy": "運転免許証", "fee_received": 300,
            "subject_id": subject.pk if subject else None}
    data.update(kw)
    return postal.PostalInput(**data)


def test_received_checked_issued_mailed(clerk, household):
    head, _ = household
    req = postal.create_request(actor=clerk, data=letter(copies=2, fee_received=600, options=frozenset({"head"})))
    assert req.status == "received" and req.reference.startswith("P") and req.version == 1
    req = postal.set_subject(actor=clerk, reference=req.reference, version=1, subject_id=head.pk)
    req = postal.check_request(actor=clerk, reference=req.reference, version=req.version)
    assert req.status == "checked"
    req = postal.issue_request(actor=clerk, reference=req.reference, version=req.version)
    issuances = list(req.issuances.order_by("id"))
    assert req.status == "issued" and len(issuances) == 2
    assert {i.channel for i in issuances} == {"postal"} and [i.fee for i in issuances] == [300, 300]
    assert head.name in pdf_text(bytes(issuances[0].pdf)) and issuances[0].identity["document"] == "運転免許証"
    req = postal.mark_mailed(actor=clerk, reference=req.reference, version=req.version)
    assert req.status == "mailed" and req.version == 5
    actions = list(AuditEvent.objects.filter(action__startswith="certificates.postal").order_by("seq")
                   .values_list("action", flat=True))
    assert actions == ["certificates.postal_create", "certificates.postal_subject", "certificates.postal_check",
                       "certificates.postal_issue", "certificates.postal_mail"]


def test_illegal_steps_and_stale_screens_are_refused(clerk, household):
    req = postal.create_request(actor=clerk, data=letter(household[0]))
    for step in (postal.issue_request, postal.mark_mailed):
        with pytest.raises(ApplicationError) as e:
            step(actor=clerk, reference=req.reference, version=1)
        assert e.value.code == ErrorCode.REFUSED and "「受付」の請求" in str(e.value.message)
    req = postal.check_request(actor=clerk, reference=req.reference, version=1)
    with pytest.raises(ApplicationError) as e:  # a second clerk on the old screen
        postal.return_request(actor=clerk, reference=req.reference, version=1, reason="不備")
    assert e.value.code == ErrorCode.CONFLICT
    req = postal.issue_request(actor=clerk, reference=req.reference, version=req.version)
    with pytest.raises(ApplicationError) as e:
        postal.return_request(actor=clerk, reference=req.reference, version=req.version, reason="不備")
    assert e.value.code == ErrorCode.REFUSED
    with pytest.raises(ApplicationError) as e:
        postal.check_request(actor=clerk, reference=req.reference, version=req.version)
    assert e.value.code == ErrorCode.REFUSED
    with pytest.raises(ApplicationError) as e:
        postal.mark_mailed(actor=clerk, reference="P1999-999999", version=1)
    assert e.value.code == ErrorCode.NOT_FOUND


def test_a_repeated_issue_never_issues_twice(clerk, household):
    req = postal.create_request(actor=clerk, data=letter(household[0], copies=2, fee_received=600))
    req = postal.check_request(actor=clerk, reference=req.reference, version=1)
    postal.issue_request(actor=clerk, reference=req.reference, version=req.version)
    with pytest.raises(ApplicationError) as e:  # the same click again, from the same (now stale) screen
        postal.issue_request(actor=clerk, reference=req.reference, version=req.version)
    assert e.value.code == ErrorCode.CONFLICT
    assert Issuance.objects.count() == 2


def test_fee_shortfall_is_refused_and_returned_with_the_reason(client_as, clerk, household):
    req = postal.create_request(actor=clerk, data=letter(household[0], copies=2, fee_received=300))
    assert postal.fee_due(req) == 600
    with pytest.raises(ApplicationError) as e:
        postal.check_request(actor=clerk, reference=req.reference, version=1)
    assert e.value.field == "fee_received" and e.value.extra["shortfall"] == 300
    # The desk's page says so and proposes the reason.
    r = client_as(clerk).get(reverse("certificates:postal_detail", args=[req.reference]))
    assert "手数料が300円不足しています" in r.text and "手数料の不足（300円）" in r.text
    req = postal.return_request(actor=clerk, reference=req.reference, version=1, reason="手数料の不足（300円）")
    assert req.status == "returned" and req.returned_reason == "手数料の不足（300円）"
    with pytest.raises(ApplicationError) as e:
        postal.return_request(actor=clerk, reference=req.reference, version=req.version, reason="")
    assert e.value.field == "reason"


def test_official_requests_need_no_fee_and_the_policy_is_checked(clerk, household):
    req = postal.create_request(actor=clerk, data=letter(household[0], requester="official", fee_received=0,
                                                         requester_name="練馬税務署", purpose="滞納処分の調査"))
    assert postal.fee_due(req) == 0
    req = postal.check_request(actor=clerk, reference=req.reference, version=1)
    assert postal.issue_request(actor=clerk, reference=req.reference, version=2).issuances.get().fee == 0
    # 印鑑登録証明書 is not sent by post (the default policy); a proxy needs the letter of authority.
    seal = postal.create_request(actor=clerk, data=letter(household[0], kind="inkan"))
    with pytest.raises(ApplicationError) as e:
        postal.check_request(actor=clerk, reference=seal.reference, version=1)
    assert e.value.field == "kind"
    proxy = postal.create_request(actor=clerk, data=letter(household[0], requester="proxy"))
    with pytest.raises(ApplicationError) as e:
        postal.check_request(actor=clerk, reference=proxy.reference, version=1)
    assert e.value.field == "letter_of_authority"
    proxy = postal.check_request(actor=clerk, reference=proxy.reference, version=1, letter_of_authority=True)
    assert postal.issue_request(actor=clerk, reference=proxy.reference, version=2).status == "issued"
    unknown = postal.create_request(actor=clerk, data=letter())
    with pytest.raises(ApplicationError) as e:
        postal.check_request(actor=clerk, reference=unknown.reference, version=1)
    assert e.value.field == "subject"


def test_support_measure_stops_a_third_party_request(clerk, supervisor, household):
    _head, wife = household
    SupportMeasure.objects.create(resident=wife, starts_on=timezone.localdate() - timedelta(days=1),
                                  created_by=supervisor)
    req = postal.create_request(actor=clerk, data=letter(wife, requester="third_party", requester_name="債権 回収",
                                                         purpose="債権回収"))
    req = postal.check_request(actor=clerk, reference=req.reference, version=1)
    with pytest.raises(ApplicationError) as e:
        postal.issue_request(actor=clerk, reference=req.reference, version=req.version)
    assert "窓口にお問い合わせください" in str(e.value.message)
    req.refresh_from_db()
    assert req.status == "checked" and not Issuance.objects.exists()
    assert Alert.objects.get().channel == "postal"


def test_input_is_checked_when_entered(clerk):
    with pytest.raises(ApplicationError) as e:
        postal.create_request(actor=clerk, data=letter(copies=11))
    assert e.value.field == "copies"
    with pytest.raises(ApplicationError) as e:
        postal.create_request(actor=clerk, data=letter(received_on=timezone.localdate() + timedelta(days=1)))
    assert e.value.field == "received_on"
    with pytest.raises(ApplicationError) as e:
        postal.create_request(actor=clerk, data=letter(kind="passport"))
    assert e.value.field == "kind"
    assert postal.normalize_reference("ｐ２０２５－０００００１") == "P2025-000001"


# --- the desk's pages ----------------------------------------------------------------------------


def test_the_desk_enters_finds_and_moves_a_request(client_as, clerk, household):
    head, _ = household
    c = client_as(clerk)
    assert c.get(reverse("certificates:postal_new")).status_code == 200
    r = c.post(reverse("certificates:postal_new"), {"kind": "juminhyo", "copies": "1", "requester": "self",
                                                    "requester_name": "", "requester_address": "練馬区",
                                                    "fee_received": "300"})
    assert "field--error" in r.text and 'value="練馬区"' in r.text and not PostalRequest.objects.exists()
    r = c.post(reverse("certificates:postal_new"), {
        "kind": "juminhyo", "copies": "1", "requester": "self", "requester_name": "練馬 太郎",
        "requester_address": "東京都練馬区豊玉北6丁目12番1号", "id_copy": "運転免許証", "fee_received": "300"})
    req = PostalRequest.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("certificates:postal_detail", args=[req.reference])
    # The list and the lookup (full-width, lower case).
    r = c.get(reverse("certificates:postal"), {"status": "received"})
    assert req.reference in r.text
    assert req.reference not in c.get(reverse("certificates:postal"), {"status": "mailed"}).text
    r = c.get(reverse("certificates:postal"), {"reference": req.reference.lower()})
    assert r.status_code == 302
    # Find the person, then check, issue, mail.
    r = c.get(r["Location"], {"s-kana": "ネリマ"})
    assert "さんに決定" in r.text
    step = reverse("certificates:postal_step", args=[req.reference])
    c.post(step, {"action": "subject", "version": 1, "subject_id": head.pk})
    c.post(step, {"action": "check", "version": 2})
    c.post(step, {"action": "issue", "version": 3})
    req.refresh_from_db()
    assert req.status == "issued" and req.issuances.count() == 1
    r = c.get(reverse("certificates:postal_detail", args=[req.reference]))
    assert head.name in r.text and req.issuances.get().number in r.text
    assert AuditEvent.objects.filter(action="certificates.postal_open", subject_id=str(head.pk)).exists()
    # An illegal step from the page: refused, the typed reason kept.
    r = c.post(step, {"action": "return", "version": 4, "reason": "宛先不明"})
    assert r.status_code == 400 and "この操作はできません" in r.text
    c.post(step, {"action": "mail", "version": 4})
    req.refresh_from_db()
    assert req.status == "mailed"
    r = c.post(step, {"action": "mail", "version": 4})
    assert r.status_code == 409 and "他の職員が先に更新しました" in r.text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clerks_issuing_at_once_print_each_copy_once(clerk, household):
    """Two desks press "issue" on the same request at the same moment: each copy is issued once, one of them
    is told the request changed (the idempotency keys and the version column, in the database)."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions are tested on PostgreSQL")
    req = postal.create_request(actor=clerk, data=letter(household[0], copies=3, fee_received=900))
    req = postal.check_request(actor=clerk, reference=req.reference, version=1)
    barrier, outcomes = threading.Barrier(2), []

    def desk():
        try:
            barrier.wait()
            with translation.override("ja"):
                outcomes.append(postal.issue_request(actor=clerk, reference=req.reference, version=2).status)
        except ApplicationError as e:
            outcomes.append(e.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=desk) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(map(str, outcomes)) == ["conflict", "issued"]
    assert Issuance.objects.count() == 3
    req.refresh_from_db()
    assert req.status == "issued" and req.issuances.count() == 3 and req.version == 3


def test_the_list_does_not_query_per_row(client_as, clerk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = client_as(clerk)
    counts = []
    for n in (2, 12):
        while PostalRequest.objects.count() < n:
            postal.create_request(actor=clerk, data=letter())
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse("certificates:postal")).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_postal_request_for_the_whole_household_and_a_tax_year_by_proxy(clerk):
    """The letter's details reach the certificate: whole household, the year asked for, the 委任状 checked."""
    from kuyakusho.certificates.models import TaxRecord
    from kuyakusho.certificates.services import postal
    from kuyakusho.residents.tests.factories import HouseholdFactory, ResidentFactory

    household = HouseholdFactory()
    head = ResidentFactory(household=household, name="郵送　一郎")
    ResidentFactory(household=household, is_head=False, relationship="妻", name="郵送　花子")
    both = postal.create_request(actor=clerk, data=postal.PostalInput(
        kind="juminhyo", requester="proxy", requester_name="代理 人", requester_address="練馬区1-1",
        subject_id=head.pk, id_copy="drivers_license", fee_received=300, whole_household=True, source="online"))
    both = postal.check_request(actor=clerk, reference=both.reference, version=both.version,
                                letter_of_authority=True)
    assert both.letter_of_authority and both.source == "online"
    both = postal.issue_request(actor=clerk, reference=both.reference, version=both.version)
    text = "\n".join(pdf_text(bytes(i.pdf)) for i in both.issuances.all())
    assert "郵送　一郎" in text and "郵送　花子" in text
    TaxRecord.objects.create(resident=head, fiscal_year=2023, income=1, municipal_tax=10, prefectural_tax=5)
    tax = postal.create_request(actor=clerk, data=postal.PostalInput(
        kind="kazei", requester="self", requester_name="郵送　一郎", requester_address="練馬区1-1",
        subject_id=head.pk, id_copy="drivers_license", fee_received=300, fiscal_year=2023))
    tax = postal.check_request(actor=clerk, reference=tax.reference, version=tax.version)
    tax = postal.issue_request(actor=clerk, reference=tax.reference, version=tax.version)
    assert tax.issuances.get().fiscal_year == 2023


def test_a_desk_not_taking_postal_requests_says_so_before_the_letter_is_typed_in(client_as, clerk, household):
    from kuyakusho.certificates.models import Channel, ChannelPolicy

    head, _ = household
    c = client_as(clerk)
    assert "現在この方法では証明書を交付していません" not in c.get(reverse("certificates:postal_new")).text
    ChannelPolicy.objects.filter(channel=Channel.POSTAL).update(enabled=False)
    page = c.get(reverse("certificates:postal_new"))
    assert "現在この方法では証明書を交付していません" in page.text and 'name="requester_name"' in page.text
    # The letter is still recorded; the check refuses it with the same words (one rule: the channel's offer).
    req = postal.create_request(actor=clerk, data=letter(subject=head))
    with pytest.raises(ApplicationError) as refused:
        postal.check_request(actor=clerk, reference=req.reference, version=req.version)
    assert str(refused.value.message) == "現在この方法では証明書を交付していません。"
