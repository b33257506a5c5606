from __future__ import annotations

import datetime
import random

import pytest

from kuyakusho.accounts.capabilities import Role
from kuyakusho.demo.offices import create_offices
from kuyakusho.offices.hours import TOKYO
from kuyakusho.offices.models import Office, Service
from kuyakusho.queues.models import Status, Ticket, new_token

SPRING = (datetime.date(2026, 3, 2), datetime.date(2026, 3, 6))  # Monday to Friday


def record_tickets(office: Office, *, days: tuple[datetime.date, datetime.date] = SPRING, per_hour: int = 6,
                   hours: range = range(9, 17), wait_minutes: int = 12, seed: int = 1) -> int:
    """Recorded tickets: ``per_hour`` an hour for each service of the office, served after ``wait_minutes``."""
    rng = random.Random(seed)
    services = list(office.services.all()) or list(Service.objects.all())
    batch: list[Ticket] = []
    day = days[0]
    numbers: dict[int, int] = {}
    while day <= days[1]:
        for s in services:
            for h in hours:
                for k in range(per_hour):
                    at = datetime.datetime.combine(day, datetime.time(h, int(60 * k / per_hour)), TOKYO)
                    numbers[s.pk] = numbers.get(s.pk, 0) + 1
                    wait = wait_minutes * 60 + rng.randint(-60, 60)
                    batch.append(Ticket(office=office, service=s, day=day, letter=s.letter, number=numbers[s.pk],
                                        status=Status.DONE, token=new_token(), issued_at=at, queued_at=at,
                                        called_at=at + datetime.timedelta(seconds=wait), wait_seconds=wait,
                                        service_seconds=int(60 * s.typical_minutes * rng.uniform(0.5, 1.5)),
                                        done_at=at + datetime.timedelta(minutes=30)))
        day += datetime.timedelta(days=1)
        numbers.clear()
    Ticket.objects.bulk_create(batch)
    return len(batch)


@pytest.fixture
def offices(db):
    create_offices()
    return {o.code: o for o in Office.objects.all()}


@pytest.fixture
def planner(make_staff):
    return make_staff(Role.PLANNER, username="planner")


@pytest.fixture
def recorded(offices):
    record_tickets(offices["nerima"])
    record_tickets(offices["seki"], per_hour=3)
    return offices
