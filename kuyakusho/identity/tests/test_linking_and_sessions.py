"""Linking to the register (0 / 1 / 2 matches), card-less accounts, and residents' sessions kept apart from
the staff's (cookie, idle timeout, re-authentication with the card)."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP

from kuyakusho.audit.models import AuditEvent
from kuyakusho.identity.models import PortalAccount, ResidentLink, ResidentSession
from kuyakusho.residents.models import Resident
from kuyakusho.residents.tests.factories import HouseholdFactory, ResidentFactory

from .conftest import card_flow, card_for

pytestmark = pytest.mark.django_db


def signed_in(client, number):
    r = card_flow(client, number)
    assert r.status_code == 302, r.content.decode()[:300]
    return r


def test_link_matches_exactly_one_resident_with_folding(browser_client, provider):
    # The register holds 髙橋 with the variant kanji; a near namesake at another address does not match.
    resident = ResidentFactory(name="髙橋 美咲", name_kana="タカハシ ミサキ", sex="female",
                               birth_date=dt.date(1990, 2, 3))
    ResidentFactory(name="高橋 美咲", name_kana="タカハシ ミサキ", sex="female", birth_date=dt.date(1990, 2, 3))
    card_for(resident, "MN92000001")
    signed_in(browser_client, "MN92000001")
    r = card_flow(browser_client, "MN92000001", start="/identity/link/start")
    assert r.status_code == 302 and r["Location"] == "/mypage/"
    link = ResidentLink.objects.get()
    assert link.resident == resident
    event = AuditEvent.objects.get(action="identity.link")
    assert event.subject_id == str(resident.pk) and event.channel == "portal"


def test_link_with_no_current_resident_sends_to_the_counter(browser_client, provider):
    resident = ResidentFactory()
    card_for(resident, "MN92000002")
    signed_in(browser_client, "MN92000002")
    Resident.objects.filter(pk=resident.pk).update(status="removed", removed_on=dt.date(2020, 1, 1),
                                                    removal_reason="move_out")
    r = card_flow(browser_client, "MN92000002", start="/identity/link/start")
    assert r.status_code == 409
    body = r.content.decode()
    assert "一致する住民記録が見つかりませんでした" in body and "窓口" in body
    assert not ResidentLink.objects.exists()
    assert AuditEvent.objects.filter(action="identity.link_no_match").exists()


def test_link_with_two_matching_residents_is_never_a_guess(browser_client, provider):
    household = HouseholdFactory(town="豊玉北", chome=6, banchi="12", go="1")
    first = ResidentFactory(household=household, name="練馬 花子", sex="female", birth_date=dt.date(2001, 1, 1))
    ResidentFactory(household=HouseholdFactory(town="豊玉北", chome=6, banchi="12", go="1"),
                    name="練馬　花子", sex="female", birth_date=dt.date(2001, 1, 1))
    card_for(first, "MN92000003")
    signed_in(browser_client, "MN92000003")
    r = card_flow(browser_client, "MN92000003", start="/identity/link/start")
    assert r.status_code == 409 and "一つに特定できませんでした" in r.content.decode()
    assert not ResidentLink.objects.exists()
    assert AuditEvent.objects.filter(action="identity.link_ambiguous").exists()


def test_link_with_another_card_than_the_session_is_refused(browser_client, provider):
    a, b = ResidentFactory(), ResidentFactory()
    card_for(a, "MN92000004")
    card_for(b, "MN92000005")
    signed_in(browser_client, "MN92000004")
    r = card_flow(browser_client, "MN92000005", start="/identity/link/start")
    assert r.status_code == 400 and "別のカード" in r.content.decode()
    assert not ResidentLink.objects.exists()


@pytest.fixture
def linked(browser_client, provider):
    resident = ResidentFactory(name="練馬 桜", sex="female")
    card_for(resident, "MN93000001")
    signed_in(browser_client, "MN93000001")
    card_flow(browser_client, "MN93000001", start="/identity/link/start")
    assert ResidentLink.objects.filter(resident=resident).exists()
    return resident


def test_staff_session_does_not_open_my_page_and_resident_session_does_not_open_the_console(
        client, clerk, browser_client, linked):
    client.force_login(clerk)
    r = client.get("/mypage/")
    assert r.status_code == 302 and r["Location"].startswith("/identity/sign-in")
    # The staff's session cookie under the resident cookie's name opens nothing either.
    staff_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    other = Client()
    other.cookies[settings.RESIDENT_SESSION_COOKIE_NAME] = staff_cookie
    assert other.get("/mypage/").status_code == 302

    assert browser_client.get("/mypage/").status_code == 200
    r = browser_client.get("/console/")
    assert r.status_code == 302 and "/login" in r["Location"]
    assert settings.SESSION_COOKIE_NAME not in browser_client.cookies or not browser_client.cookies[
        settings.SESSION_COOKIE_NAME].value
    assert settings.RESIDENT_SESSION_COOKIE_NAME != settings.SESSION_COOKIE_NAME
    assert settings.RESIDENT_SESSION_AGE < settings.SESSION_COOKIE_AGE


def test_idle_timeout_ends_the_session(browser_client, linked):
    idle = timedelta(seconds=settings.RESIDENT_SESSION_IDLE)
    # Within the idle limit the session lives on (and the request moves its clock).
    ResidentSession.objects.update(last_seen_at=timezone.now() - idle + timedelta(seconds=20))
    assert browser_client.get("/mypage/").status_code == 200
    assert timezone.now() - ResidentSession.objects.get().last_seen_at < timedelta(seconds=5)
    ResidentSession.objects.update(last_seen_at=timezone.now() - idle - timedelta(seconds=1))
    r = browser_client.get("/mypage/")
    assert r.status_code == 302 and r["Location"].startswith("/identity/sign-in")
    assert ResidentSession.objects.get().ended_at is not None
    assert browser_client.get("/mypage/").status_code == 302


def test_absolute_lifetime_and_sign_out(browser_client, linked):
    assert browser_client.get("/mypage/").status_code == 200
    browser_client.post("/identity/sign-out")
    assert browser_client.get("/mypage/").status_code == 302
    assert ResidentSession.objects.get().ended_at is not None


def test_absolute_lifetime(browser_client, linked):
    ResidentSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert browser_client.get("/mypage/").status_code == 302


def test_full_record_asks_for_the_card_again(browser_client, provider, linked):
    assert browser_client.get("/mypage/record").status_code == 200  # just signed in with the card
    stale = timezone.now() - timedelta(seconds=settings.RESIDENT_REAUTH_AGE + 1)
    ResidentSession.objects.update(card_verified_at=stale)
    r = browser_client.get("/mypage/record")
    assert r.status_code == 302 and r["Location"].startswith("/identity/reauth")
    r = card_flow(browser_client, "MN93000001", start="/identity/reauth/start")
    assert r.status_code == 302
    assert browser_client.get("/mypage/record").status_code == 200
    assert AuditEvent.objects.filter(action="identity.reauth").exists()


def test_account_without_card_email_password_and_totp(browser_client, provider):
    r = browser_client.post("/identity/register", {"email": "guest@example.jp", "password": "短い"})
    assert r.status_code == 400
    r = browser_client.post("/identity/register", {"email": "guest@example.jp",
                                                   "password": "a long enough passphrase 42"})
    assert r.status_code == 302
    account = PortalAccount.objects.get(kind="email")
    assert browser_client.get("/identity/register/authenticator").status_code == 200
    assert browser_client.post("/identity/register/authenticator", {"code": "000000"}).status_code in (200, 400)
    totp = TOTP(bytes.fromhex(account.totp_key))
    r = browser_client.post("/identity/register/authenticator", {"code": f"{totp.token():06d}"})
    assert r.status_code == 302 and r["Location"] == "/mypage/"
    page = browser_client.get("/mypage/").content.decode()
    assert "住民記録は表示されません" in page
    assert browser_client.get("/mypage/record").status_code == 302  # never register data
    browser_client.post("/identity/sign-out")
    # The same code is not accepted twice.
    r = browser_client.post("/identity/email", {"email": "guest@example.jp",
                                                "password": "a long enough passphrase 42",
                                                "code": f"{totp.token():06d}"})
    assert r.status_code == 400
    assert AuditEvent.objects.filter(action="identity.email_sign_in_refused").exists()
