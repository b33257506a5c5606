"""Booking changes (変更): to another free slot of the same facility and fee, atomically under the constraint that
refuses double booking, as late as a cancellation, audited; the resident's page."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest

from kuyakusho.audit.models import AuditEvent
from kuyakusho.core.errors import ApplicationError
from kuyakusho.facilities import booking
from kuyakusho.facilities.models import Booking, Facility, Fee, Room
from kuyakusho.payments import services as payments
from kuyakusho.payments.models import Bill

from .conftest import TODAY, make_registrant, resident_client

pytestmark = pytest.mark.django_db
DAY = date(2026, 12, 20)


def _book(registrant, room, day=DAY, period="pm", attendees=10):
    return booking.book_first_come(actor=registrant.account, registrant=registrant, room=room, day=day,
                                   period=period, attendees=attendees, purpose="練習", today=TODAY)


def _change(b, room, day=DAY, period="pm", actor=None):
    return booking.change_booking(actor=actor or b.registrant.account, booking=b, room=room, day=day, period=period,
                                  today=TODAY)


def _live(room, day, period):
    return Booking.objects.filter(room=room, date=day, period=period, status__in=["provisional", "confirmed"])


def test_a_provisional_booking_moves_to_a_free_slot_and_frees_the_old_one_audited(halls):
    _fac, (hall, room) = halls
    g = make_registrant()
    b = _book(g, hall)
    bill = booking.start_payment(actor=g.account, booking=b)
    moved = _change(b, room, day=date(2026, 12, 22), period="night")
    assert (moved.pk, moved.room, moved.date, moved.period) == (b.pk, room, date(2026, 12, 22), "night")
    b.refresh_from_db()
    assert (b.room_id, b.date, b.period, b.status, b.fee) == (room.pk, date(2026, 12, 22), "night", "provisional", 900)
    assert b.starts_at.hour == 9 and b.starts_at.minute == 0  # 18:00 in Tokyo is 09:00 UTC
    assert b.pay_by == date(2026, 12, 17)  # earlier of the old deadline and the day before use
    assert booking.bill_for(b).pk == bill.pk  # the same bill, still payable for the same amount
    assert not _live(hall, DAY, "pm").exists()
    other = make_registrant()
    assert _book(other, hall).registrant == other  # the old slot is free again
    event = AuditEvent.objects.get(action="facilities.booking_changed")
    assert event.changes == {"room": [hall.pk, room.pk], "date": ["2026-12-20", "2026-12-22"],
                             "period": ["pm", "night"]}
    assert event.target_id == str(b.pk)


def test_a_change_to_an_already_taken_slot_is_refused_and_nothing_changes(halls):
    _fac, (hall, room) = halls
    mine, theirs = make_registrant(), make_registrant()
    b = _book(mine, hall)
    taken = _book(theirs, room, day=date(2026, 12, 21), period="am")
    with pytest.raises(ApplicationError) as e:
        _change(b, room, day=date(2026, 12, 21), period="am")
    assert e.value.code == "conflict" and "ほかの方が先に予約" in str(e.value.message)
    b.refresh_from_db()
    assert (b.room_id, b.date, b.period, b.status) == (hall.pk, DAY, "pm", "provisional")
    assert list(_live(room, date(2026, 12, 21), "am")) == [taken]
    assert not AuditEvent.objects.filter(action="facilities.booking_changed").exists()


def test_a_confirmed_booking_keeps_its_payment_and_gets_a_new_permit(halls, supervisor,
                                                                     django_capture_on_commit_callbacks):
    _fac, (hall, _room) = halls
    g = make_registrant()
    b = _book(g, hall)
    with django_capture_on_commit_callbacks(execute=True):
        payments.record_counter_payment(actor=supervisor, bill=booking.start_payment(actor=g.account, booking=b))
    b.refresh_from_db()
    old_number, old_code = b.permit_number, b.permit_code
    assert b.status == "confirmed" and old_code
    _change(b, hall, day=date(2026, 12, 23), period="am")
    b.refresh_from_db()
    assert b.status == "confirmed" and b.date == date(2026, 12, 23)
    assert b.permit_number != old_number and b.permit_code != old_code
    assert not Booking.objects.filter(permit_code=old_code).exists()  # the old printout no longer verifies
    assert Bill.objects.get(source_ref=str(b.pk)).status == "paid"
    event = AuditEvent.objects.get(action="facilities.booking_changed")
    assert event.detail["permit"] == [old_number, b.permit_number]


def test_changes_only_under_the_facilitys_rules(halls, supervisor):
    fac, (hall, room) = halls
    g = make_registrant()
    b = _book(g, hall)
    refusals = [
        # (room, day, period, actor) → (code, words)
        ((hall, DAY, "pm", None), ("invalid_input", "同じ枠")),
        ((hall, date(2026, 12, 30), "pm", None), ("closed", "休館日")),  # the year-end closure
        ((hall, TODAY, "night", None), ("closed", "休館日または利用時間外")),  # today is past for booking
        ((hall, date(2027, 2, 6), "pm", None), ("closed", "先着順")),  # the lottery's month
        ((hall, date(2026, 12, 21), "h09", None), ("closed", "利用時間外")),  # not a slot of this room
        ((hall, date(2026, 12, 21), "pm", make_registrant().account), ("permission_denied", "変更できません")),
    ]
    for (to_room, day, period, actor), (code, words) in refusals:
        with pytest.raises(ApplicationError) as e:
            _change(b, to_room, day=day, period=period, actor=actor)
        assert e.value.code == code and words in str(e.value.message), (day, period, e.value.message)
    # Another facility's room.
    other_fac = Facility.objects.create(code="131202-F0002", kind=fac.kind, name_ja="別館", kana="ベッカン",
                                        area="練馬", address="練馬区", latitude="35.7", longitude="139.6",
                                        schedule=fac.schedule)
    far = Room.objects.create(facility=other_fac, code="hall", name_ja="集会室", capacity=60, scheme="periods")
    with pytest.raises(ApplicationError) as e:
        _change(b, far, day=date(2026, 12, 21))
    assert e.value.field == "room"
    # A room too small for the party.
    small = Room.objects.create(facility=fac, code="small", name_ja="和室", capacity=6, scheme="periods")
    with pytest.raises(ApplicationError) as e:
        _change(b, small, day=date(2026, 12, 21))
    assert "定員（6人）" in str(e.value.message)
    # A slot of another fee: only equal fees, and the message says so.
    Fee.objects.filter(room=room, period="night").update(group=1500)
    with pytest.raises(ApplicationError) as e:
        _change(b, room, day=date(2026, 12, 21), period="night")
    assert "使用料が同じ枠にだけ" in str(e.value.message) and "1500円" in str(e.value.message)
    # As late as a cancellation: not on the day of use.
    with pytest.raises(ApplicationError) as e:
        booking.change_booking(actor=g.account, booking=b, room=room, day=date(2026, 12, 22), period="pm",
                               today=DAY)
    assert "当日以降は変更できません" in str(e.value.message)
    # A cancelled booking, a ward event.
    event = booking.book_ward_event(actor=supervisor, room=room, day=date(2026, 12, 24), period="am", purpose="行事",
                                    today=TODAY)
    with pytest.raises(ApplicationError):
        _change(event, room, day=date(2026, 12, 25), actor=supervisor)
    booking.cancel_booking(actor=g.account, booking=b, reason="", today=TODAY)
    with pytest.raises(ApplicationError) as e:
        _change(b, room, day=date(2026, 12, 21))
    assert "変更できる状態ではありません" in str(e.value.message)
    b.refresh_from_db()
    assert (b.room_id, b.date, b.period) == (hall.pk, DAY, "pm")
    assert not AuditEvent.objects.filter(action="facilities.booking_changed").exists()


def test_the_resident_changes_a_booking_on_her_page(halls):
    _fac, (hall, room) = halls
    g = make_registrant()
    b = _book(g, hall)
    c = resident_client(g.account)
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        assert "変更する" in c.get("/facilities/my/").content.decode()
        page = c.get(f"/facilities/my/bookings/{b.pk}/change").content.decode()
        assert "使用料が同じ枠だけ" in page and "洋室" in page
        taken = _book(make_registrant(), room, day=date(2026, 12, 21), period="am")
        r = c.post(f"/facilities/my/bookings/{b.pk}/change", {"room": room.pk, "date": "令和8年12月21日",
                                                              "period": "am"})
        assert r.status_code == 200 and "ほかの方が先に予約" in r.content.decode()
        r = c.post(f"/facilities/my/bookings/{b.pk}/change", {"room": room.pk, "date": "令和8年12月22日",
                                                              "period": "am"})
        assert r.status_code == 302
        # Someone else cannot open or change it.
        stranger = resident_client(make_registrant().account)
        assert stranger.get(f"/facilities/my/bookings/{b.pk}/change").status_code == 404
        assert stranger.post(f"/facilities/my/bookings/{taken.pk}/change", {"room": room.pk, "date": "令和8年12月23日",
                                                                            "period": "am"}).status_code == 404
    b.refresh_from_db()
    assert (b.room_id, b.date, b.period) == (room.pk, date(2026, 12, 22), "am")
    taken.refresh_from_db()
    assert taken.date == date(2026, 12, 21)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_changes_and_a_booking_into_one_slot_one_wins(halls):
    """Twenty bookers move to the same free slot while a twenty-first books it: exactly one live booking holds it,
    and every other booking is still in its own slot."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("threads against one database need PostgreSQL")
    _fac, (hall, room) = halls
    target = date(2026, 12, 24)
    movers = [_book(make_registrant(), hall, day=date(2026, 12, 4 + i), period="pm") for i in range(20)]
    newcomer = make_registrant()
    barrier = threading.Barrier(21)
    won, refused, errors = [], [], []

    def run(call):
        try:
            barrier.wait()
            won.append(call())
        except ApplicationError as e:
            refused.append(e.code)
        except Exception as e:
            errors.append(repr(e))
        finally:
            connections.close_all()

    calls = [lambda b=b: _change(b, room, day=target, period="am") for b in movers]
    calls.append(lambda: _book(newcomer, room, day=target, period="am"))
    with mock.patch("kuyakusho.facilities.booking.timezone.localdate", return_value=TODAY):
        workers = [threading.Thread(target=run, args=(c,)) for c in calls]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    assert errors == []
    assert len(won) == 1 and refused == ["conflict"] * 20
    assert _live(room, target, "am").count() == 1
    # nobody lost a booking: the twenty movers' (one of them perhaps moved), and the newcomer's if it won
    newcomer_won = won[0].registrant_id == newcomer.pk
    assert Booking.objects.filter(status="provisional").count() == 20 + newcomer_won
    stayed = Booking.objects.filter(pk__in=[b.pk for b in movers], room=hall, period="pm").count()
    assert stayed == 20 - (1 if won[0].pk in {b.pk for b in movers} else 0)
