from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kuyakusho.residents.services import Address, NewPerson, Notifier, TransferCertificate

from .factories import my_number


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def person(**kw) -> NewPerson:
    base: dict[str, Any] = dict(name="山田 太郎", name_kana="ヤマダ タロウ", birth_date=dt.date(1985, 4, 2), sex="male",
                relationship="世帯主", honseki="東京都練馬区豊玉北六丁目12番", hittosha="山田 太郎")
    base.update(kw)
    return NewPerson(**base)


def cert(today: dt.date, **kw) -> TransferCertificate:
    base: dict[str, Any] = dict(municipality="東京都杉並区", address="阿佐谷南1丁目14番2号", issued_on=today - days(10),
                planned_move_on=today - days(5))
    base.update(kw)
    return TransferCertificate(**base)


ADDRESS = Address(town="豊玉北", chome=6, banchi="12", go="1", katagaki="ねりまハイツ 203")
SELF = Notifier()
MY_NUMBERS = [my_number(900 + i) for i in range(20)]
