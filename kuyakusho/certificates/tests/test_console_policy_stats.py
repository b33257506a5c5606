"""Policy administration (its effects on issuance) and issuance statistics (numbers, CSV, one query)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import translation

from kuyakusho.audit.models import AuditEvent
from kuyakusho.certificates.models import Channel, ChannelPolicy
from kuyakusho.certificates.selectors import issuance_stats
from kuyakusho.certificates.services import admin
from kuyakusho.certificates.services.admin import revoke_issuance
from kuyakusho.certificates.services.issuance import IssueRequest, issue
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.offices.models import Office
from kuyakusho.residents.tests.factories import ResidentFactory

from .conftest import OPEN, TOKYO

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _japanese():
    """Messages are asserted in Japanese, whatever language an earlier test left active in this thread."""
    with translation.override("ja"):
        yield


def form_data(policy: ChannelPolicy, **changes) -> dict:
    data = {"enabled": "on" if policy.enabled else "", "schedule": policy.schedule_id or "",
            "identity": policy.identity, "kinds": policy.kinds, "options": policy.options,
            "requesters": policy.requesters, "updated_at": policy.updated_at.isoformat()}
    data.update({f"fee_{k}": v for k, v in policy.fees.items()})
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_an_administrator_changes_a_fee_and_the_counter_charges_it(client_as, administrator, clerk):
    c = client_as(administrator)
    r = c.get(reverse("certificates:policies"))
    assert "コンビニ交付" in r.text and "200円" in r.text
    policy = ChannelPolicy.objects.get(channel=Channel.COUNTER)
    r = c.get(reverse("certificates:policy_edit", args=["counter"]))
    assert 'name="fee_juminhyo"' in r.text and "マイナンバーカード＋暗証番号" not in r.text
    r = c.post(reverse("certificates:policy_edit", args=["counter"]), form_data(policy, fee_juminhyo=350))
    assert r.status_code == 302
    event = AuditEvent.objects.get(action="certificates.policy_update")
    assert event.actor == administrator and event.changes["fees"][0]["juminhyo"] == 300
    assert event.changes["fees"][1]["juminhyo"] == 350
    person = ResidentFactory()
    done = issue(IssueRequest(channel="counter", kind="juminhyo", subject_id=person.pk,
                              identity_document="運転免許証"), actor=clerk, now=OPEN)
    assert done.fee == 350


def test_policy_refusals_keep_the_input(client_as, administrator):
    c = client_as(administrator)
    konbini = ChannelPolicy.objects.get(channel=Channel.KONBINI)
    url = reverse("certificates:policy_edit", args=["konbini"])
    r = c.post(url, form_data(konbini, requesters=["self", "proxy"]))
    assert "本人と同一世帯の方の請求だけ" in r.text
    r = c.post(url, form_data(konbini, fee_juminhyo=-5))
    assert "field--error" in r.text
    r = c.post(url, form_data(konbini, kinds=[*konbini.kinds, "nozei"]))
    assert "手数料は0円から" in r.text  # a new type needs its fee
    stale = form_data(konbini, fee_juminhyo=250)
    c.post(url, form_data(konbini, enabled=""))
    r = c.post(url, stale)
    assert "他の管理者が先に変更しました" in r.text
    konbini.refresh_from_db()
    assert not konbini.enabled and konbini.fees["juminhyo"] == 200
    assert c.get(reverse("certificates:policy_edit", args=["nowhere"])).status_code == 404


def test_a_disabled_channel_refuses_and_an_allowed_option_is_printed(administrator, clerk):
    person = ResidentFactory()
    policy = ChannelPolicy.objects.get(channel=Channel.COUNTER)
    admin.update_policy(actor=administrator, channel="counter", seen_updated_at=policy.updated_at,
                        data=admin.PolicyInput(enabled=False, schedule_id=policy.schedule_id, identity="photo_id",
                                               kinds=tuple(policy.kinds), options=tuple(policy.options),
                                               requesters=tuple(policy.requesters), fees=policy.fees))
    with pytest.raises(ApplicationError) as e:
        issue(IssueRequest(channel="counter", kind="juminhyo", subject_id=person.pk, identity_document="旅券"),
              actor=clerk, now=OPEN)
    assert "交付していません" in str(e.value.message)
    with pytest.raises(ApplicationError) as e:
        admin.update_policy(actor=administrator, channel="kiosk", seen_updated_at=None, data=admin.PolicyInput(
            enabled=True, schedule_id=None, identity="photo_id", kinds=("juminhyo",), options=(),
            requesters=("self",), fees={"juminhyo": 300}))
    assert e.value.field == "identity"


# --- statistics ----------------------------------------------------------------------------------


@pytest.fixture
def issued(clerk):
    """Six certificates: two offices, three channels, two months; one revoked; one official (free)."""
    nerima = Office.objects.create(code="nerima", name_ja="練馬区民事務所", name_en="Nerima")
    hikari = Office.objects.create(code="hikarigaoka", name_ja="光が丘区民事務所", name_en="Hikarigaoka")
    people = [ResidentFactory() for _ in range(3)]
    may = datetime(2025, 5, 14, 10, 0, tzinfo=TOKYO)

    def counter(person, office, when, **kw):
        return issue(IssueRequest(channel="counter", kind=kw.pop("kind", "juminhyo"), subject_id=person.pk,
                                  identity_document="運転免許証", office_id=office.pk, **kw), actor=clerk, now=when)

    first = counter(people[0], nerima, may)
    counter(people[1], nerima, may)
    counter(people[2], hikari, OPEN)
    counter(people[0], nerima, OPEN, requester="official", requester_name="練馬税務署", purpose="調査")
    issue(IssueRequest(channel="postal", kind="juminhyo", subject_id=people[1].pk, identity_document="旅券"),
          actor=clerk, now=OPEN)
    revoke_issuance(actor=clerk, issuance_id=first.pk, reason="誤交付")
    return nerima, hikari


def test_counts_and_fees_by_type_channel_office_month(issued, django_assert_num_queries):
    _nerima, hikari = issued
    with django_assert_num_queries(1):
        stats = issuance_stats(date_from=date(2025, 4, 1), date_to=date(2025, 6, 30))
    table = {(r.month, r.channel, r.office_code): (r.count, r.revoked, r.fees) for r in stats.rows}
    assert table == {
        (date(2025, 5, 1), "counter", "nerima"): (2, 1, 600),
        (date(2025, 6, 1), "counter", "hikarigaoka"): (1, 0, 300),
        (date(2025, 6, 1), "counter", "nerima"): (1, 0, 0),
        (date(2025, 6, 1), "postal", ""): (1, 0, 300),
    }
    assert (stats.total_count, stats.total_revoked, stats.total_fees) == (5, 1, 1200)
    only = issuance_stats(date_from=date(2025, 6, 1), date_to=date(2025, 6, 30), office_id=hikari.pk)
    assert [r.count for r in only.rows] == [1]
    with pytest.raises(ApplicationError) as e:
        issuance_stats(date_from=date(2025, 6, 1), date_to=date(2025, 5, 1))
    assert e.value.code == ErrorCode.INVALID_INPUT


def test_the_statistics_page_and_csv(issued, client_as, supervisor, administrator, clerk, auditor):
    params = {"date_from": "令和7年4月1日", "date_to": "R7.6.30"}
    for who in (supervisor, administrator):
        r = client_as(who).get(reverse("certificates:stats"), params)
        assert r.status_code == 200 and "練馬区民事務所" in r.text and "1,200円" in r.text
    r = client_as(supervisor).get(reverse("certificates:stats"), {**params, "format": "csv"})
    assert r["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == 4 and sum(int(row["count"]) for row in rows) == 5
    assert {"month": "2025-05", "kind": "juminhyo", "channel": "counter", "office_code": "nerima", "count": "2",
            "revoked": "1", "fees_yen": "600"}.items() <= rows[0].items()
    r = client_as(supervisor).get(reverse("certificates:stats"), {"date_from": "昨日", "date_to": "R7.6.30"})
    assert "field--error" in r.text
    for who in (clerk, auditor):
        assert client_as(who).get(reverse("certificates:stats")).status_code == 403
