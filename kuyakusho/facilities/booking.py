"""Bookings: 仮予約 → payment → 本予約 with its 利用許可書; first-come bookings after the lottery, ward events,
cancellations with the kind's refund rule, lapses of unpaid bookings, closures, no-shows. The permit and the
calendar export are in :mod:`kuyakusho.facilities.documents`.

No double booking: the database refuses a second live booking of a slot (a partial unique constraint; on
PostgreSQL also an exclusion constraint on the time range). :func:`create_booking` turns the refusal into a
clear message; nothing is checked-then-written in Python alone.

Payment goes through ``payments``: a bill per booking (``source="facilities.booking"``, the booking's id as
``source_ref``), paid on the provider's page, at a counter or by convenience-store/Pay-easy bill;
:func:`payment_listener` (registered in ``apps.py`` with ``payments.services.on_payment_event``) confirms the
booking when the bill is captured. Refunds go back the way the money came (``payments.services.refund_payment``).
"""

from __future__ import annotations

import logging
import secrets
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuyakusho.accounts.models import Staff
from kuyakusho.audit.services import record_write
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.statements import next_in_year
from kuyakusho.core.text import check_text
from kuyakusho.core.wareki import fiscal_year
from kuyakusho.identity.models import PortalAccount
from kuyakusho.payments import selectors as payment_selectors
from kuyakusho.payments import services as payments
from kuyakusho.payments.models import Bill, Payment
from kuyakusho.payments.services import PaymentEvent

from .models import (
    LIVE,
    Application,
    Booking,
    Closure,
    DrawEntry,
    Facility,
    Fee,
    LotteryRound,
    Notice,
    PermitCounter,
    Registrant,
    Room,
)
from .notices import queue_mail
from .permissions import acts_for, may_handle_booking
from .selectors import awaits_substitute
from .services import check_group_rules, notice_date, promote_next_substitute, round_for
from .slots import add_months, closure_covers, find_period, open_periods, slot_times

log = logging.getLogger(__name__)
SOURCE = "facilities.booking"
Actor = Staff | PortalAccount | None


def fee_for(room: Room, period: str, registrant: Registrant | None) -> int:
    """The fee of one slot for this registrant: registered ward groups pay the group rate, people of the ward
    the resident rate, others the non-resident rate; a group with half its members 75 or older pays nothing
    where the kind's rules say so."""
    if registrant is None:
        return 0
    fee = Fee.objects.filter(room=room, period=period).first()
    if fee is None:
        return 0
    kind = room.facility.kind
    if kind.senior_waiver and registrant.kind == Registrant.Kind.GROUP and \
            registrant.senior_member_count * 2 >= registrant.member_count:
        return 0
    if registrant.kind == Registrant.Kind.GROUP and registrant.is_ward:
        return fee.group
    return fee.resident if registrant.is_ward else fee.nonresident


def first_come_open(room: Room, day: date, today: date) -> bool:
    """Whether the slot's month takes first-come bookings: kinds without a lottery up to the months ahead they
    allow; with a lottery, once the month's draw is done and its confirmation deadline has passed (a month
    nearer than the lottery's lead, with no round, is open)."""
    kind = room.facility.kind
    horizon = add_months(today.replace(day=1), kind.months_ahead + 1)
    if day <= today or day >= horizon:
        return False
    if not kind.lottery:
        return True
    rnd = round_for(kind, day)
    if rnd is None:
        return day < add_months(today.replace(day=1), kind.months_ahead)
    return rnd.status == LotteryRound.Status.DRAWN and rnd.confirm_deadline is not None and \
        today > rnd.confirm_deadline


def pay_deadline(day: date, today: date, pay_days: int) -> date:
    """14 days (the kind's) after the booking, or the day before use, whichever is earlier."""
    return min(today + timedelta(days=pay_days), day - timedelta(days=1))


def create_booking(*, actor: Actor, registrant: Registrant | None, room: Room, day: date, period: str,
                   attendees: int, purpose: str, source: str, entry: DrawEntry | None = None,
                   today: date | None = None) -> Booking:
    """Write one live booking (call inside the caller's transaction or alone). The database refuses a slot
    already booked; the refusal comes back as a clear ``conflict``."""
    today = today or timezone.localdate()
    facility = room.facility
    p = find_period(room.scheme, period)
    if not room.is_active:
        raise ApplicationError(ErrorCode.CLOSED, _("この部屋は利用を終了しました。"), field="room")
    if p is None or p not in open_periods(room, day, facility=facility, closures=facility.closures.all()):
        raise ApplicationError(ErrorCode.CLOSED, _("この日時は休館日または利用時間外です。"), field="date")
    if day <= today:
        raise ApplicationError(ErrorCode.CLOSED, _("明日以降の日を選んでください。"), field="date")
    if not 1 <= attendees <= room.capacity:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("利用人数は1人以上、定員（%(n)s人）以下です。")
                               % {"n": room.capacity}, field="attendees")
    starts_at, ends_at = slot_times(day, p)
    fee = fee_for(room, period, registrant)
    free = fee == 0
    try:
        with transaction.atomic():
            booking = Booking.objects.create(
                room=room, date=day, period=period, starts_at=starts_at, ends_at=ends_at, registrant=registrant,
                purpose=purpose, attendees=attendees, source=source, entry=entry, fee=fee,
                status=Booking.Status.CONFIRMED if free else Booking.Status.PROVISIONAL,
                pay_by=None if free else pay_deadline(day, today, facility.kind.pay_days),
                confirmed_at=timezone.now() if free else None)
    except IntegrityError:
        raise ApplicationError(ErrorCode.CONFLICT,
                               _("この枠はほかの方が先に予約しました。別の日時を選んでください。")) from None
    if free and registrant is not None:
        _give_permit(booking)
    record_write(actor=actor, action="facilities.booked", target=booking,
                 subject_id="", changes={"room": room.pk, "date": day, "period": period, "status": booking.status,
                                         "source": source, "fee": fee,
                                         "registrant": registrant.number if registrant else ""})
    return booking


def book_first_come(*, actor: PortalAccount, registrant: Registrant, room: Room, day: date, period: str,
                    attendees: int, purpose: str, today: date | None = None) -> Booking:
    """A first-come booking (先着) of a free slot, once the slot's month is open to it."""
    today = today or timezone.localdate()
    if not acts_for(actor, registrant):
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("この利用者番号では予約できません。"))
    purpose = check_text(purpose or "", field="purpose", max_length=100)
    check_group_rules(registrant, room.facility.kind, today)
    if not first_come_open(room, day, today):
        raise ApplicationError(ErrorCode.CLOSED, _("この月はまだ先着順の予約を受け付けていません。"), field="date")
    if awaits_substitute(room, day, period):
        raise ApplicationError(ErrorCode.CONFLICT, _("この枠は繰り上げ当選の確認待ちです。別の日時を選んでください。"))
    with transaction.atomic():
        return create_booking(actor=actor, registrant=registrant, room=room, day=day, period=period,
                              attendees=attendees, purpose=purpose, source=Booking.Source.FIRST_COME, today=today)


def book_ward_event(*, actor: Staff, room: Room, day: date, period: str, purpose: str,
                    today: date | None = None) -> Booking:
    """A ward event's booking by staff. Before the month's draw it displaces the slot's applications (their
    applicants are told); after the draw it takes only free slots."""
    today = today or timezone.localdate()
    purpose = check_text(purpose, field="purpose", max_length=100)
    if not purpose:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("行事の名称を入力してください。"), field="purpose")
    with transaction.atomic():
        rnd = round_for(room.facility.kind, day)
        if rnd is not None:
            rnd = LotteryRound.objects.select_for_update().get(pk=rnd.pk)
            displaced = list(Application.objects.filter(round=rnd, room=room, date=day, period=period)
                             .select_related("registrant"))
            if rnd.status == LotteryRound.Status.DRAWN and displaced:
                raise ApplicationError(ErrorCode.CONFLICT,
                                       _("抽選後は、抽選の対象になった枠を区の行事で押さえることはできません。"))
            for app in displaced:
                record_write(actor=actor, action="facilities.application_displaced", target=app,
                             changes={"room": room.pk, "date": day, "period": period}, detail={"event": purpose})
                _notice(app.registrant, str(_("抽選の申込の取消（区の行事）")),
                        str(_("%(date)s %(room)sは区の行事に使うため、申込を取り消しました。"))
                        % {"date": notice_date(day), "room": room.name_ja})
                app.delete()
        return create_booking(actor=actor, registrant=None, room=room, day=day, period=period,
                              attendees=1, purpose=purpose, source=Booking.Source.STAFF, today=today)


def _notice(registrant: Registrant, subject: str, body: str) -> None:
    n = Notice.objects.create(registrant=registrant, subject=subject, body=body)
    if registrant.email:
        queue_mail([n.pk])


def confirm_win(*, actor: PortalAccount, entry: DrawEntry, today: date | None = None) -> Booking:
    """当選確認: the winner (or a promoted substitute) takes the slot as a provisional booking."""
    today = today or timezone.localdate()
    with transaction.atomic():
        e = (DrawEntry.objects.select_for_update().select_related(
            "application__registrant", "application__room__facility__kind")
             .get(pk=entry.pk))
        app = e.application
        if not acts_for(actor, app.registrant):
            raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("この当選は確認できません。"))
        if e.state != DrawEntry.State.WAITING:
            raise ApplicationError(ErrorCode.CONFLICT, _("この当選は確認できる状態ではありません。"))
        if e.confirm_by is None or today > e.confirm_by:
            raise ApplicationError(ErrorCode.CLOSED, _("当選確認の期限を過ぎています。"))
        booking = create_booking(actor=actor, registrant=app.registrant, room=app.room, day=app.date,
                                 period=app.period, attendees=app.attendees, purpose="",
                                 source=Booking.Source.LOTTERY, entry=e, today=today)
        e.state = DrawEntry.State.CONFIRMED
        e.save(update_fields=["state"])
        record_write(actor=actor, action="facilities.win_confirmed", target=e,
                     changes={"state": ["waiting", "confirmed"], "booking": booking.pk})
    return booking


# --- Payment ---------------------------------------------------------------------------------------------

def bill_for(booking: Booking) -> Bill | None:
    return payment_selectors.bill_for_source(source=SOURCE, source_ref=str(booking.pk))


def start_payment(*, actor: PortalAccount | Staff, booking: Booking) -> Bill:
    """The bill of a provisional booking (raised once; the same bill on every call)."""
    if isinstance(actor, PortalAccount) and not may_handle_booking(actor, booking):
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("この予約の支払はできません。"))
    if booking.status != Booking.Status.PROVISIONAL:
        raise ApplicationError(ErrorCode.CONFLICT, _("仮予約の状態の予約だけ支払えます。"))
    facility = booking.room.facility
    purpose = f"{facility.name_ja} {booking.room.name_ja} {booking.date:%Y/%m/%d} 使用料"
    with transaction.atomic():
        bill = payments.create_bill(actor=actor, purpose=purpose[:200], amount=booking.fee,
                                    payer_ref=f"facilities:{booking.registrant_id}", source=SOURCE,
                                    source_ref=str(booking.pk), due_on=booking.pay_by)
        if booking.bill_id != bill.pk:
            Booking.objects.filter(pk=booking.pk).update(bill_id=bill.pk)
            booking.bill_id = bill.pk
            record_write(actor=actor, action="facilities.bill_raised", target=booking,
                         changes={"bill": bill.number, "amount": bill.amount})
    return bill


def payment_listener(event: PaymentEvent) -> None:
    """``payments.services.on_payment_event``: a captured bill confirms its booking (本予約); money that arrives
    for a booking no longer provisional (lapsed or cancelled meanwhile) is given back."""
    if event.source != SOURCE or event.kind != Payment.State.CAPTURED:
        return
    confirm_paid(booking_id=int(event.source_ref), payment_id=event.payment_id)


def confirm_paid(*, booking_id: int, payment_id: int) -> Booking:
    with transaction.atomic():
        booking = Booking.objects.select_for_update(of=("self",)).select_related("room__facility").get(pk=booking_id)
        if booking.status == Booking.Status.CONFIRMED:
            return booking
        if booking.status != Booking.Status.PROVISIONAL:
            payment = Payment.objects.get(pk=payment_id)
            payments.refund_payment(actor=None, payment=payment, reason="予約が失効・取消済のため返金")
            record_write(actor=None, action="facilities.late_payment_refunded", target=booking,
                         detail={"payment": payment_id})
            return booking
        booking.status, booking.confirmed_at = Booking.Status.CONFIRMED, timezone.now()
        booking.save(update_fields=["status", "confirmed_at"])
        _give_permit(booking)
        record_write(actor=None, action="facilities.booking_confirmed", target=booking,
                     changes={"status": ["provisional", "confirmed"], "permit": booking.permit_number})
        if booking.registrant is not None:
            _notice(booking.registrant, str(_("本予約の完了")),
                    str(_("使用料の納付を確認しました。利用許可書（%(n)s）をダウンロードできます。"))
                    % {"n": booking.permit_number})
    return booking


def _give_permit(booking: Booking) -> None:
    """Number the 利用許可書 (the fiscal year's serial) and its verification code."""
    year = fiscal_year(timezone.localdate())
    serial = next_in_year(PermitCounter, year)
    if serial is None:
        raise ApplicationError(ErrorCode.CONFLICT, _("許可番号を採番できませんでした。もう一度お試しください。"))
    booking.permit_number = f"{year}-{serial:06d}"
    booking.permit_code = "F-" + "-".join(secrets.token_hex(2).upper() for _ in range(4))
    Booking.objects.filter(pk=booking.pk).update(permit_number=booking.permit_number, permit_code=booking.permit_code)


# --- Cancellation, lapse, closures, no-shows ----------------------------------------------------------------

def refundable(booking: Booking, today: date) -> bool:
    return (booking.date - today).days >= booking.room.facility.kind.refund_full_days


def cancel_booking(*, actor: PortalAccount | Staff, booking: Booking, reason: str, today: date | None = None,
                   full_refund: bool = False) -> Booking:
    """Cancel a live booking. Paid fees are refunded in full up to the kind's days before use (always, when
    the ward cancels: ``full_refund``); an unpaid bill is withdrawn."""
    today = today or timezone.localdate()
    reason = check_text(reason or "", field="reason", max_length=200) or str(_("利用者による取消"))
    with transaction.atomic():
        b = (Booking.objects.select_for_update(of=("self",)).select_related("room__facility__kind", "registrant")
             .get(pk=booking.pk))
        if isinstance(actor, PortalAccount) and not may_handle_booking(actor, b):
            raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("この予約は取り消せません。"))
        if b.status not in LIVE:
            raise ApplicationError(ErrorCode.CONFLICT, _("この予約はすでに取消または失効しています。"))
        if b.date <= today and not full_refund:
            raise ApplicationError(ErrorCode.CLOSED, _("利用日の当日以降は取り消せません。"))
        refunded = 0
        bill = bill_for(b)
        if bill is not None and bill.status == Bill.Status.OPEN:
            payments.cancel_bill(actor=actor, bill=bill)
        elif bill is not None and bill.status == Bill.Status.PAID and (full_refund or refundable(b, today)):
            payment = bill.payments.get(state=Payment.State.CAPTURED)
            payments.refund_payment(actor=actor, payment=payment, reason=f"施設予約の取消：{reason}"[:200])
            refunded = payment.amount
        before = b.status
        b.status, b.cancelled_at = Booking.Status.CANCELLED, timezone.now()
        b.save(update_fields=["status", "cancelled_at"])
        record_write(actor=actor, action="facilities.booking_cancelled", target=b,
                     changes={"status": [before, "cancelled"]}, detail={"reason": reason, "refunded": refunded})
    return b


def change_booking(*, actor: PortalAccount | Staff, booking: Booking, room: Room, day: date, period: str,
                   today: date | None = None) -> Booking:
    """変更: move a live booking to another free slot of the same facility, under the facility's rules (as late
    as a cancellation: not on the day of use or after; only into a month open to first-come booking).

    The booking keeps its row, bill and payment: one UPDATE takes the new slot under the same database
    constraints that refuse a double booking and frees the old slot in the same statement, so a slot already
    taken comes back as ``conflict`` with nothing changed. Only slots of the same fee are offered (payments
    have no partial refunds or top-ups); a confirmed booking gets a new 利用許可書 (number and verification code),
    so a printed permit of the old slot no longer verifies."""
    today = today or timezone.localdate()
    with transaction.atomic():
        b = (Booking.objects.select_for_update(of=("self",)).select_related("room__facility__kind", "registrant")
             .get(pk=booking.pk))
        if isinstance(actor, PortalAccount) and not may_handle_booking(actor, b):
            raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("この予約は変更できません。"))
        if b.registrant is None or b.status not in LIVE:
            raise ApplicationError(ErrorCode.CONFLICT, _("この予約は変更できる状態ではありません。"))
        if b.date <= today:
            raise ApplicationError(ErrorCode.CLOSED, _("利用日の当日以降は変更できません。"))
        if room.facility_id != b.room.facility_id or not room.is_active:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("同じ施設の部屋にだけ変更できます。"), field="room")
        if (room.pk, day, period) == (b.room_id, b.date, b.period):
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("今の予約と同じ枠です。別の日時を選んでください。"),
                                   field="date")
        p = find_period(room.scheme, period)
        facility = room.facility
        if p is None or day <= today or \
                p not in open_periods(room, day, facility=facility, closures=facility.closures.all()):
            raise ApplicationError(ErrorCode.CLOSED, _("この日時は休館日または利用時間外です。"), field="date")
        if not first_come_open(room, day, today):
            raise ApplicationError(ErrorCode.CLOSED, _("この月はまだ先着順の予約を受け付けていません。"), field="date")
        if b.attendees > room.capacity:
            raise ApplicationError(ErrorCode.INVALID_INPUT,
                                   _("利用人数（%(a)s人）が変更先の定員（%(n)s人）を超えます。")
                                   % {"a": b.attendees, "n": room.capacity}, field="room")
        fee = fee_for(room, period, b.registrant)
        if fee != b.fee:
            raise ApplicationError(ErrorCode.REFUSED,
                                   _("使用料が同じ枠にだけ変更できます（今の使用料 %(old)s円、変更先 %(new)s円）。"
                                     "使用料の違う枠へは、取り消してから予約し直してください。")
                                   % {"old": b.fee, "new": fee}, field="period")
        if awaits_substitute(room, day, period):
            raise ApplicationError(ErrorCode.CONFLICT,
                                   _("この枠は繰り上げ当選の確認待ちです。別の日時を選んでください。"))
        starts_at, ends_at = slot_times(day, p)
        before = {"room": b.room_id, "date": b.date, "period": b.period}
        pay_by = min(b.pay_by, day - timedelta(days=1)) if b.pay_by else None
        try:
            with transaction.atomic():
                Booking.objects.filter(pk=b.pk).update(room=room, date=day, period=period, starts_at=starts_at,
                                                       ends_at=ends_at, pay_by=pay_by)
        except IntegrityError:
            raise ApplicationError(ErrorCode.CONFLICT,
                                   _("この枠はほかの方が先に予約しました。別の日時を選んでください。")) from None
        b.room, b.date, b.period, b.starts_at, b.ends_at, b.pay_by = room, day, period, starts_at, ends_at, pay_by
        old_permit = b.permit_number
        if b.status == Booking.Status.CONFIRMED and old_permit:
            _give_permit(b)
        after = {"room": room.pk, "date": day, "period": period}
        record_write(actor=actor, action="facilities.booking_changed", target=b,
                     changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
                     detail={"fee": b.fee, "permit": [old_permit, b.permit_number] if old_permit else None})
    return b


def lapse_unpaid(*, today: date | None = None) -> int:
    """Provisional bookings unpaid past their deadline lapse (the scheduled task); their bills are withdrawn. A
    lottery win's booking that lapses passes its slot to the next substitute, when the substitute's confirmation
    deadline can still be met (``services.promote_next_substitute``); otherwise the slot opens first-come."""
    today = today or timezone.localdate()
    count = 0
    due = list(Booking.objects.filter(status=Booking.Status.PROVISIONAL, pay_by__lt=today)
               .values_list("pk", flat=True)[:5000])
    for pk in due:
        with transaction.atomic():
            b = (Booking.objects.select_for_update(of=("self",))
                 .select_related("registrant", "entry__application", "entry__round__kind").get(pk=pk))
            if b.status != Booking.Status.PROVISIONAL:
                continue
            bill = bill_for(b)
            if bill is not None and bill.status == Bill.Status.OPEN:
                try:
                    payments.cancel_bill(actor=None, bill=bill)
                except ApplicationError:  # a payment is under way: leave it for the next run
                    continue
            elif bill is not None and bill.status == Bill.Status.PAID:
                continue  # paid: the listener confirms it
            b.status = Booking.Status.LAPSED
            b.save(update_fields=["status"])
            promoted = _pass_win_on(b, today)
            record_write(actor=None, action="facilities.booking_lapsed", target=b,
                         changes={"status": ["provisional", "lapsed"]},
                         detail={"pay_by": b.pay_by, "substitute": promoted.pk if promoted else None})
            if b.registrant is not None:
                _notice(b.registrant, str(_("仮予約の失効")),
                        str(_("支払期限までに使用料の納付がなかったため、%(date)sの仮予約は失効しました。"))
                        % {"date": notice_date(b.date)})
            count += 1
    return count


def _pass_win_on(b: Booking, today: date) -> DrawEntry | None:
    """A lapsed lottery booking still in its won slot: the win lapses too and the slot goes to the next
    substitute (or, with none in time, opens first-come)."""
    e = b.entry
    if e is None or e.state != DrawEntry.State.CONFIRMED:
        return None
    app = e.application
    if (app.room_id, app.date, app.period) != (b.room_id, b.date, b.period):
        return None  # the booking was moved to another slot: the won slot was released then
    e = DrawEntry.objects.select_for_update().select_related("application", "round__kind").get(pk=e.pk)
    e.state = DrawEntry.State.LAPSED
    e.save(update_fields=["state"])
    record_write(actor=None, action="facilities.win_lapsed", target=e, changes={"state": ["confirmed", "lapsed"]},
                 detail={"booking": b.pk, "reason": "unpaid"})
    return promote_next_substitute(e, today)


def close(*, actor: Staff, facility: Facility, room: Room | None, date_from: date, date_to: date, reason: str
          ) -> tuple[Closure, int]:
    """Close a facility (or a room) for some days: live bookings on those days are cancelled, refunded in full
    and their bookers told."""
    reason = check_text(reason, field="reason", max_length=100)
    if not reason:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("休館の理由を入力してください。"), field="reason")
    if date_from > date_to:
        raise ApplicationError(ErrorCode.INVALID_DATE, _("終了日は開始日以降にしてください。"), field="date_to")
    if room is not None and room.facility_id != facility.pk:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("この施設の部屋を選んでください。"), field="room")
    with transaction.atomic():
        closure = Closure.objects.create(facility=facility, room=room, date_from=date_from, date_to=date_to,
                                         reason_ja=reason)
        record_write(actor=actor, action="facilities.closed", target=closure,
                     changes={"facility": facility.code, "room": room.pk if room else None,
                              "from": date_from, "to": date_to, "reason": reason})
        affected = Booking.objects.filter(room__facility=facility, date__gte=date_from, date__lte=date_to,
                                          status__in=LIVE)
        if room is not None:
            affected = affected.filter(room=room)
        cancelled = 0
        for b in affected.select_related("registrant"):
            cancel_booking(actor=actor, booking=b, reason=f"休館：{reason}", full_refund=True)
            if b.registrant is not None:
                _notice(b.registrant, str(_("休館による予約の取消")),
                        str(_("%(date)s %(facility)sは休館（%(reason)s）となるため、予約を取り消しました。"
                              "納付済の使用料は全額返金します。"))
                        % {"date": notice_date(b.date), "facility": facility.name_ja, "reason": reason})
            cancelled += 1
    return closure, cancelled


def mark_no_show(*, actor: Staff, booking: Booking) -> Booking:
    with transaction.atomic():
        b = Booking.objects.select_for_update().get(pk=booking.pk)
        if b.status != Booking.Status.CONFIRMED or b.date > timezone.localdate():
            raise ApplicationError(ErrorCode.CONFLICT, _("利用日を過ぎた本予約だけを無断不使用にできます。"))
        b.no_show = True
        b.save(update_fields=["no_show"])
        record_write(actor=actor, action="facilities.no_show", target=b, changes={"no_show": [False, True]})
    return b


def set_fee(*, actor: Staff, room: Room, period: str, resident: int, group: int, nonresident: int) -> Fee:
    """Set one slot's fees of a room (integer yen; the change is audited with its before and after)."""
    if find_period(room.scheme, period) is None:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("この部屋にない利用区分です。"), field="period")
    amounts = {"resident": resident, "group": group, "nonresident": nonresident}
    for name, value in amounts.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("使用料は0円以上100万円以下の整数で入力してください。"),
                                   field=name)
    with transaction.atomic():
        fee = Fee.objects.select_for_update().filter(room=room, period=period).first()
        before = {k: getattr(fee, k) for k in amounts} if fee else {}
        if fee is None:
            fee = Fee.objects.create(room=room, period=period, **amounts)
        else:
            for k, v in amounts.items():
                setattr(fee, k, v)
            fee.save(update_fields=list(amounts))
        record_write(actor=actor, action="facilities.fee_set", target=fee,
                     changes={k: [before.get(k), v] for k, v in amounts.items() if before.get(k) != v},
                     detail={"room": room.pk, "period": period})
    return fee


def closed_reason(room: Room, day: date) -> str:
    c = closure_covers(room.facility.closures.all(), room, day)
    return c.reason if c else ""
