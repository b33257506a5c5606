"""Registering a seal: in person at once, or by 照会書 answered in time; each refusal; audit records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from kuyakusho.audit.models import AuditEvent
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.residents.models import RemovalReason, Status
from kuyakusho.residents.tests.factories import ResidentFactory
from kuyakusho.seals import services
from kuyakusho.seals.cards import luhn_check_digit
from kuyakusho.seals.models import (
    CardStatus,
    EndReason,
    Method,
    SealEvent,
    SealInquiry,
    SealRegistration,
    SealStatus,
)
from kuyakusho.seals.selectors import active_registration_for, verify_card

from .conftest import years_ago

pytestmark = pytest.mark.django_db


def in_person(clerk, resident, seal, id_document="drivers_license"):
    return services.register_in_person(actor=clerk, resident_id=resident.pk, seal=seal, id_document=id_document)


def test_in_person_takes_effect_at_once_with_a_card(clerk, adult, seal, today):
    registration = in_person(clerk, adult, seal)
    assert registration.status == SealStatus.REGISTERED and registration.method == Method.IN_PERSON
    assert registration.registered_on == registration.applied_on == today
    assert registration.id_document == "drivers_license"
    assert bytes(registration.image_png) == seal.png and registration.width_mm == seal.width_mm
    card = registration.active_card
    assert len(card.number) == 10 and luhn_check_digit(card.number[:9]) == card.number[9]
    assert verify_card(card.number) == registration
    assert active_registration_for(adult) == registration
    kinds = list(SealEvent.objects.filter(registration=registration).values_list("kind", flat=True))
    assert kinds == ["registered", "card_issued"]
    events = list(AuditEvent.objects.filter(subject_id=str(adult.pk)).order_by("seq"))
    assert [e.action for e in events] == ["seals.register", "seals.card_issue"]
    assert events[0].kind == "write" and events[0].actor == clerk
    assert events[0].target_type == "seals.sealregistration" and events[0].target_id == str(registration.pk)
    assert events[0].changes["status"] == [None, "registered"]
    assert events[0].detail["card_number"] == card.number and events[0].detail["id_document"] == "drivers_license"
    assert "png" not in str(events[0].changes)


def test_in_person_needs_a_photo_id_type(clerk, adult, seal):
    with pytest.raises(ApplicationError) as e:
        in_person(clerk, adult, seal, id_document="")
    assert e.value.field == "id_document"
    assert not SealRegistration.objects.exists() and not AuditEvent.objects.filter(subject_id=str(adult.pk)).exists()


def test_under_15_is_refused_and_the_15th_birthday_is_allowed(clerk, seal, today):
    young = ResidentFactory(birth_date=years_ago(today, 15) + dt.timedelta(days=1))
    with pytest.raises(ApplicationError) as e:
        in_person(clerk, young, seal)
    assert e.value.code == ErrorCode.REFUSED and "15歳以上" in str(e.value.message)
    assert not SealRegistration.objects.exists()
    fifteen = ResidentFactory(birth_date=years_ago(today, 15))
    assert in_person(clerk, fifteen, seal).status == SealStatus.REGISTERED


def test_age_counts_completed_years():
    assert services.age_on(dt.date(2008, 2, 29), dt.date(2023, 2, 28)) == 14
    assert services.age_on(dt.date(2008, 2, 29), dt.date(2023, 3, 1)) == 15
    assert services.age_on(dt.date(2010, 6, 1), dt.date(2025, 6, 1)) == 15


def test_one_open_registration_per_person(clerk, adult, seal):
    in_person(clerk, adult, seal)
    with pytest.raises(ApplicationError) as e:
        in_person(clerk, adult, seal)
    assert e.value.code == ErrorCode.DUPLICATE and "改印" in str(e.value.message)
    with pytest.raises(ApplicationError) as e:
        services.register_by_letter(actor=clerk, resident_id=adult.pk, seal=seal)
    assert e.value.code == ErrorCode.DUPLICATE
    assert SealRegistration.objects.count() == 1


def test_the_database_refuses_a_second_open_registration(clerk, adult, seal):
    first = in_person(clerk, adult, seal)
    second = SealRegistration(resident=adult, status=SealStatus.PENDING, method=Method.LETTER,
                              applied_on=first.applied_on, image_png=seal.png, image_sha256=seal.sha256,
                              image_width_px=1, image_height_px=1, image_px_per_mm=12, stated_px_per_mm=12,
                              width_mm=15, height_mm=15)
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


def test_removed_person_is_refused(clerk, seal, today):
    gone = ResidentFactory(status=Status.REMOVED, removed_on=today - dt.timedelta(days=3),
                           removal_reason=RemovalReason.MOVE_OUT, destination="東京都杉並区")
    leaving = ResidentFactory(status=Status.REMOVED, removed_on=today + dt.timedelta(days=5),
                              removal_reason=RemovalReason.MOVE_OUT, destination="東京都杉並区")
    for person in (gone, leaving):
        with pytest.raises(ApplicationError) as e:
            in_person(clerk, person, seal)
        assert e.value.code == ErrorCode.REFUSED and "消除" in str(e.value.message)
    assert not SealRegistration.objects.exists()


def test_unknown_resident(clerk, seal, db):
    with pytest.raises(ApplicationError) as e:
        services.register_in_person(actor=clerk, resident_id=999999, seal=seal, id_document="passport")
    assert e.value.code == ErrorCode.NOT_FOUND


def test_seal_must_come_from_the_checker(clerk, adult):
    with pytest.raises(TypeError):
        services.register_in_person(actor=clerk, resident_id=adult.pk, seal=b"png", id_document="passport")


# --- 照会書 ------------------------------------------------------------------------------------


def by_letter(clerk, resident, seal, **kw):
    return services.register_by_letter(actor=clerk, resident_id=resident.pk, seal=seal, **kw)


def test_letter_path_waits_for_the_answer(clerk, adult, seal, today):
    registration = by_letter(clerk, adult, seal, proxy_name="練馬 次郎")
    assert registration.status == SealStatus.PENDING and registration.registered_on is None
    assert not registration.cards.exists()
    inquiry = registration.inquiry
    assert inquiry.issued_on == today and inquiry.deadline > today
    assert (inquiry.deadline - today).days in (28, 29, 30, 31)
    assert adult.name in inquiry.letter_text and inquiry.address in inquiry.letter_text
    assert "練馬 次郎" in inquiry.letter_text and inquiry.reference in inquiry.letter_text
    assert "回答書" in inquiry.letter_text
    assert active_registration_for(adult) is None
    actions = list(AuditEvent.objects.filter(subject_id=str(adult.pk)).order_by("seq").values_list("action",
                                                                                                    flat=True))
    assert actions == ["seals.apply", "seals.inquiry_issue"]

    done = services.enter_answer(actor=clerk, registration_id=registration.pk, received_on=today)
    assert done.status == SealStatus.REGISTERED and done.registered_on == today
    assert done.active_card is not None and verify_card(done.active_card.number) == done
    inquiry.refresh_from_db()
    assert inquiry.answer_received_on == today and inquiry.answer_entered_by == clerk
    assert AuditEvent.objects.filter(subject_id=str(adult.pk), action="seals.answer").count() == 1


def test_deadline_is_a_setting(clerk, adult, seal, settings, today):
    settings.SEAL_INQUIRY_ANSWER_MONTHS = 2
    inquiry = by_letter(clerk, adult, seal).inquiry
    assert 58 <= (inquiry.deadline - today).days <= 62


def _backdate(registration, days: int):
    """The letter went out ``days`` ago (as if time had passed)."""
    inquiry = registration.inquiry
    delta = dt.timedelta(days=days)
    SealInquiry.objects.filter(pk=inquiry.pk).update(issued_on=inquiry.issued_on - delta,
                                                     deadline=inquiry.deadline - delta)
    SealRegistration.objects.filter(pk=registration.pk).update(applied_on=registration.applied_on - delta)
    registration.refresh_from_db()
    return SealInquiry.objects.get(pk=inquiry.pk)


def test_answer_after_the_deadline_is_refused_and_the_application_expires(clerk, adult, seal, today):
    registration = by_letter(clerk, adult, seal)
    inquiry = _backdate(registration, 40)
    assert inquiry.deadline < today
    with pytest.raises(ApplicationError) as e:
        services.enter_answer(actor=clerk, registration_id=registration.pk, received_on=today)
    assert e.value.code == ErrorCode.REFUSED and "回答期限" in str(e.value.message)
    registration.refresh_from_db()
    assert registration.status == SealStatus.EXPIRED and registration.end_reason == EndReason.EXPIRED
    assert not registration.cards.exists()
    assert AuditEvent.objects.filter(subject_id=str(adult.pk), action="seals.expire").count() == 1
    # A new application is possible.
    assert by_letter(clerk, adult, seal).status == SealStatus.PENDING


def test_answer_received_in_time_may_be_entered_later(clerk, adult, seal, today):
    registration = by_letter(clerk, adult, seal)
    inquiry = _backdate(registration, 40)
    done = services.enter_answer(actor=clerk, registration_id=registration.pk, received_on=inquiry.deadline)
    assert done.status == SealStatus.REGISTERED and done.registered_on == inquiry.deadline


def test_answer_dates_are_checked(clerk, adult, seal, today):
    registration = by_letter(clerk, adult, seal)
    for received_on in (today + dt.timedelta(days=1), today - dt.timedelta(days=1)):
        with pytest.raises(ApplicationError) as e:
            services.enter_answer(actor=clerk, registration_id=registration.pk, received_on=received_on)
        assert e.value.field == "received_on"
    registration.refresh_from_db()
    assert registration.status == SealStatus.PENDING


def test_answer_to_a_registration_that_is_not_pending(clerk, adult, seal, today):
    registration = in_person(clerk, adult, seal)
    with pytest.raises(ApplicationError) as e:
        services.enter_answer(actor=clerk, registration_id=registration.pk, received_on=today)
    assert e.value.code == ErrorCode.CONFLICT


def test_answer_for_a_person_removed_meanwhile_is_refused(clerk, adult, seal, today):
    registration = by_letter(clerk, adult, seal)
    adult.status, adult.removed_on, adult.removal_reason = Status.REMOVED, today, RemovalReason.DEATH
    adult.save()
    with pytest.raises(ApplicationError) as e:
        services.enter_answer(actor=clerk, registration_id=registration.pk, received_on=today)
    assert e.value.code == ErrorCode.REFUSED
    registration.refresh_from_db()
    assert registration.status == SealStatus.PENDING


def test_expire_overdue_marks_every_late_application(clerk, seal, today):
    people = [ResidentFactory() for _ in range(3)]
    late = [by_letter(clerk, p, seal) for p in people[:2]]
    fresh = by_letter(clerk, people[2], seal)
    for r in late:
        _backdate(r, 35)
    assert services.expire_overdue(on=today) == 2
    assert services.expire_overdue(on=today) == 0
    assert set(SealRegistration.objects.filter(status=SealStatus.EXPIRED).values_list("pk", flat=True)) == {
        r.pk for r in late}
    fresh.refresh_from_db()
    assert fresh.status == SealStatus.PENDING
    assert SealEvent.objects.filter(kind="expired").count() == 2


def test_card_status_choices_cover_the_cards(clerk, adult, seal):
    registration = in_person(clerk, adult, seal)
    assert registration.cards.get().status == CardStatus.ACTIVE


def test_expire_command(clerk, adult, seal):
    from io import StringIO

    from django.core.management import call_command

    registration = by_letter(clerk, adult, seal)
    _backdate(registration, 45)
    out = StringIO()
    call_command("seals_expire_inquiries", stdout=out)
    assert "expired: 1" in out.getvalue()
    registration.refresh_from_db()
    assert registration.status == SealStatus.EXPIRED
    event = AuditEvent.objects.get(action="seals.expire")
    assert event.channel == "system" and event.via == "seals_expire_inquiries" and event.actor is None
