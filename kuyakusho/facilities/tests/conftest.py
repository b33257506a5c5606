"""Fixtures of the facilities tests: a small ward of facilities, residents' accounts signed in, registrants."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, time, timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from kuyakusho.facilities.models import Facility, FacilityKind, Fee, Registrant, Room
from kuyakusho.facilities.slots import SCHEMES
from kuyakusho.identity.models import PortalAccount, ResidentSession
from kuyakusho.offices.models import OpeningRule, Schedule, SpecialDay

TODAY = date(2026, 12, 3)  # inside the window (1st–10th) for February 2027


@pytest.fixture
def halls(db):
    """A schedule open 9:00–21:30 every day but the year end and one maintenance day; one kind with a
    lottery; a hall with two rooms."""
    schedule = Schedule.objects.create(code="facilities-test", name_ja="テスト", name_en="Test")
    OpeningRule.objects.create(schedule=schedule, days="mon,tue,wed,thu,fri,sat,sun,hol", opens=time(9),
                               closes=time(21, 30))
    SpecialDay.objects.create(schedule=schedule, kind="closed", annual=True, date_from=date(2000, 12, 29),
                              date_to=date(2001, 1, 3), reason_ja="年末年始", reason_en="New Year")
    kind = FacilityKind.objects.create(code="kuminkan", name_ja="地区区民館", name_en="Community hall",
                                       min_group_size=5, min_ward_share=50, cap_per_month=3,
                                       stages=["ward_group", "everyone"], senior_waiver=True)
    fac = Facility.objects.create(code="131202-F0001", kind=kind, name_ja="豊玉北地区区民館",
                                  name_en="Toyotamakita Hall", kana="トヨタマキタチククミンカン", area="練馬",
                                  address="東京都練馬区豊玉北一丁目1番1号", latitude="35.7336", longitude="139.6694",
                                  schedule=schedule)
    rooms = []
    for code, cap in (("hall", 60), ("yoshitsu", 24)):
        room = Room.objects.create(facility=fac, code=code, name_ja="集会室" if code == "hall" else "洋室",
                                   name_en=code, capacity=cap, scheme="periods")
        Fee.objects.bulk_create(Fee(room=room, period=p.code, resident=1200, group=900, nonresident=1800)
                                for p in SCHEMES["periods"])
        rooms.append(room)
    return fac, rooms


def make_account(email: str = "") -> PortalAccount:
    return PortalAccount.objects.create(kind="email", email=email or f"{secrets.token_hex(4)}@example.jp",
                                        password="md5$x$y")


def resident_client(account: PortalAccount) -> Client:
    """A browser signed in as the account (a live resident session)."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    ResidentSession.objects.create(key_hash=hashlib.sha256(token.encode()).hexdigest(), account=account,
                                   created_at=now, last_seen_at=now, expires_at=now + timedelta(hours=2))
    client = Client()
    client.cookies[settings.RESIDENT_SESSION_COOKIE_NAME] = token
    return client


def make_registrant(account: PortalAccount | None = None, *, kind: str = "group", members: int = 10,
                    ward_members: int = 8, seniors: int = 0, status: str = "approved", in_ward: bool = True,
                    email: str = "") -> Registrant:
    account = account or make_account()
    r = Registrant.objects.create(
        number=f"{Registrant.objects.count() + 10_000_001:08d}", kind=kind, account=account, name="練馬テニス同好会",
        kana="ネリマテニスドウコウカイ", member_count=members, ward_member_count=ward_members,
        senior_member_count=seniors, representative_name="練馬 花子", representative_birth_date=date(1980, 4, 1),
        representative_in_ward=in_ward, phone="03-0000-0000", email=email, identity_check="counter", status=status)
    return r
