from __future__ import annotations

import datetime as dt
import random

import pytest

from kuyakusho.residents.tests.factories import ResidentFactory
from kuyakusho.seals.cards import validate_card_number
from kuyakusho.seals.demo import create_demo_seals
from kuyakusho.seals.models import SealCard, SealRegistration, SealStatus
from kuyakusho.seals.selectors import active_registration_for, verify_card

pytestmark = pytest.mark.django_db


def test_demo_registers_a_share_of_adults_only(today):
    adults = [ResidentFactory(birth_date=dt.date(1970 + i % 40, 1 + i % 12, 1 + i % 28)) for i in range(60)]
    children = [ResidentFactory(birth_date=today - dt.timedelta(days=365 * 10)) for _ in range(10)]
    created = create_demo_seals(adults + children, random.Random(7), share=0.5, pending_share=0.1)
    regs = list(SealRegistration.objects.select_related("resident"))
    assert created == len(regs) and 15 <= created <= 45
    assert not any(r.resident in children for r in regs)
    registered = [r for r in regs if r.status == SealStatus.REGISTERED]
    assert SealCard.objects.count() == len(registered)
    for r in registered[:5]:
        card = r.cards.get()
        assert validate_card_number(card.number) == card.number and verify_card(card.number) == r
        assert active_registration_for(r.resident) == r and r.registered_on <= today
    for r in regs:
        if r.status == SealStatus.PENDING:
            assert r.inquiry.deadline > r.inquiry.issued_on
    # Running again registers nobody twice.
    create_demo_seals(adults, random.Random(8), share=1.0)
    assert SealRegistration.objects.filter(status__in=["pending", "registered"]).values("resident").distinct().count() \
        == SealRegistration.objects.count()
