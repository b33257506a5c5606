"""転入・国外転入・転居・転出・国外転出: the rule, refusals, the audit record, the state rebuilt by date."""

from __future__ import annotations

import datetime as dt

import pytest

from kuyakusho.audit.models import AuditEvent
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.residents import selectors
from kuyakusho.residents.models import Event, EventKind, Household, MoveOutCertificate, Resident, Status
from kuyakusho.residents.services import (
    Address,
    Mover,
    Notifier,
    file_abroad_in,
    file_abroad_out,
    file_move_in,
    file_move_out,
    file_move_within,
)

from .conftest import ADDRESS, MY_NUMBERS, SELF, cert, days, person
from .factories import family

pytestmark = pytest.mark.django_db


def move_in_couple(clerk, today, **kw):
    people = [person(my_number=MY_NUMBERS[0]),
              person(name="山田 花子", name_kana="ヤマダ ハナコ", sex="female", relationship="妻",
                     birth_date=dt.date(1987, 8, 1), hittosha="山田 太郎", my_number=MY_NUMBERS[1])]
    return file_move_in(actor=clerk, people=people, address=ADDRESS, moved_on=today - days(3), notifier=SELF,
                        certificate=cert(today), **kw)


def test_move_in_creates_a_household_with_one_head(clerk, today):
    event = move_in_couple(clerk, today)
    assert event.kind == EventKind.MOVE_IN and not event.late
    assert event.receipt_number.endswith("-000001")
    head, wife = Resident.objects.order_by("id")
    assert head.is_head and head.relationship == "世帯主" and not wife.is_head
    assert head.household_id == wife.household_id
    assert head.previous_address == "東京都杉並区阿佐谷南1丁目14番2号"
    assert head.became_resident_on == today - days(3) and head.address_notified_on == today
    assert len(head.resident_code) == 11 and head.resident_code != wife.resident_code
    assert event.entries.count() == 2
    assert wife.kana_key == "ヤマダハナコ"
    audit = AuditEvent.objects.filter(action="residents.move_in").order_by("seq")
    assert [a.subject_id for a in audit] == [str(head.pk), str(wife.pk)]
    assert audit[0].changes["name"] == [None, "山田 太郎"]
    assert audit[0].changes["my_number"] == [None, "***"]


def test_move_in_state_by_date(clerk, today):
    move_in_couple(clerk, today)
    head = Resident.objects.get(is_head=True)
    assert selectors.resident_on(head, today - days(4)) is None
    state = selectors.resident_on(head, today - days(3))
    assert state.is_resident_on(today) and state.address.startswith("東京都練馬区豊玉北6丁目12番1号")
    assert [s.name for s in selectors.household_on(head.household, today)] == ["山田 太郎", "山田 花子"]


def test_late_move_in_is_accepted_and_flagged(clerk, today):
    event = file_move_in(actor=clerk, people=[person()], address=ADDRESS, moved_on=today - days(20),
                         notifier=SELF, certificate=cert(today, issued_on=today - days(25),
                                                         planned_move_on=today - days(20)))
    assert event.late


def test_special_move_in_needs_my_number_and_30_days(clerk, today):
    with pytest.raises(ApplicationError) as e:
        file_move_in(actor=clerk, people=[person()], address=ADDRESS, moved_on=today, notifier=SELF,
                     certificate=cert(today), special=True)
    assert e.value.field == "people.0.my_number"
    with pytest.raises(ApplicationError) as e:
        file_move_in(actor=clerk, people=[person(my_number=MY_NUMBERS[2])], address=ADDRESS, moved_on=today,
                     notifier=SELF, certificate=cert(today, issued_on=today - days(40),
                                                     planned_move_on=today - days(35)), special=True)
    assert e.value.field == "moved_on"
    event = file_move_in(actor=clerk, people=[person(my_number=MY_NUMBERS[2])], address=ADDRESS, moved_on=today,
                         notifier=SELF, certificate=cert(today), special=True)
    assert event.details["special"] is True


@pytest.mark.parametrize(("kw", "field"), [
    ({"certificate_issued_on": 1}, "certificate_issued_on"),
    ({"moved_on": 1}, "moved_on"),
    ({"town": "新宿"}, "town"),
    ({"chome": 9}, "chome"),
    ({"kana": "山田タロウ"}, "people.0.name_kana"),
    ({"birth": 1}, "people.0.birth_date"),
    ({"two_heads": 1}, "residents"),
    ({"proxy_without_letter": 1}, "letter_of_authority"),
])
def test_move_in_refusals_write_nothing(clerk, today, kw, field):
    c = cert(today, issued_on=today + days(1)) if "certificate_issued_on" in kw else cert(today)
    moved_on = today + days(1) if "moved_on" in kw else today
    address = Address(town=kw.get("town", "豊玉北"), chome=kw.get("chome", 6), banchi="1")
    people = [person(name_kana=kw.get("kana", "ヤマダ タロウ"),
                     birth_date=today + days(1) if "birth" in kw else dt.date(1980, 1, 1))]
    if "two_heads" in kw:
        people.append(person(name="山田 次郎"))
    notifier = Notifier(type="proxy", name="代理 人") if "proxy_without_letter" in kw else SELF
    with pytest.raises(ApplicationError) as e:
        file_move_in(actor=clerk, people=people, address=address, moved_on=moved_on, notifier=notifier,
                     certificate=c)
    assert e.value.field == field
    assert str(e.value.message)
    assert not Resident.objects.exists() and not Household.objects.exists() and not Event.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="residents.").exists()


def test_duplicate_my_number_is_refused(clerk, today):
    members = family(1)
    with pytest.raises(ApplicationError) as e:
        file_move_in(actor=clerk, people=[person(my_number=members[0].my_number)], address=ADDRESS,
                     moved_on=today, notifier=SELF, certificate=cert(today))
    assert (e.value.code, e.value.field) == (ErrorCode.DUPLICATE, "people.0.my_number")


def test_move_in_joining_a_household(clerk, today):
    head, *_ = family(2)
    file_move_in(actor=clerk, people=[person(name="山田 祖母", relationship="妻の母", sex="female")],
                 join_household_id=head.household_id, moved_on=today, notifier=SELF, certificate=cert(today))
    assert head.household.members.count() == 3


def test_abroad_in_for_a_foreign_resident(clerk, today):
    p = person(name="SMITH JOHN", name_kana="スミス ジョン", honseki="", hittosha="", nationality="アメリカ合衆国",
               residence_status="技術・人文知識・国際業務", period_of_stay="3年", stay_expires_on=today + days(900),
               residence_card_number="ab12345678cd")
    event = file_abroad_in(actor=clerk, people=[p], address=ADDRESS, moved_on=today, notifier=SELF,
                           from_country="アメリカ合衆国")
    r = Resident.objects.get()
    assert event.kind == EventKind.ABROAD_IN and r.residence_card_number == "AB12345678CD"
    assert r.previous_address == "国外（アメリカ合衆国）" and r.became_resident_reason == "abroad_in"
    with pytest.raises(ApplicationError) as e:
        file_abroad_in(actor=clerk, people=[person(nationality="中国", residence_status="留学")], address=ADDRESS,
                       moved_on=today, notifier=SELF, from_country="中国")
    assert e.value.field == "people.0.stay_expires_on"


def test_move_within_whole_household(clerk, today):
    members = family(3)
    household = members[0].household
    old = household.address
    event = file_move_within(
        actor=clerk, household_id=household.pk, movers=[Mover(m.pk, m.version) for m in members],
        address=Address(town="桜台", chome=2, banchi="5", go="3"), moved_on=today - days(1), notifier=SELF)
    household.refresh_from_db()
    assert household.town == "桜台" and event.entries.count() == 3
    head = Resident.objects.get(pk=members[0].pk)
    assert head.previous_address == old and head.address_since == today - days(1) and head.version == 2
    assert selectors.resident_on(head, today - days(2)).town == "豊玉北"
    assert selectors.resident_on(head, today).town == "桜台"


def test_move_within_one_member_makes_a_new_household(clerk, today):
    head, wife, child = family(3)
    file_move_within(actor=clerk, household_id=head.household_id,
                     movers=[Mover(child.pk, child.version, relationship="世帯主")],
                     address=Address(town="石神井町", chome=3, banchi="20", go="1"), moved_on=today, notifier=SELF)
    child.refresh_from_db()
    assert child.is_head and child.household_id != head.household_id
    assert [s.name for s in selectors.household_on(head.household_id, today)] == [head.name, wife.name]
    assert [s.name for s in selectors.household_on(head.household_id, today - days(1))] == [head.name, wife.name,
                                                                                              child.name]


def test_move_within_the_head_leaves_and_a_new_head_is_named(clerk, today):
    head, wife, _child = family(3)
    with pytest.raises(ApplicationError) as e:
        file_move_within(actor=clerk, household_id=head.household_id, movers=[Mover(head.pk, head.version)],
                         address=Address(town="石神井町", chome=3, banchi="20"), moved_on=today, notifier=SELF)
    assert e.value.field == "remaining_head"
    file_move_within(actor=clerk, household_id=head.household_id, movers=[Mover(head.pk, head.version)],
                     address=Address(town="石神井町", chome=3, banchi="20"), moved_on=today, notifier=SELF,
                     remaining_head_id=wife.pk)
    wife.refresh_from_db()
    assert wife.is_head and wife.relationship == "世帯主"


def test_move_within_refuses_the_same_address_and_outside_the_ward(clerk, today):
    members = family(1)
    h = members[0].household
    for address, field in [(Address(h.town, h.chome, h.banchi, h.go, h.katagaki), "banchi"),
                           (Address("大宮", 1, "1"), "town")]:
        with pytest.raises(ApplicationError) as e:
            file_move_within(actor=clerk, household_id=h.pk, movers=[Mover(members[0].pk, 1)], address=address,
                             moved_on=today, notifier=SELF)
        assert e.value.field == field


def test_move_out_keeps_a_resident_until_the_planned_date(clerk, today):
    head, wife = family(2)
    event = file_move_out(actor=clerk, household_id=head.household_id,
                          movers=[Mover(head.pk, head.version), Mover(wife.pk, wife.version)],
                          planned_move_on=today + days(7), destination="埼玉県さいたま市浦和区高砂3丁目1番1号",
                          notifier=SELF)
    head.refresh_from_db()
    assert head.status == Status.REMOVED and head.removed_on == today + days(7)
    assert head.is_resident_on(today) and head.is_removed_on(today + days(7))
    assert Resident.objects.filter(selectors.resident_q(today)).count() == 2
    assert Resident.objects.filter(selectors.resident_q(today + days(7))).count() == 0
    cert_ = MoveOutCertificate.objects.get(event=event)
    assert cert_.planned_move_on == today + days(7)
    head.household.refresh_from_db()
    assert head.household.closed_on == today + days(7)
    assert selectors.resident_on(head, today).status == "active"
    assert not selectors.resident_on(head, today + days(7)).is_resident_on(today + days(7))


def test_move_out_refusals(clerk, today):
    head, wife = family(2)
    kw = dict(actor=clerk, household_id=head.household_id, notifier=SELF, destination="大阪府大阪市北区")
    with pytest.raises(ApplicationError) as e:
        file_move_out(movers=[Mover(wife.pk, 1)], planned_move_on=today + days(30), **kw)
    assert e.value.field == "moved_on"
    with pytest.raises(ApplicationError) as e:
        file_move_out(movers=[Mover(wife.pk, 1)], planned_move_on=today, **{**kw, "destination": "練馬区旭町1丁目"})
    assert e.value.field == "destination"
    file_move_out(movers=[Mover(wife.pk, 1)], planned_move_on=today - days(1), **kw)
    with pytest.raises(ApplicationError) as e:
        file_move_out(movers=[Mover(wife.pk, 2)], planned_move_on=today, **kw)
    assert e.value.code == ErrorCode.REFUSED and "除票" in str(e.value.message)


def test_abroad_out_of_the_last_member_closes_the_household(clerk, today):
    (head,) = family(1)
    event = file_abroad_out(actor=clerk, household_id=head.household_id, movers=[Mover(head.pk, 1)],
                            planned_move_on=today, destination_country="フランス", notifier=SELF)
    head.refresh_from_db()
    assert head.destination == "国外（フランス）" and head.removal_reason == "abroad_out"
    assert Household.objects.get().closed_on == today
    assert not hasattr(event, "move_out_certificate")


def test_stale_version_is_a_conflict_showing_what_changed(clerk, today):
    (head,) = family(1)
    file_move_within(actor=clerk, household_id=head.household_id, movers=[Mover(head.pk, 1)],
                     address=Address(town="桜台", chome=2, banchi="5"), moved_on=today, notifier=SELF)
    with pytest.raises(ApplicationError) as e:
        file_move_within(actor=clerk, household_id=head.household_id, movers=[Mover(head.pk, 1)],
                         address=Address(town="桜台", chome=3, banchi="5"), moved_on=today, notifier=SELF)
    assert e.value.code == ErrorCode.CONFLICT
    assert e.value.extra["changed"]["town"] == ["豊玉北", "桜台"]
