"""The certificate look-ups written out in SQL return what their ORM expressions return."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db.models import Q
from django.utils import timezone

from kuyakusho.certificates.models import Card, CardLock, Channel, ChannelPolicy, Issuance, SupportMeasure
from kuyakusho.certificates.services import statements
from kuyakusho.certificates.services.cards import issue_card
from kuyakusho.certificates.services.issuance import IssueRequest, issue
from kuyakusho.residents.tests.factories import family

from .conftest import OPEN

pytestmark = pytest.mark.django_db


def _state(instance):
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_policy_with_its_schedule_matches_the_orm():
    for channel in Channel.values:
        got = statements.policy(channel)
        want = ChannelPolicy.objects.select_related("schedule").filter(channel=channel).first()
        assert (got is None) == (want is None)
        if want is not None:
            assert _state(got) == _state(want)
            assert (_state(got.schedule) if got.schedule else None) == (
                _state(want.schedule) if want.schedule else None)
    assert statements.policy("nowhere") is None


def test_active_card_with_its_lock_and_idempotency_key_match_the_orm(clerk):
    head, wife = family(2)
    issue_card(actor=None, kind="my_number_card", number="MN0001", resident=wife, pin="1111")
    got, failures, locked_at = statements.active_card("my_number_card", "MN0001", Channel.KONBINI)
    want = Card.objects.select_related("resident__household").get(number="MN0001")
    assert _state(got) == _state(want) and _state(got.resident) == _state(want.resident)
    assert _state(got.resident.household) == _state(want.resident.household)
    assert (failures, locked_at) == (0, None)  # no lock row yet
    when = timezone.now()
    CardLock.objects.create(card=want, channel=Channel.KONBINI, failures=3, locked_at=when)
    CardLock.objects.create(card=want, channel=Channel.KIOSK, failures=1)
    assert statements.active_card("my_number_card", "MN0001", Channel.KONBINI)[1:] == (3, when)
    assert statements.active_card("my_number_card", "MN0001", Channel.KIOSK)[1:] == (1, None)
    assert statements.active_card("resident_card", "MN0001", Channel.KIOSK) is None  # another kind
    Card.objects.filter(number="MN0001").update(active=False)
    assert statements.active_card("my_number_card", "MN0001", Channel.KONBINI) is None

    req = IssueRequest(channel=Channel.COUNTER, kind="juminhyo", subject_id=head.pk, identity_document="旅券",
                       terminal="desk-1", idempotency_key="k-1")
    issued = issue(req, actor=clerk, now=OPEN)
    assert statements.issued_with_key(Channel.COUNTER, "desk-1", "k-1") == issued.pk == (
        Issuance.objects.filter(channel=Channel.COUNTER, terminal="desk-1", idempotency_key="k-1")
        .values_list("pk", flat=True).first())
    assert statements.issued_with_key(Channel.COUNTER, "desk-2", "k-1") is None


def test_support_measures_on_a_day_match_the_orm(clerk):
    a, b, c = family(3)
    day = date(2025, 6, 11)
    SupportMeasure.objects.create(resident=a, starts_on=day - timedelta(days=10), created_by=clerk)
    SupportMeasure.objects.create(resident=b, starts_on=day - timedelta(days=10), ends_on=day, created_by=clerk)
    SupportMeasure.objects.create(resident=c, starts_on=day + timedelta(days=1), created_by=clerk)
    for on in (day - timedelta(days=11), day, day + timedelta(days=1)):
        ids = [a.pk, b.pk, c.pk]
        want = set(SupportMeasure.objects.filter(resident_id__in=ids, starts_on__lte=on)
                   .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on)).values_list("resident_id", flat=True))
        assert statements.under_support_measure(ids, on) == want
    assert statements.under_support_measure([a.pk], day) == {a.pk}
    assert statements.under_support_measure([], day) == set()
