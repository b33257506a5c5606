"""Loss and re-issue of the card, abolition, 改印, automatic abolition on removal, checks at certificate time."""

from __future__ import annotations

import datetime as dt

import pytest

from kuyakusho.audit.models import AuditEvent
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.residents.models import RemovalReason, Status
from kuyakusho.residents.tests.factories import ResidentFactory
from kuyakusho.seals import services
from kuyakusho.seals.imaging import check_seal_image
from kuyakusho.seals.models import CardStatus, EndReason, SealRegistration, SealStatus
from kuyakusho.seals.selectors import active_registration_for, verify_card

from .images import seal_png

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(clerk, adult, seal):
    return services.register_in_person(actor=clerk, resident_id=adult.pk, seal=seal, id_document="passport")


def refusal(card_number: str) -> ApplicationError:
    with pytest.raises(ApplicationError) as e:
        verify_card(card_number)
    return e.value


def test_lost_card_stops_working_and_a_new_number_is_issued(clerk, registered):
    old = registered.active_card.number
    card = services.report_card_lost(actor=clerk, registration_id=registered.pk)
    assert card.number == old and card.status == CardStatus.LOST and card.ended_on is not None
    registered.refresh_from_db()
    assert registered.status == SealStatus.CARD_LOST
    assert "亡失" in str(refusal(old).message)
    assert active_registration_for(registered.resident) is None
    with pytest.raises(ApplicationError) as e:  # a second loss report
        services.report_card_lost(actor=clerk, registration_id=registered.pk)
    assert e.value.code == ErrorCode.CONFLICT

    new = services.reissue_card(actor=clerk, registration_id=registered.pk, id_document="my_number_card")
    assert new.number != old and new.status == CardStatus.ACTIVE
    assert verify_card(new.number) == registered
    assert "亡失" in str(refusal(old).message)  # the lost number never works again
    registered.refresh_from_db()
    assert registered.status == SealStatus.REGISTERED
    actions = list(AuditEvent.objects.filter(subject_id=str(registered.resident_id)).order_by("seq")
                   .values_list("action", flat=True))
    assert actions[-2:] == ["seals.card_lost", "seals.card_reissue"]


def test_reissue_of_a_damaged_card_voids_the_old_one(clerk, registered):
    old = registered.active_card.number
    new = services.reissue_card(actor=clerk, registration_id=registered.pk, id_document="passport")
    assert new.number != old
    assert "廃止" in str(refusal(old).message)
    with pytest.raises(ApplicationError) as e:
        services.reissue_card(actor=clerk, registration_id=registered.pk, id_document="")
    assert e.value.field == "id_document"


def test_abolition_at_the_residents_request(clerk, registered, seal):
    number = registered.active_card.number
    services.abolish(actor=clerk, registration_id=registered.pk, card_returned=True, note="本人申請")
    registered.refresh_from_db()
    assert registered.status == SealStatus.ABOLISHED and registered.end_reason == EndReason.REQUEST
    assert registered.cards.get().status == CardStatus.VOID
    assert refusal(number).code == ErrorCode.REFUSED
    event = AuditEvent.objects.filter(action="seals.abolish").get()
    assert event.subject_id == str(registered.resident_id) and event.detail["card_returned"] is True
    assert event.changes["status"] == ["registered", "abolished"]
    with pytest.raises(ApplicationError) as e:
        services.abolish(actor=clerk, registration_id=registered.pk, card_returned=False)
    assert e.value.code == ErrorCode.CONFLICT
    # The old registration is kept; a new one may be made.
    again = services.register_in_person(actor=clerk, resident_id=registered.resident_id, seal=seal,
                                        id_document="passport")
    assert SealRegistration.objects.filter(resident_id=registered.resident_id).count() == 2
    assert active_registration_for(registered.resident) == again


def test_reregistration_abolishes_the_old_and_registers_the_new(clerk, registered):
    other = check_seal_image(seal_png(width_mm=18, shape="square"), px_per_mm=12)
    old_card = registered.active_card.number
    new = services.reregister(actor=clerk, registration_id=registered.pk, seal=other, method="in_person",
                              id_document="drivers_license")
    registered.refresh_from_db()
    assert registered.status == SealStatus.ABOLISHED and registered.end_reason == EndReason.REREGISTRATION
    assert new.replaces == registered and new.status == SealStatus.REGISTERED and new.width_mm == other.width_mm
    assert new.active_card.number != old_card
    assert refusal(old_card).code == ErrorCode.REFUSED
    assert verify_card(new.active_card.number) == new


def test_reregistration_by_letter(clerk, registered):
    new = services.reregister(actor=clerk, registration_id=registered.pk, seal=check_seal_image(
        seal_png(width_mm=10), px_per_mm=12), method="letter")
    assert new.status == SealStatus.PENDING and new.inquiry.deadline
    with pytest.raises(ApplicationError):
        services.reregister(actor=clerk, registration_id=registered.pk, seal=check_seal_image(
            seal_png(width_mm=10), px_per_mm=12), method="letter")


def test_reregistration_needs_a_valid_method(clerk, registered, seal):
    with pytest.raises(ApplicationError) as e:
        services.reregister(actor=clerk, registration_id=registered.pk, seal=seal, method="fax")
    assert e.value.field == "method"
    registered.refresh_from_db()
    assert registered.status == SealStatus.REGISTERED


@pytest.mark.parametrize(("removal", "reason"), [(RemovalReason.MOVE_OUT, EndReason.MOVE_OUT),
                                                  (RemovalReason.ABROAD_OUT, EndReason.MOVE_OUT),
                                                  (RemovalReason.DEATH, EndReason.DEATH),
                                                  (RemovalReason.OFFICIO, EndReason.REMOVAL)])
def test_abolished_automatically_on_removal(clerk, registered, today, removal, reason):
    person = registered.resident
    number = registered.active_card.number
    person.status, person.removed_on, person.removal_reason = Status.REMOVED, today + dt.timedelta(days=7), removal
    person.save()
    ended = services.abolish_for_removal(actor=clerk, resident=person, on=person.removed_on)
    assert ended == registered
    registered.refresh_from_db()
    assert registered.status == SealStatus.ABOLISHED and registered.end_reason == reason
    assert registered.ended_on == today  # ends when the removal is recorded, not on the moving day
    assert refusal(number).code == ErrorCode.REFUSED
    event = AuditEvent.objects.get(action="seals.abolish_for_removal")
    assert event.subject_id == str(person.pk) and event.detail["removal_reason"] == removal
    assert services.abolish_for_removal(actor=clerk, resident=person, on=today) is None


def test_removal_ends_a_pending_application_too(clerk, adult, seal, today):
    pending = services.register_by_letter(actor=clerk, resident_id=adult.pk, seal=seal)
    adult.status, adult.removed_on, adult.removal_reason = Status.REMOVED, today, RemovalReason.DEATH
    adult.save()
    assert services.abolish_for_removal(actor=clerk, resident=adult, on=today) == pending
    pending.refresh_from_db()
    assert pending.status == SealStatus.ABOLISHED and pending.end_reason == EndReason.DEATH


def test_certificate_checks_do_not_depend_on_the_abolition(clerk, registered, today):
    """Even if the removal service did not call abolish_for_removal, a removed person has no valid seal."""
    person = registered.resident
    number = registered.active_card.number
    assert active_registration_for(person, on=today) == registered
    person.status, person.removed_on, person.removal_reason = (Status.REMOVED, today - dt.timedelta(days=1),
                                                               RemovalReason.DEATH)
    person.save()
    assert active_registration_for(person, on=today) is None
    assert refusal(number).code == ErrorCode.REFUSED
    # A 転出届 for a later day: the registration ends when the notification is made.
    person.removed_on = today + dt.timedelta(days=10)
    person.removal_reason = RemovalReason.MOVE_OUT
    person.save()
    assert active_registration_for(person, on=today) is None


def test_verify_card_input(clerk, registered):
    number = registered.active_card.number
    spaced = f"{number[:5]} {number[5:]}".translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert verify_card(spaced) == registered
    wrong = number[:9] + str((int(number[9]) + 1) % 10)
    assert refusal(wrong).code == ErrorCode.INVALID_CHECK_DIGIT
    assert refusal("12345").code == ErrorCode.INVALID_INPUT
    assert refusal("").field == "card_number"
    unknown = "100000000" + "0"
    from kuyakusho.seals.cards import luhn_check_digit
    unknown = unknown[:9] + luhn_check_digit(unknown[:9])
    assert refusal(unknown).code == ErrorCode.NOT_FOUND


def test_pending_registration_is_not_valid_for_certificates(clerk, today):
    person = ResidentFactory()
    services.register_by_letter(actor=clerk, resident_id=person.pk,
                                seal=check_seal_image(seal_png(width_mm=12), px_per_mm=12))
    assert active_registration_for(person, on=today) is None
