"""My page: the resident's own record (her read audited as such), who looked at it (a clerk's read with its
purpose, without the clerk's name), questions reaching the auditors, certificates and notices, support measures."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail
from django.utils import timezone

from kuyakusho.audit.context import audit_context
from kuyakusho.audit.models import AuditEvent
from kuyakusho.audit.services import record_reads
from kuyakusho.certificates.models import SupportMeasure
from kuyakusho.identity.models import ResidentLink
from kuyakusho.identity.tests.conftest import card_flow, card_for
from kuyakusho.portal.models import AccessInquiry
from kuyakusho.residents.tests.factories import family

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(db):
    return family(3)


@pytest.fixture
def wife(household):
    return household[1]


@pytest.fixture
def signed_in(browser_client, provider, wife):
    card_for(wife, "MN94000001")
    assert card_flow(browser_client, "MN94000001").status_code == 302
    assert card_flow(browser_client, "MN94000001", start="/identity/link/start").status_code == 302
    assert ResidentLink.objects.filter(resident=wife).exists()
    return browser_client


def clerk_opens(client, clerk, resident, purpose="certificate"):
    client.force_login(clerk)
    url = f"/console/residents/{resident.pk}/"
    r = client.post(url, {"_ask_purpose": "1", "purpose": purpose})
    assert r.status_code == 302, r.content[:300]
    assert client.get(r["Location"]).status_code == 200


def test_own_record_read_is_recorded_as_her_own(signed_in, wife, household):
    r = signed_in.get("/mypage/record")
    body = r.content.decode()
    assert wife.name in body and household[0].name in body
    event = AuditEvent.objects.filter(action="portal.own_record_full").get()
    assert event.subject_id == str(wife.pk) and event.channel == "portal" and event.purpose == "self"
    assert event.actor_id is None and event.actor_label.startswith("portal:")


def test_access_log_shows_the_clerks_read_with_purpose_and_without_the_name(signed_in, client, make_staff, wife):
    from kuyakusho.accounts.capabilities import Role

    clerk = make_staff(Role.CLERK, "clerk-suzuki")
    clerk.display_name = "鈴木 一郎"
    clerk.save(update_fields=["display_name"])
    clerk_opens(client, clerk, wife, "certificate")
    body = signed_in.get("/mypage/access").content.decode()
    assert "証明書交付" in body and "区役所の業務端末" in body and "窓口職員" in body
    assert "鈴木" not in body and "clerk-suzuki" not in body
    assert "この閲覧について問い合わせる" in body


def test_staff_names_only_where_the_ward_says_so(signed_in, client, make_staff, wife, settings):
    from kuyakusho.accounts.capabilities import Role

    clerk = make_staff(Role.CLERK, "clerk-sato")
    clerk.display_name = "佐藤 次郎"
    clerk.save(update_fields=["display_name"])
    clerk_opens(client, clerk, wife)
    settings.PORTAL_SHOW_STAFF_NAMES = True
    assert "佐藤 次郎" in signed_in.get("/mypage/access").content.decode()


def test_access_log_is_paged(signed_in, wife, django_assert_max_num_queries):
    with audit_context(channel="console", via="residents:record"):
        for _ in range(3):
            record_reads(actor=None, action="residents.open", subject_ids=[wife.pk] * 1, purpose="consultation")
        for _i in range(45):
            record_reads(actor=None, action="residents.open", subject_ids=[wife.pk], purpose="inquiry")
    first = signed_in.get("/mypage/access").content.decode()
    assert "1 / 3" in first or "1 / 4" in first
    with django_assert_max_num_queries(12):
        r = signed_in.get("/mypage/access?page=3")
    assert r.status_code == 200
    assert signed_in.get("/mypage/access?page=999").status_code == 200


def test_question_about_an_access_reaches_the_auditor(signed_in, client, clerk, auditor, wife):
    clerk_opens(client, clerk, wife, "consultation")
    read = AuditEvent.objects.filter(action="residents.open", subject_id=str(wife.pk)).order_by("-seq").first()
    r = signed_in.post(f"/mypage/access/{read.seq}/inquiry", {"question": "心当たりがありません。"})
    assert r.status_code == 302
    inquiry = AccessInquiry.objects.get()
    assert AuditEvent.objects.filter(action="portal.access_inquiry", subject_id=str(wife.pk)).exists()
    # Asked once per access.
    assert signed_in.post(f"/mypage/access/{read.seq}/inquiry", {"question": ""}).status_code == 400
    # Not an event about someone else.
    other = AuditEvent.objects.exclude(subject_id=str(wife.pk)).exclude(subject_id="").first()
    if other is not None:
        assert signed_in.post(f"/mypage/access/{other.seq}/inquiry", {}).status_code == 400

    client.force_login(clerk)
    assert client.get("/console/portal/inquiries").status_code == 403
    client.force_login(auditor)
    page = client.get("/console/portal/inquiries").content.decode()
    assert f"#{read.seq}" in page
    r = client.post(f"/console/portal/inquiries/{inquiry.pk}", {"answer": "窓口相談のための閲覧でした。"})
    assert r.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == "answered" and inquiry.answered_by == auditor
    assert AuditEvent.objects.filter(action="portal.access_inquiry_answer").exists()
    answers = signed_in.get("/mypage/inquiries").content.decode()
    assert "窓口相談のための閲覧でした。" in answers
    assert "閲覧についてのお問い合わせへの回答" in signed_in.get("/mypage/notices").content.decode()


def test_answer_is_mailed_when_she_gave_an_address(signed_in, client, clerk, auditor, wife,
                                                   django_capture_on_commit_callbacks):
    assert signed_in.post("/mypage/notices/email", {"email": "not-an-address"}).status_code == 400
    assert signed_in.post("/mypage/notices/email", {"email": "sakura@example.jp"}).status_code == 302
    clerk_opens(client, clerk, wife)
    read = AuditEvent.objects.filter(action="residents.open", subject_id=str(wife.pk)).first()
    signed_in.post(f"/mypage/access/{read.seq}/inquiry", {"question": ""})
    client.force_login(auditor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/console/portal/inquiries/{AccessInquiry.objects.get().pk}", {"answer": "確認しました。"})
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sakura@example.jp"]


def test_support_measure_she_sees_herself_others_do_not_see_her(browser_client, provider, household, administrator):
    head, wife = household[0], household[1]
    SupportMeasure.objects.create(resident=wife, starts_on=dt.date(2020, 1, 1), created_by=administrator)
    card_for(head, "MN94000002")
    card_for(wife, "MN94000003")
    card_flow(browser_client, "MN94000002")
    card_flow(browser_client, "MN94000002", start="/identity/link/start")
    page = browser_client.get("/mypage/record").content.decode()
    assert head.name in page and wife.name not in page
    download = json.loads(browser_client.get("/mypage/download.json").content)
    assert wife.name not in json.dumps(download, ensure_ascii=False)
    browser_client.post("/identity/sign-out")
    card_flow(browser_client, "MN94000003")
    card_flow(browser_client, "MN94000003", start="/identity/link/start")
    page = browser_client.get("/mypage/record").content.decode()
    assert wife.name in page and head.name in page


def test_download_of_my_data(signed_in, wife):
    r = signed_in.get("/mypage/download.json")
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    data = json.loads(r.content)
    assert data["resident"]["name"] == wife.name
    assert any(e["purpose"] for e in data["access_log"])  # her own read is there
    assert AuditEvent.objects.filter(action="portal.own_record_full", subject_id=str(wife.pk)).exists()


def test_certificates_about_her(signed_in, wife):
    from kuyakusho.certificates.models import Issuance

    Issuance.objects.create(kind="juminhyo", channel="counter", subject=wife, requester="third_party",
                            requester_name="某 法律事務所", fee=300, issued_at=timezone.now(), number="R7-000001",
                            verification_code="TESTCODE0001", request_fingerprint="x", pdf_sha256="0" * 64)
    body = signed_in.get("/mypage/certificates").content.decode()
    assert "窓口" in body and "某 法律事務所" not in body


def test_my_page_needs_a_resident_session(client):
    for path in ("/mypage/", "/mypage/record", "/mypage/access", "/mypage/download.json", "/mypage/notices"):
        r = client.get(path)
        assert r.status_code == 302 and r["Location"].startswith("/identity/sign-in")


def test_download_as_pdf(signed_in, wife):
    from io import BytesIO

    from pypdf import PdfReader

    r = signed_in.get("/mypage/download.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(r.content)).pages)
    assert "住民票の記載事項" in text and "わたしの記録を見た人" in text
    assert wife.name.replace(" ", "") in text.replace(" ", "").replace("\u3000", "")
