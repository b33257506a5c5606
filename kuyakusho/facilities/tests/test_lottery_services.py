"""Registration, review, applications and the draw through the services: the rules, their refusals, their audit."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kuyakusho.audit.models import AuditEvent
from kuyakusho.core.errors import ApplicationError
from kuyakusho.facilities import booking, selectors, services
from kuyakusho.facilities.models import Application, Booking, Closure, DrawEntry, LotteryRound, Notice, Registrant

from .conftest import TODAY, make_account, make_registrant

pytestmark = pytest.mark.django_db
FEB = date(2027, 2, 1)


@pytest.fixture
def round_open(halls, supervisor):
    fac, _rooms = halls
    return services.open_round(actor=supervisor, kind=fac.kind, month=FEB, seed_sources="ナンバーズ4 2026年12月11日")


def _apply(registrant, room, day, period="am", today=TODAY):
    return services.apply(actor=registrant.account, registrant=registrant, room=room, day=day, period=period,
                          attendees=5, today=today)


def test_a_group_registers_and_staff_approve_it_audited(supervisor, settings):
    account = make_account()
    r = services.register(actor=account, kind="group", name="練馬コーラスの会", kana="ネリマコーラスノカイ",
                          activity="合唱", member_count=12, ward_member_count=9, senior_member_count=2,
                          representative_name="練馬 花子", representative_birth_date=date(1970, 1, 1),
                          representative_in_ward=True, phone="03-1111-2222", email="chorus@example.jp")
    assert r.status == "pending" and r.identity_check == "none" and len(r.number) == 8
    with pytest.raises(ApplicationError) as e:  # no identity check yet
        services.review_registrant(actor=supervisor, registrant=r, approve=True, reason="")
    assert e.value.field == "identity_checked_at_counter"
    services.review_registrant(actor=supervisor, registrant=r, approve=True, reason="",
                               identity_checked_at_counter=True)
    r.refresh_from_db()
    assert (r.status, r.identity_check, r.reviewed_by) == ("approved", "counter", supervisor)
    event = AuditEvent.objects.get(action="facilities.registrant_reviewed")
    assert event.actor == supervisor and event.changes["status"] == ["pending", "approved"]
    assert Notice.objects.filter(registrant=r, subject="利用者登録の審査結果").exists()


def test_a_rejection_needs_its_reason_and_a_person_registers_once(supervisor):
    account = make_account()
    kwargs = {"kind": "person", "name": "練馬 太郎", "kana": "ネリマ タロウ", "activity": "", "member_count": 1,
              "ward_member_count": 1, "senior_member_count": 0, "representative_name": "練馬 太郎",
              "representative_birth_date": date(1990, 5, 5), "representative_in_ward": True,
              "phone": "03-0000-1111", "email": ""}
    r = services.register(actor=account, **kwargs)
    with pytest.raises(ApplicationError) as e:
        services.register(actor=account, **kwargs)
    assert e.value.code == "duplicate"
    # A person may still represent a group.
    services.register(actor=account, **{**kwargs, "kind": "group", "name": "練馬囲碁クラブ", "member_count": 6,
                                        "ward_member_count": 4})
    with pytest.raises(ApplicationError) as e:
        services.review_registrant(actor=supervisor, registrant=r, approve=False, reason="")
    assert e.value.field == "reason"
    services.review_registrant(actor=supervisor, registrant=r, approve=False, reason="連絡先が確認できません")
    assert Registrant.objects.get(pk=r.pk).status == "rejected"


def test_bad_counts_and_text_are_refused_in_japanese():
    account = make_account()
    base = {"kind": "group", "name": "会", "kana": "カイ", "activity": "", "member_count": 5, "ward_member_count": 6,
            "senior_member_count": 0, "representative_name": "代表", "representative_birth_date": date(1990, 1, 1),
            "representative_in_ward": True, "phone": "03", "email": ""}
    with pytest.raises(ApplicationError) as e:
        services.register(actor=account, **base)
    assert e.value.field == "ward_member_count" and "構成員数以下" in str(e.value.message)
    with pytest.raises(ApplicationError):
        services.register(actor=account, **{**base, "ward_member_count": 1, "name": "会\u202e"})
    assert not Registrant.objects.exists()


def test_applications_outside_the_window_over_the_cap_on_closed_days_and_by_small_groups(halls, round_open):
    fac, (hall, room) = halls
    group = make_registrant()
    with pytest.raises(ApplicationError) as e:
        _apply(group, hall, date(2027, 2, 5), today=date(2026, 12, 11))
    assert e.value.code == "closed" and "申込期間外" in str(e.value.message)
    Closure.objects.create(facility=fac, date_from=date(2027, 2, 20), date_to=date(2027, 2, 20), reason_ja="点検")
    with pytest.raises(ApplicationError) as e:
        _apply(group, hall, date(2027, 2, 20))
    assert "休館日" in str(e.value.message)
    for d in (1, 2, 3):
        _apply(group, hall, date(2027, 2, d))
    with pytest.raises(ApplicationError) as e:
        _apply(group, hall, date(2027, 2, 4))
    assert "3件まで" in str(e.value.message)
    with pytest.raises(ApplicationError) as e:
        _apply(group, hall, date(2027, 2, 1))  # the same slot twice (under the cap on another registrant)
    small = make_registrant(members=3, ward_members=3)
    with pytest.raises(ApplicationError) as e:
        _apply(small, room, date(2027, 2, 5))
    assert "5人以上" in str(e.value.message)
    outside = make_registrant(members=10, ward_members=2)
    with pytest.raises(ApplicationError) as e:
        _apply(outside, room, date(2027, 2, 5))
    assert "50％以上" in str(e.value.message)
    pending = make_registrant(status="pending")
    with pytest.raises(ApplicationError) as e:
        _apply(pending, room, date(2027, 2, 5))
    assert "承認前" in str(e.value.message)
    assert Application.objects.count() == 3


@pytest.fixture
def drawn(round_open, halls, supervisor, django_capture_on_commit_callbacks):
    """Six groups apply for one slot, the first also for another; the draw runs and its queued task writes the
    result rows and notices after the commit."""
    _fac, (hall, _room) = halls
    groups = [make_registrant() for _ in range(6)]
    for g in groups:
        _apply(g, hall, date(2027, 2, 6))
    _apply(groups[0], hall, date(2027, 2, 7))
    with django_capture_on_commit_callbacks(execute=True):
        rnd = services.run_draw(actor=supervisor, round=round_open, seed_values="1234\n5 6 7 8 9 10",
                                today=date(2026, 12, 11))
    return rnd, groups


def test_the_draw_cannot_run_before_the_window_closes(round_open, supervisor):
    with pytest.raises(ApplicationError) as e:
        services.run_draw(actor=supervisor, round=round_open, seed_values="1", today=date(2026, 12, 10))
    assert e.value.code == "closed"
    assert LotteryRound.objects.get(pk=round_open.pk).status == "open"


def test_the_draw_once_then_a_second_draw_is_refused_and_audited(drawn, supervisor):
    rnd, _groups = drawn
    assert rnd.status == "drawn" and rnd.seed_key == "1234./5.6.7.8.9.10./"
    outcomes = sorted(DrawEntry.objects.filter(round=rnd).values_list("outcome", flat=True))
    assert outcomes == ["substitute"] * 5 + ["won"] * 2
    assert list(DrawEntry.objects.filter(outcome="substitute").order_by("rank").values_list("rank", flat=True)) == \
        [1, 2, 3, 4, 5]
    assert AuditEvent.objects.filter(action="facilities.round_drawn").count() == 1
    assert AuditEvent.objects.filter(action="facilities.round_results_written").count() == 1
    assert services.write_results(round_id=rnd.pk) == 0  # written once
    assert Notice.objects.filter(subject__startswith="施設の抽選結果").count() == 6
    with pytest.raises(ApplicationError) as e:
        services.run_draw(actor=supervisor, round=rnd, seed_values="9999", today=date(2026, 12, 12))
    assert e.value.code == "conflict" and "再抽選はできません" in str(e.value.message)
    refusal = AuditEvent.objects.get(action="facilities.redraw_refused")
    assert refusal.kind == "refusal" and refusal.actor == supervisor
    assert LotteryRound.objects.get(pk=rnd.pk).result_digest == rnd.result_digest


def test_redraw_reproduces_the_winners_from_the_published_file(drawn, tmp_path, capsys):
    import json

    rnd, _groups = drawn
    published = tmp_path / "published.json"
    published.write_text(json.dumps(rnd.published, ensure_ascii=False), encoding="utf-8")
    call_command("facilities_redraw", str(published))
    call_command("facilities_redraw", round=rnd.pk)
    assert "same winners" in capsys.readouterr().out
    assert "練馬" not in published.read_text(encoding="utf-8")  # pseudonymised: no names, no registrant ids
    tampered = dict(rnd.published)
    tampered["tickets"] = list(reversed(tampered["tickets"]))[1:]
    published.write_text(json.dumps(tampered), encoding="utf-8")
    with pytest.raises(CommandError, match="DIFFERENT"):
        call_command("facilities_redraw", str(published))


def test_winner_confirms_unconfirmed_wins_lapse_to_the_next_substitute(drawn):
    rnd, groups = drawn
    winner = DrawEntry.objects.get(outcome="won", application__date=date(2027, 2, 6))
    b = booking.confirm_win(actor=winner.application.registrant.account, entry=winner, today=date(2026, 12, 12))
    assert b.status == "provisional" and b.fee == 900 and b.pay_by == date(2026, 12, 26)
    with pytest.raises(ApplicationError):  # twice
        booking.confirm_win(actor=winner.application.registrant.account, entry=winner, today=date(2026, 12, 12))
    other = DrawEntry.objects.get(outcome="won", application__date=date(2027, 2, 7))
    with pytest.raises(ApplicationError) as e:  # someone else's win
        booking.confirm_win(actor=groups[1].account, entry=other, today=date(2026, 12, 12))
    assert e.value.code == "permission_denied"
    # The second win is never confirmed: on its deadline it still stands, the day after it lapses.
    assert services.lapse_unconfirmed(today=rnd.confirm_deadline) == 0
    assert services.lapse_unconfirmed(today=date(2026, 12, 19)) == 1
    assert DrawEntry.objects.get(pk=other.pk).state == "lapsed"
    # The 7th had a single applicant: nobody is promoted, and the lapsed win cannot be confirmed any more.
    assert not DrawEntry.objects.filter(state="waiting").exists()
    with pytest.raises(ApplicationError) as e:
        booking.confirm_win(actor=other.application.registrant.account, entry=other, today=date(2026, 12, 19))
    assert e.value.code == "conflict"


def test_a_lapsed_win_promotes_the_first_substitute(drawn):
    winner = DrawEntry.objects.get(outcome="won", application__date=date(2027, 2, 6))
    services.lapse_unconfirmed(today=date(2026, 12, 19))
    assert DrawEntry.objects.get(pk=winner.pk).state == "lapsed"
    first = DrawEntry.objects.get(outcome="substitute", rank=1)
    assert first.state == "waiting" and first.confirm_by == date(2026, 12, 26)
    assert DrawEntry.objects.filter(outcome="substitute", state="waiting").count() == 1
    b = booking.confirm_win(actor=first.application.registrant.account, entry=first, today=date(2026, 12, 20))
    assert b.registrant == first.application.registrant
    assert AuditEvent.objects.filter(action="facilities.substitute_promoted").count() == 1
    assert Booking.objects.filter(status__in=["provisional", "confirmed"]).count() == 1


def test_a_ward_event_displaces_applications_only_before_the_draw(halls, round_open, supervisor):
    _fac, (hall, _room) = halls
    g = make_registrant()
    _apply(g, hall, date(2027, 2, 6))
    booking.book_ward_event(actor=supervisor, room=hall, day=date(2027, 2, 6), period="am", purpose="区民まつり",
                            today=TODAY)
    assert not Application.objects.exists()
    assert Notice.objects.filter(registrant=g, subject__contains="区の行事").exists()
    _apply(g, hall, date(2027, 2, 7))
    services.run_draw(actor=supervisor, round=round_open, seed_values="1", today=date(2026, 12, 11))
    with pytest.raises(ApplicationError) as e:
        booking.book_ward_event(actor=supervisor, room=hall, day=date(2027, 2, 7), period="am", purpose="行事",
                                today=date(2026, 12, 12))
    assert "抽選後" in str(e.value.message)


def test_results_are_written_only_if_the_redraw_gives_the_recorded_digest(round_open, halls, supervisor):
    _fac, (hall, _room) = halls
    for g in [make_registrant() for _ in range(3)]:
        _apply(g, hall, date(2027, 2, 6))
    rnd = services.run_draw(actor=supervisor, round=round_open, seed_values="77", today=date(2026, 12, 11))
    assert not DrawEntry.objects.exists()  # queued, not yet run (no commit in this test)
    published = dict(rnd.published)
    published["tickets"] = published["tickets"][1:]  # one application dropped after the draw
    LotteryRound.objects.filter(pk=rnd.pk).update(published=published)
    with pytest.raises(ApplicationError):
        services.write_results(round_id=rnd.pk)
    assert not DrawEntry.objects.exists()
    LotteryRound.objects.filter(pk=rnd.pk).update(published=rnd.published)
    assert services.write_results(round_id=rnd.pk) == 3


def test_a_card_holder_linked_to_the_register_is_identified_online():
    from kuyakusho.identity.models import PortalAccount, ResidentLink
    from kuyakusho.residents.tests.factories import ResidentFactory

    account = PortalAccount.objects.create(kind="card", issuer="https://idp.example", subject="sub-1")
    ResidentLink.objects.create(account=account, resident=ResidentFactory())
    account = PortalAccount.objects.get(pk=account.pk)
    r = services.register(actor=account, kind="person", name="練馬 太郎", kana="ネリマ タロウ", activity="",
                          member_count=1, ward_member_count=1, senior_member_count=0,
                          representative_name="練馬 太郎", representative_birth_date=date(1990, 5, 5),
                          representative_in_ward=True, phone="03-0000-1111", email="")
    assert r.identity_check == "card"


def _winner_books(rnd):
    winner = DrawEntry.objects.get(outcome="won", application__date=date(2027, 2, 6))
    b = booking.confirm_win(actor=winner.application.registrant.account, entry=winner, today=date(2026, 12, 12))
    assert b.pay_by == date(2026, 12, 26)
    return winner, b


def test_an_unpaid_win_lapses_to_the_next_substitute_who_holds_the_slot(drawn, halls):
    rnd, _groups = drawn
    _fac, (hall, _room) = halls
    winner, b = _winner_books(rnd)
    assert booking.lapse_unpaid(today=date(2026, 12, 26)) == 0  # on its deadline it still stands
    assert booking.lapse_unpaid(today=date(2026, 12, 27)) == 1
    b.refresh_from_db()
    assert b.status == "lapsed" and DrawEntry.objects.get(pk=winner.pk).state == "lapsed"
    first = DrawEntry.objects.get(outcome="substitute", rank=1)
    assert first.state == "waiting" and first.confirm_by == date(2027, 1, 3)  # the kind's 7 days
    assert DrawEntry.objects.filter(outcome="substitute", state="waiting").count() == 1
    assert Notice.objects.filter(registrant=first.application.registrant, subject="補欠からの繰り上げ当選").exists()
    lapsed = AuditEvent.objects.get(action="facilities.booking_lapsed")
    assert lapsed.detail["substitute"] == first.pk
    assert AuditEvent.objects.get(action="facilities.win_lapsed").changes == {"state": ["confirmed", "lapsed"]}
    # While the substitute decides, the slot is not free for first-come booking (the month is open to it).
    stranger = make_registrant()
    with pytest.raises(ApplicationError) as e:
        booking.book_first_come(actor=stranger.account, registrant=stranger, room=hall, day=date(2027, 2, 6),
                                period="am", attendees=5, purpose="", today=date(2026, 12, 28))
    assert "繰り上げ当選の確認待ち" in str(e.value.message)
    grid = selectors.vacancy(hall.facility, FEB, today=date(2026, 12, 28))
    cells = dict(next(row for row in grid.rooms[0].days if row.day == date(2027, 2, 6)).cells)
    assert {p.code: state for p, state in cells.items()} == {"am": "taken", "pm": "free", "night": "free"}
    taken = booking.book_first_come(actor=stranger.account, registrant=stranger, room=hall, day=date(2027, 2, 6),
                                    period="pm", attendees=5, purpose="", today=date(2026, 12, 28))
    assert taken.status == "provisional"  # another slot of the same day is free
    b2 = booking.confirm_win(actor=first.application.registrant.account, entry=first, today=date(2026, 12, 28))
    assert b2.registrant == first.application.registrant and b2.status == "provisional"


def test_too_late_for_a_substitute_an_unpaid_win_opens_the_slot_first_come(drawn, halls):
    rnd, _groups = drawn
    _fac, (hall, _room) = halls
    winner, b = _winner_books(rnd)
    Booking.objects.filter(pk=b.pk).update(pay_by=date(2027, 2, 4))
    # The day before use: a substitute would have no day left to confirm.
    assert booking.lapse_unpaid(today=date(2027, 2, 5)) == 1
    assert DrawEntry.objects.get(pk=winner.pk).state == "lapsed"
    assert not DrawEntry.objects.filter(outcome="substitute").exclude(state="").exists()
    assert AuditEvent.objects.get(action="facilities.booking_lapsed").detail["substitute"] is None
    stranger = make_registrant()
    b2 = booking.book_first_come(actor=stranger.account, registrant=stranger, room=hall, day=date(2027, 2, 6),
                                 period="am", attendees=5, purpose="", today=date(2027, 2, 5))
    assert b2.source == "first_come" and b2.status == "provisional"


def test_a_moved_lottery_booking_that_lapses_promotes_nobody(drawn, halls):
    """The won slot was released when the booking moved; the lapse of the new slot is not the win's."""
    rnd, _groups = drawn
    _fac, (hall, _room) = halls
    winner, b = _winner_books(rnd)
    booking.change_booking(actor=b.registrant.account, booking=b, room=hall, day=date(2027, 2, 8), period="am",
                           today=date(2026, 12, 20))
    assert booking.lapse_unpaid(today=date(2026, 12, 27)) == 1
    assert DrawEntry.objects.get(pk=winner.pk).state == "confirmed"
    assert not DrawEntry.objects.filter(outcome="substitute").exclude(state="").exists()
    assert AuditEvent.objects.get(action="facilities.booking_lapsed").detail["substitute"] is None
