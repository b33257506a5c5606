from __future__ import annotations

import pytest
from django.conf import settings

from kuyakusho.audit.models import AuditEvent
from kuyakusho.identity.models import PortalAccount, ResidentLink, ResidentSession
from kuyakusho.residents.tests.factories import ResidentFactory

from .conftest import card_flow

pytestmark = pytest.mark.django_db


def test_card_sign_in_links_and_opens_my_page(browser_client, provider):
    resident = ResidentFactory(name="練馬 花子", sex="female")
    from .conftest import card_for
    card_for(resident, "MN90000001")

    r = card_flow(browser_client, "MN90000001")
    assert r.status_code == 302 and r["Location"] == "/identity/link"
    assert settings.RESIDENT_SESSION_COOKIE_NAME in r.cookies
    account = PortalAccount.objects.get()
    assert account.kind == "card" and len(account.subject) == 64

    r = card_flow(browser_client, "MN90000001", start="/identity/link/start")
    assert r.status_code == 302, r.content.decode()[:2000]
    assert ResidentLink.objects.get().resident == resident
    assert AuditEvent.objects.filter(action="identity.link", subject_id=str(resident.pk)).exists()
    r = browser_client.get("/mypage/")
    assert r.status_code == 200
    assert ResidentSession.objects.count() == 1
