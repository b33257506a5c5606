from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from kuyakusho.residents.tests.factories import ResidentFactory
from kuyakusho.seals.imaging import check_seal_image

from .images import seal_png


@pytest.fixture(autouse=True)
def _japanese():
    """Services called directly answer in Japanese (a request in English elsewhere leaves its language active)."""
    with translation.override("ja"):
        yield


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def adult(db):
    return ResidentFactory(birth_date=dt.date(1980, 5, 1))


@pytest.fixture
def seal():
    return check_seal_image(seal_png(width_mm=15, px_per_mm=12), px_per_mm="12")


def years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 2/29
        return today.replace(year=today.year - years, day=28)
