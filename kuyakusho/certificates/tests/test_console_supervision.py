"""Supervision in the console: card locks, support measures, 本人通知 registrations and letters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from kuyakusho.audit.models import AuditEvent
from kuyakusho.certificates.models import Alert, Card, CardLock, Notice, NoticeRegistration, SupportMeasure
from kuyakusho.certificates.services import admin
from kuyakusho.certificates.services.cards import authenticate_card, issue_card
from kuyakusho.certificates.services.issuance import IssueRequest, issue
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.residents.tests.factories import family

from .conftest import OPEN

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _japanese():
    """Messages are asserted in Japanese, whatever language an earlier test left active in this thread."""
    with translation.override("ja"):
        yield


@pytest.fixture
def household():
    return family(2)


def lock(card: Card, channel: str = "kiosk") -> None:
    for _ in range(3):
        with pytest.raises(ApplicationError):
            authenticate_card(kind=card.kind, number=card.number, pin="0000", channel=channel)


def test_a_supervisor_unlocks_a_card_for_one_channel(client_as, supervisor, household):
    card = issue_card(actor=None, kind="resident_card", number="RC1234567", resident=household[0], pin="1234")
    lock(card, "kiosk")
    c = client_as(supervisor)
    r = c.get(reverse("certificates:cards"))
    assert "…4567" in r.text and household[0].name in r.text and "自動交付機" in r.text
    assert "暗証番号の誤りによるカードのロック" in c.get(reverse("certificates:alerts")).text
    r = c.post(reverse("certificates:card_unlock", args=[card.pk]), {"channel": "kiosk"})
    assert r.status_code == 302
    assert CardLock.objects.get(card=card, channel="kiosk").locked_at is None
    assert authenticate_card(kind=card.kind, number=card.number, pin="1234", channel="kiosk") == card
    assert AuditEvent.objects.get(action="certificates.card_unlock").actor == supervisor
    # Lookup by number, then stop a lost card.
    r = c.get(reverse("certificates:cards"), {"number": "RC1234567"})
    assert "使用停止にする" in r.text
    c.post(reverse("certificates:card_deactivate", args=[card.pk]))
    card.refresh_from_db()
    assert not card.active
    with pytest.raises(ApplicationError):
        authenticate_card(kind=card.kind, number=card.number, pin="1234", channel="kiosk")
    r = c.post(reverse("certificates:card_deactivate", args=[card.pk]), follow=True)
    assert "すでに使用停止" in r.text


def test_support_measures_start_and_end(client_as, supervisor, household):
    _head, wife = household
    c = client_as(supervisor)
    r = c.get(reverse("certificates:protections"), {"kana": "ネリマ ハナコ"})
    assert reverse("certificates:support_start", args=[wife.pk]) in r.text
    url = reverse("certificates:support_start", args=[wife.pk])
    r = c.post(url, {"starts_on": "令和7年4月1日", "ends_on": "令和7年3月1日"})
    assert "終了日は開始日より後" in r.text and 'value="令和7年4月1日"' in r.text
    r = c.post(url, {"starts_on": "令和7年4月1日", "note": "申出 第12号"})
    assert r.status_code == 302
    measure = SupportMeasure.objects.get(resident=wife)
    assert measure.created_by == supervisor and measure.note == "申出 第12号"
    assert AuditEvent.objects.get(action="certificates.support_measure_start").subject_id == str(wife.pk)
    r = c.post(url, {"starts_on": "令和7年5月1日"})
    assert "期間の重なる支援措置" in r.text
    r = c.get(reverse("certificates:protections"))
    assert "練馬 花子" in r.text and "令和7年4月1日" in r.text
    today = timezone.localdate()
    c.post(reverse("certificates:support_end", args=[measure.pk]), {"ends_on": today.isoformat()})
    measure.refresh_from_db()
    assert measure.ends_on == today
    with pytest.raises(ApplicationError) as e:
        admin.end_support_measure(actor=supervisor, measure_id=measure.pk, ends_on=date_before(measure.starts_on))
    assert e.value.field == "ends_on"


def date_before(d):
    return d - timedelta(days=1)


def test_notice_registration_and_letters(client_as, supervisor, clerk, household):
    head, _ = household
    c = client_as(supervisor)
    url = reverse("certificates:notice_register", args=[head.pk])
    r = c.get(url)
    assert head.household.address in r.text
    r = c.post(url, {"mailing_address": "東京都練馬区豊玉北6丁目12番1号"})
    assert r.status_code == 302
    registration = NoticeRegistration.objects.get(resident=head)
    assert registration.active
    r = c.post(url, {"mailing_address": "別の住所"})
    assert "すでに本人通知に登録" in r.text
    # A proxy's certificate writes a letter; the supervisor reads and marks it sent.
    issue(IssueRequest(channel="counter", kind="juminhyo", subject_id=head.pk, identity_document="運転免許証",
                       requester="proxy", requester_name="代理 人", letter_of_authority=True), actor=clerk, now=OPEN)
    notice = Notice.objects.get()
    r = c.get(reverse("certificates:protections"))
    assert reverse("certificates:notice_letter", args=[notice.pk]) in r.text
    r = c.get(reverse("certificates:notice_letter", args=[notice.pk]))
    assert "本人通知制度に基づき" in r.text
    c.post(reverse("certificates:notice_sent", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.sent_at is not None
    with pytest.raises(ApplicationError) as e:
        admin.mark_notice_sent(actor=supervisor, notice_id=notice.pk)
    assert e.value.code == ErrorCode.CONFLICT
    c.post(reverse("certificates:notice_end", args=[registration.pk]))
    registration.refresh_from_db()
    assert not registration.active
    # Registering again re-activates the same registration.
    c.post(url, {"mailing_address": "東京都練馬区豊玉北6丁目12番1号"})
    registration.refresh_from_db()
    assert registration.active and NoticeRegistration.objects.count() == 1


def test_acknowledging_twice_is_refused(supervisor, household):
    card = issue_card(actor=None, kind="resident_card", number="RC0001", resident=household[0], pin="1234")
    lock(card)
    alert = Alert.objects.get()
    admin.acknowledge_alert(actor=supervisor, alert_id=alert.pk)
    with pytest.raises(ApplicationError) as e:
        admin.acknowledge_alert(actor=supervisor, alert_id=alert.pk)
    assert e.value.code == ErrorCode.CONFLICT
