from __future__ import annotations

from datetime import time

import pytest

from kuyakusho.demo.offices import create_offices
from kuyakusho.offices.models import Counter, Office, OpeningRule, Schedule, Service, SpecialDay


class Ward:
    def __init__(self):
        self.offices = {o.code: o for o in Office.objects.all()}
        self.services = {s.code: s for s in Service.objects.all()}

    def counter(self, office: str, number: int) -> Counter:
        return Counter.objects.select_related("office").get(office__code=office, number=number)


@pytest.fixture
def ward(db):
    create_offices()
    return Ward()


@pytest.fixture
def open_now(ward):
    """Counters open around the clock, so that tests do not depend on the hour they run at."""
    schedule = Schedule.objects.get(code="offices")
    SpecialDay.objects.filter(schedule=schedule).delete()
    OpeningRule.objects.create(schedule=schedule, days="mon,tue,wed,thu,fri,sat,sun,hol", opens=time(0),
                               closes=time(23, 59, 59))
    return ward


@pytest.fixture
def closed_now(ward):
    schedule = Schedule.objects.get(code="offices")
    OpeningRule.objects.filter(schedule=schedule).delete()
    SpecialDay.objects.filter(schedule=schedule).delete()
    return ward


@pytest.fixture
def ticket_machine(ward, clerk):
    """A registered ticket machine (発券機) without an office; returns its ``Authorization`` header value."""
    from kuyakusho.accounts.models import TerminalKind
    from kuyakusho.accounts.terminals import register_terminal

    _, token = register_terminal(actor=clerk, code="tm-test", kind=TerminalKind.TICKET_MACHINE, name="発券機")
    return f"Bearer {token}"
