"""Online certificate requests on My page: choose, sign through the identity provider's 署名 flow, pay on the
sandbox's hosted page, follow 受付 → 交付済 → 発送済; the postal desk's list and steps; notices and e-mail."""

from __future__ import annotations

import pytest
from django.core import mail

from kuyakusho.audit.models import AuditEvent
from kuyakusho.certificates.models import Issuance, OnlineRequest, OnlineStatus
from kuyakusho.identity.models import PortalAccount, ResidentLink
from kuyakusho.identity.tests.conftest import at_provider, card_flow, card_for, local
from kuyakusho.payments.models import Bill
from kuyakusho.payments.tests.conftest import deliveries  # noqa: F401 (fixture)
from kuyakusho.portal.models import PortalNotice
from kuyakusho.residents.models import Household
from kuyakusho.residents.tests.factories import HouseholdFactory, ResidentFactory, family

pytestmark = pytest.mark.django_db
S = OnlineStatus


@pytest.fixture
def household(db):
    return family(3)


@pytest.fixture
def wife(household):
    return household[1]


@pytest.fixture
def signed_in(browser_client, provider, wife):
    card_for(wife, "MN93000001")
    assert card_flow(browser_client, "MN93000001").status_code == 302
    assert card_flow(browser_client, "MN93000001", start="/identity/link/start").status_code == 302
    assert ResidentLink.objects.filter(resident=wife).exists()
    PortalAccount.objects.filter(link__resident=wife).update(notify_email="hanako@example.jp")
    return browser_client


def _ask(client, subject, **data):
    r = client.post("/mypage/requests/new", {"kind": "juminhyo", "subject": subject.pk, "copies": 1, **data})
    assert r.status_code == 302, r.content.decode()[:2000]
    return OnlineRequest.objects.order_by("-pk").first(), r["Location"]


def _sign(client, req, number="MN93000001", pin="1234"):
    r = client.post(f"/mypage/requests/{req.reference}/sign")
    assert r.status_code == 302
    assert "sign" in r["Location"] and "prompt=login" in r["Location"]
    answer = at_provider(client, local(r["Location"]), number, pin)
    assert answer.status_code == 302, answer.content.decode()[:1500]
    return client.get(local(answer["Location"]))


def _pay(client, req, django_capture_on_commit_callbacks, card="4242 4242 4242 4242"):
    r = client.post(f"/mypage/requests/{req.reference}/pay")
    assert r.status_code == 302 and "/payments/sandbox/checkout/" in r["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(local(r["Location"]) if r["Location"].startswith("http") else r["Location"],
                           {"card_number": card, "expiry": "12/30", "cvc": "123"})


def test_the_form_offers_what_the_channel_takes_and_her_household(signed_in, household):
    body = signed_in.get("/mypage/requests/new").content.decode()
    assert "住民票の写し（1通300円）" in body and "課税証明書" in body
    assert 'value="inkan"' not in body and 'value="my_number"' not in body
    for person in household:
        assert f'value="{person.pk}"' in body


def test_request_sign_pay_issue_mail_from_my_page_to_the_desk(signed_in, wife, clerk, deliveries,  # noqa: F811
                                                              django_capture_on_commit_callbacks):
    req, location = _ask(signed_in, wife, options=["head"])
    assert req.status == S.SIGNING and location == f"/mypage/requests/{req.reference}/"
    assert "マイナンバーカードで署名する" in signed_in.get(location).content.decode()

    back = _sign(signed_in, req)
    assert back.status_code == 302 and back["Location"] == location
    req.refresh_from_db()
    assert req.status == S.PAYMENT and req.signature["name"] == wife.name
    assert AuditEvent.objects.filter(action="certificates.online_sign", actor_label__startswith="portal:").exists()

    paid = _pay(signed_in, req, django_capture_on_commit_callbacks)
    assert paid.status_code == 302 and paid["Location"].endswith(location)
    req.refresh_from_db()
    assert req.status == S.RECEIVED and Bill.objects.get(pk=req.bill_id).status == "paid"
    page = signed_in.get(location).content.decode()
    assert "申請を受け付けました" in page and 'aria-current="step"' in page

    # The postal desk: the list shows it as an online request; the detail, the verified signature.
    desk = signed_in.__class__(SERVER_NAME="localhost")
    desk.force_login(clerk)
    listing = desk.get("/console/certificates/postal/").content.decode()
    assert req.reference in listing and "署名検証済" in listing and wife.name not in listing
    detail = desk.get(f"/console/certificates/online/{req.reference}/")
    assert detail.status_code == 200 and "署名用電子証明書で署名済み・検証済み" in detail.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = desk.post(f"/console/certificates/online/{req.reference}/step/", {"action": "issue",
                                                                               "version": req.version + 1})
    assert r.status_code == 409  # a stale screen
    with django_capture_on_commit_callbacks(execute=True):
        r = desk.post(f"/console/certificates/online/{req.reference}/step/", {"action": "issue",
                                                                               "version": req.version})
    assert r.status_code == 302
    req.refresh_from_db()
    assert req.status == S.ISSUED and Issuance.objects.get().channel == "online"
    assert "交付済" in signed_in.get(location).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(f"/console/certificates/online/{req.reference}/step/", {"action": "mail", "version": req.version})
    req.refresh_from_db()
    assert req.status == S.MAILED
    assert "発送済" in signed_in.get("/mypage/requests/").content.decode()
    home = signed_in.get("/mypage/").content.decode()
    assert req.reference in home and "発送済" in home
    # Her record was opened at the desk: she sees it; and her certificates page lists the online issuance.
    assert AuditEvent.objects.filter(action="certificates.online_open", subject_id=str(wife.pk)).exists()
    assert "オンライン申請" in signed_in.get("/mypage/certificates").content.decode()

    titles = list(PortalNotice.objects.order_by("pk").values_list("title", flat=True))
    assert titles == ["オンライン申請を受け付けました", "証明書を交付しました", "証明書を発送しました"]
    assert [m.subject for m in mail.outbox] == titles and mail.outbox[0].to == ["hanako@example.jp"]


def test_a_refusal_refunds_and_tells_her_neutrally(signed_in, wife, clerk, deliveries,  # noqa: F811
                                                 django_capture_on_commit_callbacks):
    req, location = _ask(signed_in, wife)
    _sign(signed_in, req)
    _pay(signed_in, req, django_capture_on_commit_callbacks)
    req.refresh_from_db()
    Household.objects.filter(pk=wife.household_id).update(banchi="77")
    desk = signed_in.__class__(SERVER_NAME="localhost")
    desk.force_login(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        r = desk.post(f"/console/certificates/online/{req.reference}/step/", {"action": "issue",
                                                                               "version": req.version})
    assert r.status_code == 302
    assert "返金" in desk.get(r["Location"]).content.decode()
    req.refresh_from_db()
    assert req.status == S.REFUSED and Bill.objects.get(pk=req.bill_id).status == "refunded"
    notice = PortalNotice.objects.order_by("-pk").first()
    assert notice.title == "オンライン申請の証明書を交付できませんでした" and "返金" in notice.body
    assert "住所" not in notice.body  # neutral: not why
    assert "返金しました" in signed_in.get(location).content.decode()


def test_a_form_for_another_households_member_is_refused(signed_in, wife):
    stranger = ResidentFactory(household=HouseholdFactory())
    r = signed_in.post("/mypage/requests/new", {"kind": "juminhyo", "subject": stranger.pk, "copies": 1})
    assert r.status_code == 400 and not OnlineRequest.objects.exists()


def test_another_accounts_request_is_not_found(signed_in, wife, household, browser_client):
    req, location = _ask(signed_in, wife)
    other = browser_client.__class__(SERVER_NAME="localhost")
    card_for(household[0], "MN93000002")
    card_flow(other, "MN93000002")
    card_flow(other, "MN93000002", start="/identity/link/start")
    assert other.get(location).status_code == 404
    assert other.post(f"/mypage/requests/{req.reference}/sign").status_code == 404
    assert other.post(f"/mypage/requests/{req.reference}/pay").status_code == 409
    req.refresh_from_db()
    assert req.status == S.SIGNING


def test_signing_with_another_card_is_refused(signed_in, wife, household):
    req, _location = _ask(signed_in, wife)
    card_for(household[0], "MN93000003")
    r = _sign(signed_in, req, number="MN93000003")
    assert r.status_code == 400
    req.refresh_from_db()
    assert req.status == S.SIGNING and not Bill.objects.exists()


def test_pages_need_a_resident_session(client):
    assert client.get("/mypage/requests/").status_code == 302
    assert client.post("/mypage/requests/W2025-000001/sign").status_code == 302


def test_the_pages_in_english(signed_in, wife, clerk, deliveries,  # noqa: F811
                              django_capture_on_commit_callbacks):
    from kuyakusho.core.tests.test_english import English

    check = English()
    check(signed_in, "/mypage/requests/")
    check(signed_in, "/mypage/requests/new")
    req, location = _ask(signed_in, wife, options=["head"])
    check(signed_in, location)
    _sign(signed_in, req)
    check(signed_in, location)
    _pay(signed_in, req, django_capture_on_commit_callbacks)
    check(signed_in, location)
    desk = signed_in.__class__(SERVER_NAME="localhost")
    desk.force_login(clerk)
    check(desk, "/console/certificates/postal/")
    check(desk, f"/console/certificates/online/{req.reference}/")
    check.done(7)
