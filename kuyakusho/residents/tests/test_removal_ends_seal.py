"""A removal (転出, 死亡) ends the person's seal registration in the same transaction."""

from __future__ import annotations

import pytest
from django.utils import timezone

from kuyakusho.residents.services import Mover, Notifier, file_death, file_move_out
from kuyakusho.seals.imaging import check_seal_image
from kuyakusho.seals.models import SealStatus
from kuyakusho.seals.services import register_in_person
from kuyakusho.seals.tests.images import seal_png

from .factories import ResidentFactory

pytestmark = pytest.mark.django_db


def _registered(clerk):
    person = ResidentFactory()
    reg = register_in_person(actor=clerk, resident_id=person.pk, seal=check_seal_image(seal_png(), px_per_mm=12),
                             id_document="drivers_license")
    return person, reg


def test_move_out_abolishes_the_seal_registration(clerk):
    person, reg = _registered(clerk)
    file_move_out(actor=clerk, household_id=person.household_id, movers=[Mover(person.pk, person.version)],
                  planned_move_on=timezone.localdate(), destination="東京都杉並区阿佐谷南1-1-1", notifier=Notifier())
    reg.refresh_from_db()
    assert reg.status == SealStatus.ABOLISHED


def test_death_abolishes_the_seal_registration(clerk):
    person, reg = _registered(clerk)
    file_death(actor=clerk, resident_id=person.pk, version=person.version, died_on=timezone.localdate(),
               notifier=Notifier(type="member", name="家族"))
    reg.refresh_from_db()
    assert reg.status == SealStatus.ABOLISHED
