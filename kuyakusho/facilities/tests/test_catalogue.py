"""Facility and room management in the console: edits audited with before and after, clear refusals, rooms
added with their fees, retired rooms hidden and not let."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest

from kuyakusho.audit.models import AuditEvent
from kuyakusho.core.errors import ApplicationError
from kuyakusho.facilities import booking, catalogue, services
from kuyakusho.facilities.models import Facility, Fee, Room
from kuyakusho.offices.models import Schedule

from .conftest import TODAY, make_registrant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        yield


def _facility_post(fac, **changes):
    data = {"form": "facility", "facility-name_ja": fac.name_ja, "facility-name_en": fac.name_en,
            "facility-kana": fac.kana, "facility-address": fac.address, "facility-postal_code": "176-0012",
            "facility-phone": "03-3993-1111", "facility-barrier_free_ja": "", "facility-barrier_free_en": "",
            "facility-schedule": fac.schedule_id}
    return {**data, **{f"facility-{k}": v for k, v in changes.items()}}


def test_staff_edit_a_facility_audited_with_before_and_after(client, halls, supervisor):
    fac, _rooms = halls
    sports = Schedule.objects.create(code="sports-test", name_ja="運動施設", name_en="Sports")
    client.force_login(supervisor)
    url = f"/console/facilities/f/{fac.code}/edit"
    page = client.get(url).content.decode()
    assert "利用時間の区分" in page and "集会室" in page
    r = client.post(url, _facility_post(fac, name_ja="豊玉北地域集会所",
                                        barrier_free_ja="車いす用トイレ\r\nエレベーター", schedule=sports.pk))
    assert r.status_code == 302
    fac.refresh_from_db()
    assert (fac.name_ja, fac.barrier_free_ja, fac.schedule_id, fac.postal_code) == \
        ("豊玉北地域集会所", "車いす用トイレ\nエレベーター", sports.pk, "176-0012")
    event = AuditEvent.objects.get(action="facilities.facility_updated")
    assert event.actor == supervisor
    assert event.changes["name_ja"] == ["豊玉北地区区民館", "豊玉北地域集会所"]
    assert event.changes["schedule_id"][1] == sports.pk
    # The public page shows the new name; the same form again writes nothing.
    assert "豊玉北地域集会所" in client.get(f"/facilities/f/{fac.code}/").content.decode()
    client.post(url, _facility_post(fac, name_ja="豊玉北地域集会所", barrier_free_ja="車いす用トイレ\nエレベーター",
                                    schedule=sports.pk))
    assert AuditEvent.objects.filter(action="facilities.facility_updated").count() == 1


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name_ja", "", "入力"), ("kana", "とよたま", "全角カタカナ"), ("postal_code", "1760012", "123-4567"),
    ("phone", "03 3993", "半角数字とハイフン"), ("address", "", "入力"),
])
def test_bad_facility_input_is_refused_with_a_message_and_nothing_written(client, halls, supervisor, field, value,
                                                                          message):
    fac, _rooms = halls
    client.force_login(supervisor)
    r = client.post(f"/console/facilities/f/{fac.code}/edit", _facility_post(fac, **{field: value}))
    assert r.status_code == 200 and message in r.content.decode()
    assert Facility.objects.get(pk=fac.pk).name_ja == "豊玉北地区区民館"
    assert not AuditEvent.objects.filter(action="facilities.facility_updated").exists()


def test_staff_add_a_room_with_its_fees_and_edit_it(client, halls, supervisor):
    fac, _rooms = halls
    client.force_login(supervisor)
    url = f"/console/facilities/f/{fac.code}/edit"
    room = {"form": "room", "room-code": "washitsu", "room-name_ja": "和室", "room-name_en": "Japanese room",
            "room-capacity": "12", "room-equipment_ja": "座卓、茶道具", "room-equipment_en": "",
            "room-scheme": "hourly", "room-resident": "300", "room-group": "200", "room-nonresident": "450"}
    assert client.post(url, room).status_code == 302
    new = Room.objects.get(facility=fac, code="washitsu")
    assert (new.capacity, new.equipment_ja, new.scheme, new.is_active) == (12, "座卓、茶道具", "hourly", True)
    fees = Fee.objects.filter(room=new)
    assert fees.count() == 12 and {(f.resident, f.group, f.nonresident) for f in fees} == {(300, 200, 450)}
    assert AuditEvent.objects.get(action="facilities.room_added").detail["fees"] == \
        {"resident": 300, "group": 200, "nonresident": 450}
    r = client.post(url, {**room, "room-name_ja": "別の和室"})
    assert "同じコードの部屋" in r.content.decode() and Room.objects.filter(code="washitsu").count() == 1
    r = client.post(url, {**room, "room-code": "和室"})
    assert r.status_code == 200 and Room.objects.filter(facility=fac).count() == 3
    # Edit: equipment and capacity.
    r = client.post(f"/console/facilities/rooms/{new.pk}/", {"form": "room", "name_ja": "和室", "name_en": "",
                                                            "capacity": "16", "equipment_ja": "座卓",
                                                            "equipment_en": "Low tables"})
    assert r.status_code == 302
    new.refresh_from_db()
    assert (new.capacity, new.equipment_ja, new.equipment_en) == (16, "座卓", "Low tables")
    assert AuditEvent.objects.get(action="facilities.room_updated").changes["capacity"] == [12, 16]


def test_capacity_cannot_fall_below_a_party_already_booked(halls, supervisor):
    _fac, (hall, _room) = halls
    g = make_registrant()
    booking.book_first_come(actor=g.account, registrant=g, room=hall, day=date(2026, 12, 20), period="pm",
                            attendees=40, purpose="", today=TODAY)
    values = {"name_ja": "集会室", "capacity": 30}
    with pytest.raises(ApplicationError) as e:
        catalogue.update_room(actor=supervisor, room=hall, values=values)
    assert e.value.field == "capacity" and "最大40人" in str(e.value.message)
    assert catalogue.update_room(actor=supervisor, room=hall, values={**values, "capacity": 40}).capacity == 40
    with pytest.raises(ApplicationError) as e:
        catalogue.update_room(actor=supervisor, room=hall, values={**values, "capacity": 0})
    assert "1人以上" in str(e.value.message)


def test_a_retired_room_is_hidden_and_not_let_and_rooms_with_bookings_ahead_are_not_retired(client, halls,
                                                                                            supervisor):
    fac, (_hall, room) = halls
    g = make_registrant()
    b = booking.book_first_come(actor=g.account, registrant=g, room=room, day=date(2026, 12, 20), period="pm",
                                attendees=5, purpose="", today=TODAY)
    client.force_login(supervisor)
    r = client.post(f"/console/facilities/rooms/{room.pk}/", {"form": "active", "active": "0"}, follow=True)
    assert "廃止できません" in r.content.decode() and Room.objects.get(pk=room.pk).is_active
    booking.cancel_booking(actor=g.account, booking=b, reason="", today=TODAY)
    r = client.post(f"/console/facilities/rooms/{room.pk}/", {"form": "active", "active": "0"})
    assert r.status_code == 302 and not Room.objects.get(pk=room.pk).is_active
    assert AuditEvent.objects.get(action="facilities.room_retired").changes == {"is_active": [True, False]}
    assert "洋室の空き状況" not in client.get(f"/facilities/f/{fac.code}/?month=2026-12").content.decode()
    assert [r["code"] for r in client.get("/api/facilities/").json()[0]["rooms"]] == ["hall"]
    edit = client.get(f"/console/facilities/f/{fac.code}/edit").content.decode()
    assert 'data-testid="room-state-yoshitsu">廃止' in edit
    room.refresh_from_db()
    with pytest.raises(ApplicationError) as e:
        booking.book_first_come(actor=g.account, registrant=g, room=room, day=date(2026, 12, 21), period="pm",
                                attendees=5, purpose="", today=TODAY)
    assert "利用を終了" in str(e.value.message)
    services.open_round(actor=supervisor, kind=fac.kind, month=date(2027, 2, 1), seed_sources="数字")
    with pytest.raises(ApplicationError):
        services.apply(actor=g.account, registrant=g, room=room, day=date(2027, 2, 6), period="am", attendees=5,
                       today=TODAY)
    catalogue.set_room_active(actor=supervisor, room=room, active=True)
    assert AuditEvent.objects.filter(action="facilities.room_restored").count() == 1


def test_console_editing_needs_the_facilities_capability(client, halls, clerk):
    fac, (hall, _room) = halls
    client.force_login(clerk)
    assert client.get(f"/console/facilities/f/{fac.code}/edit").status_code == 403
    assert client.post(f"/console/facilities/rooms/{hall.pk}/", {"form": "active", "active": "0"}).status_code == 403
    assert Room.objects.get(pk=hall.pk).is_active
