"""A supervisor's action button in a real browser (POST → service → message → redirect), and the postal desk
that says before a letter is typed in that postal requests are not being taken."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kuyakusho.certificates.models import Alert, AlertKind, Channel, ChannelPolicy
from kuyakusho.residents.tests.factories import ResidentFactory

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


def test_acknowledging_an_alert_says_so_on_the_list(page, supervisor, shot):
    resident = ResidentFactory()
    Alert.objects.create(kind=AlertKind.SUPPORT_MEASURE, resident=resident, channel=Channel.KIOSK,
                         detail={"requester": "household", "terminal": "kiosk-nerima"})
    page.goto("/console/certificates/alerts/")
    log_in(page, "supervisor")
    expect(page.get_by_role("heading", name="警告")).to_be_visible()
    page.get_by_role("button", name="確認済みにする").click()
    expect(page.get_by_role("status")).to_contain_text("警告を確認済みにしました。")
    expect(page.get_by_role("button", name="確認済みにする")).to_have_count(0)
    assert Alert.objects.get().acknowledged_by == supervisor
    shot(page, "certificates-alert-acknowledged")


def test_the_postal_desk_says_it_is_closed_before_the_letter_is_typed_in(page, clerk, shot):
    ChannelPolicy.objects.filter(channel=Channel.POSTAL).update(enabled=False)
    page.goto("/console/certificates/postal/new/")
    log_in(page, "clerk")
    expect(page.get_by_role("heading", name="郵送請求の入力")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("現在この方法では証明書を交付していません。")
    expect(page.get_by_label("請求者の氏名")).to_be_visible()
    shot(page, "certificates-postal-closed")
