"""Bookings: no double booking, fees, payment through payments to 本予約 and its signed 利用許可書, cancellation
refunds, lapses, closures, the calendar export."""

from __future__ import annotations

import threading
from datetime import date
from unittest import mock

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from kuyakusho.audit.models import AuditEvent
from kuyakusho.certificates.documents import verify_pdf
from kuyakusho.core.errors import ApplicationError
from kuyakusho.facilities import booking, documents
from kuyakusho.facilities.models import Booking, Notice
from kuyakusho.payments import services as payments
from kuyakusho.payments.models import Bill, Payment

from .conftest import make_registrant

TODAY = date(2026, 12, 3)
DAY = date(2026, 12, 20)  # December: no round, nearer than the lottery's lead, so first-come


def _book(registrant, room, day=DAY, period="pm", today=TODAY):
    return booking.book_first_come(actor=registrant.account, registrant=registrant, room=room, day=day,
                                   period=period, attendees=10, purpose="練習", today=today)


@pytest.mark.django_db
def test_the_database_refuses_a_second_live_booking_of_a_slot(halls):
    _fac, (hall, _room) = halls
    a, b = make_registrant(), make_registrant()
    first = _book(a, hall)
    with pytest.raises(ApplicationError) as e:
        _book(b, hall)
    assert e.value.code == "conflict" and "ほかの方が先に予約" in str(e.value.message)
    # Below the service: the constraint itself.
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(room=hall, date=DAY, period="pm", starts_at=first.starts_at, ends_at=first.ends_at,
                               registrant=b, status="confirmed", source="first_come", fee=0)
    # A cancelled booking frees the slot.
    booking.cancel_booking(actor=a.account, booking=first, reason="", today=TODAY)
    assert _book(b, hall).registrant == b


@pytest.mark.django_db
def test_fees_follow_the_registrant_and_the_senior_waiver(halls):
    _fac, (hall, _room) = halls
    assert booking.fee_for(hall, "pm", make_registrant()) == 900  # a ward group
    assert booking.fee_for(hall, "pm", make_registrant(kind="person", members=1, ward_members=1)) == 1200
    assert booking.fee_for(hall, "pm", make_registrant(kind="person", members=1, ward_members=0,
                                                       in_ward=False)) == 1800
    assert booking.fee_for(hall, "pm", make_registrant(members=10, ward_members=8, seniors=5)) == 0


@pytest.mark.django_db
def test_first_come_refusals(halls):
    _fac, (hall, _room) = halls
    g = make_registrant()
    with pytest.raises(ApplicationError) as e:  # February is the lottery's month
        _book(g, hall, day=date(2027, 2, 6))
    assert "先着順" in str(e.value.message)
    with pytest.raises(ApplicationError) as e:  # the year-end closure of the schedule
        _book(g, hall, day=date(2026, 12, 30))
    assert "休館日" in str(e.value.message)
    with pytest.raises(ApplicationError) as e:
        booking.book_first_come(actor=g.account, registrant=g, room=hall, day=DAY, period="pm", attendees=99,
                                purpose="", today=TODAY)
    assert e.value.field == "attendees"
    other = make_registrant()
    with pytest.raises(ApplicationError) as e:
        booking.book_first_come(actor=other.account, registrant=g, room=hall, day=DAY, period="pm", attendees=5,
                                purpose="", today=TODAY)
    assert e.value.code == "permission_denied"
    assert not Booking.objects.exists()


@pytest.mark.django_db
def test_paid_at_the_counter_the_booking_is_confirmed_with_a_signed_permit(halls, supervisor, isolated_ward_key,
                                                                           django_capture_on_commit_callbacks):
    _fac, (hall, _room) = halls
    g = make_registrant(email="club@example.jp")
    b = _book(g, hall)
    assert b.status == "provisional" and b.pay_by == date(2026, 12, 17)
    bill = booking.start_payment(actor=g.account, booking=b)
    assert booking.start_payment(actor=g.account, booking=b).pk == bill.pk  # the same bill on a retry
    assert (bill.amount, bill.source, bill.due_on) == (900, "facilities.booking", date(2026, 12, 17))
    with pytest.raises(ApplicationError):
        documents.permit_pdf(b)  # not before payment
    with django_capture_on_commit_callbacks(execute=True):  # the listener runs after the payment commits
        payments.record_counter_payment(actor=supervisor, bill=bill)
    b.refresh_from_db()
    assert b.status == "confirmed" and b.permit_number and b.permit_code.startswith("F-")
    assert AuditEvent.objects.filter(action="facilities.booking_confirmed", target_id=str(b.pk)).count() == 1
    pdf = documents.permit_pdf(b)
    result = verify_pdf(pdf)
    assert result.valid and result.verification_code == b.permit_code
    assert Notice.objects.filter(registrant=g, subject="本予約の完了").exists()


@pytest.mark.django_db
def test_cancellation_refunds_up_to_seven_days_before_and_not_after(halls, supervisor,
                                                                    django_capture_on_commit_callbacks):
    _fac, (hall, room) = halls
    g = make_registrant()
    early = _book(g, hall)
    late = _book(g, room, day=date(2026, 12, 8))
    for b in (early, late):
        with django_capture_on_commit_callbacks(execute=True):
            payments.record_counter_payment(actor=supervisor, bill=booking.start_payment(actor=g.account, booking=b))
        assert Booking.objects.get(pk=b.pk).status == "confirmed"
    booking.cancel_booking(actor=g.account, booking=early, reason="", today=TODAY)
    assert Bill.objects.get(source_ref=str(early.pk)).status == "refunded"
    booking.cancel_booking(actor=g.account, booking=late, reason="", today=TODAY)
    assert Bill.objects.get(source_ref=str(late.pk)).status == "paid"  # 5 days before: no refund
    events = AuditEvent.objects.filter(action="facilities.booking_cancelled").order_by("seq")
    assert [e.detail["refunded"] for e in events] == [900, 0]


@pytest.mark.django_db
def test_unpaid_bookings_lapse_at_their_deadline_and_their_bills_are_withdrawn(halls):
    _fac, (hall, _room) = halls
    g = make_registrant()
    b = _book(g, hall)
    bill = booking.start_payment(actor=g.account, booking=b)
    assert booking.lapse_unpaid(today=date(2026, 12, 17)) == 0
    assert booking.lapse_unpaid(today=date(2026, 12, 18)) == 1
    b.refresh_from_db()
    assert b.status == "lapsed" and Bill.objects.get(pk=bill.pk).status == "cancelled"
    assert _book(make_registrant(), hall).status == "provisional"  # the slot is free again


@pytest.mark.django_db
def test_money_arriving_after_a_lapse_goes_back(halls, supervisor, django_capture_on_commit_callbacks):
    _fac, (hall, _room) = halls
    g = make_registrant()
    b = _book(g, hall)
    bill = booking.start_payment(actor=g.account, booking=b)
    Booking.objects.filter(pk=b.pk).update(status="lapsed")
    with django_capture_on_commit_callbacks(execute=True):
        payment = payments.record_counter_payment(actor=supervisor, bill=bill)
    assert Payment.objects.get(pk=payment.pk).state == "refunded"
    assert Booking.objects.get(pk=b.pk).status == "lapsed"


@pytest.mark.django_db
def test_a_closure_cancels_refunds_and_tells_the_bookers(halls, supervisor, django_capture_on_commit_callbacks):
    fac, (hall, room) = halls
    g = make_registrant()
    paid = _book(g, hall)
    with django_capture_on_commit_callbacks(execute=True):
        payments.record_counter_payment(actor=supervisor, bill=booking.start_payment(actor=g.account, booking=paid))
    assert Booking.objects.get(pk=paid.pk).status == "confirmed"
    unpaid = _book(g, room)
    _closure, n = booking.close(actor=supervisor, facility=fac, room=None, date_from=DAY, date_to=DAY,
                                reason="空調工事")
    assert n == 2
    assert set(Booking.objects.values_list("status", flat=True)) == {"cancelled"}
    assert Bill.objects.get(source_ref=str(paid.pk)).status == "refunded"
    assert Bill.objects.filter(source_ref=str(unpaid.pk)).count() == 0
    assert Notice.objects.filter(registrant=g, subject="休館による予約の取消").count() == 2
    with pytest.raises(ApplicationError):
        _book(g, hall)  # closed now


@pytest.mark.django_db
def test_bookings_export_to_a_calendar(halls):
    from icalendar import Calendar

    _fac, (hall, _room) = halls
    b = _book(make_registrant(), hall)
    cal = Calendar.from_ical(documents.ics([b], now=timezone.now()))
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    assert events[0]["SUMMARY"] == "豊玉北地区区民館 集会室"
    assert events[0].decoded("DTSTART") == b.starts_at
    assert str(events[0]["STATUS"]) == "TENTATIVE"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_bookings_of_one_slot_one_wins(halls):
    if connection.vendor != "postgresql":
        pytest.skip("threads against one database need PostgreSQL")
    _fac, (hall, _room) = halls
    registrants = [make_registrant() for _ in range(50)]
    barrier = threading.Barrier(50)
    won, refused, errors = [], [], []

    def one(r):
        try:
            barrier.wait()
            won.append(_book(r, hall).pk)
        except ApplicationError as e:
            refused.append(str(e.message))
        except Exception as e:
            errors.append(repr(e))
        finally:
            connections.close_all()

    with mock.patch("kuyakusho.facilities.booking.timezone.localdate", return_value=TODAY):
        workers = [threading.Thread(target=one, args=(r,)) for r in registrants]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    assert errors == []
    assert len(won) == 1 and len(refused) == 49
    assert set(refused) == {"この枠はほかの方が先に予約しました。別の日時を選んでください。"}
    assert Booking.objects.filter(room=hall, date=DAY, status__in=["provisional", "confirmed"]).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_refuses_overlapping_time_ranges_of_a_room(halls):
    """The exclusion constraint: even a row whose period code differs may not overlap in time."""
    if connection.vendor != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's")
    _fac, (hall, _room) = halls
    b = _book(make_registrant(), hall)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(room=hall, date=DAY, period="x", starts_at=b.starts_at, ends_at=b.ends_at,
                               registrant=b.registrant, status="confirmed", source="first_come", fee=0)
