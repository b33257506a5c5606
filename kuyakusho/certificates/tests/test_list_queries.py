"""The supervisors' list pages read a bounded number of queries, however many rows they show (selectors fetch
what each row shows with the row)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kuyakusho.certificates.models import Alert, AlertKind, Channel, NoticeRegistration, SupportMeasure
from kuyakusho.certificates.services.cards import issue_card
from kuyakusho.core.errors import ApplicationError
from kuyakusho.residents.tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


def _grow(client, url: str, add) -> list[int]:
    """Queries of the page with 2 rows, then with 8 (after a first request with one row: the session's and the
    audit trail's first look-ups are cached from then on)."""
    add(1)
    client.get(url)
    counts = []
    for n in (2, 8):
        add(n)
        counts.append(_queries(client, url))
    return counts


def test_alerts(client_as, supervisor):
    def add(n: int) -> None:
        while Alert.objects.count() < n:
            holder = ResidentFactory.create()
            Alert.objects.create(kind=AlertKind.SUPPORT_MEASURE, resident=ResidentFactory.create(),
                                 channel=Channel.KIOSK, detail={"requester": "household", "card_holder_id": holder.pk})

    counts = _grow(client_as(supervisor), reverse("certificates:alerts"), add)
    assert counts[0] == counts[1]


def test_locked_cards(client_as, supervisor):
    from kuyakusho.certificates.services.cards import authenticate_card

    def add(n: int) -> None:
        from kuyakusho.certificates.models import CardLock

        while CardLock.objects.filter(locked_at__isnull=False).count() < n:
            i = CardLock.objects.count()
            card = issue_card(actor=None, kind="resident_card", number=f"RC{i:07d}", resident=ResidentFactory.create(),
                              pin="1234")
            for _ in range(3):
                with pytest.raises(ApplicationError):
                    authenticate_card(kind=card.kind, number=card.number, pin="0000", channel="kiosk")

    counts = _grow(client_as(supervisor), reverse("certificates:cards"), add)
    assert counts[0] == counts[1]


def test_protections(client_as, supervisor):
    today = timezone.localdate()

    def add(n: int) -> None:
        while SupportMeasure.objects.count() < n:
            SupportMeasure.objects.create(resident=ResidentFactory.create(), starts_on=today - timedelta(days=1),
                                          created_by=supervisor)
            NoticeRegistration.objects.create(resident=ResidentFactory.create(), registered_on=today,
                                              mailing_address="東京都練馬区豊玉北6丁目12番1号")

    counts = _grow(client_as(supervisor), reverse("certificates:protections"), add)
    assert counts[0] == counts[1]


def test_policies(client_as, administrator):
    c = client_as(administrator)
    c.get(reverse("certificates:policies"))
    with CaptureQueriesContext(connection) as ctx:
        assert c.get(reverse("certificates:policies")).status_code == 200
    assert len(ctx) <= 12
