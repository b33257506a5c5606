"""Two clerks register the same person at once: one registration, the other clerk told why (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.residents.tests.factories import ResidentFactory
from kuyakusho.seals import services
from kuyakusho.seals.models import SealCard, SealRegistration

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections are tested on PostgreSQL")


def test_two_clerks_register_one_person(clerk, supervisor, seal):
    person = ResidentFactory()
    barrier = threading.Barrier(4)
    outcomes: list[object] = []

    def register(actor, by_letter):
        try:
            barrier.wait()
            if by_letter:
                services.register_by_letter(actor=actor, resident_id=person.pk, seal=seal)
            else:
                services.register_in_person(actor=actor, resident_id=person.pk, seal=seal, id_document="passport")
            outcomes.append("ok")
        except ApplicationError as e:
            outcomes.append(e)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=register, args=(a, b)) for a, b in
               ((clerk, False), (supervisor, False), (clerk, True), (supervisor, True))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcomes.count("ok") == 1
    assert all(o.code == ErrorCode.DUPLICATE for o in outcomes if o != "ok")
    assert SealRegistration.objects.filter(resident=person).count() == 1


def test_loss_and_certificate_check_race(clerk, supervisor, seal):
    """A loss report and a card re-issue at once leave exactly one active card."""
    person = ResidentFactory()
    registration = services.register_in_person(actor=clerk, resident_id=person.pk, seal=seal,
                                               id_document="passport")
    barrier = threading.Barrier(2)

    def run(fn):
        try:
            barrier.wait()
            fn()
        except ApplicationError:
            pass
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run, args=(lambda: services.report_card_lost(
        actor=clerk, registration_id=registration.pk),)),
               threading.Thread(target=run, args=(lambda: services.reissue_card(
                   actor=supervisor, registration_id=registration.pk, id_document="passport"),))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert SealCard.objects.filter(registration=registration, status="active").count() <= 1
    registration.refresh_from_db()
    assert (registration.status == "card_lost") == (not SealCard.objects.filter(registration=registration,
                                                                               status="active").exists())
