"""Pages of the facilities area: the public guide and vacancy (no login), the resident's registration,
applications and bookings (the resident session of ``identity``), and the console's pages."""

from __future__ import annotations

import json
from datetime import date

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.audit.services import record_read
from kuyakusho.core.access import public, staff
from kuyakusho.core.capabilities import Capability
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.identity.models import PortalAccount
from kuyakusho.identity.sessions import ResidentRequest, resident
from kuyakusho.payments.selectors import bill_link_token

from . import booking as bookings
from . import catalogue, documents, selectors, services
from .forms import (
    CancelForm,
    ChangeForm,
    ClosureForm,
    DrawForm,
    FacilityForm,
    FeeForm,
    NewRoomForm,
    RegistrantForm,
    ReviewForm,
    RoomForm,
    RoundForm,
    SlotForm,
    WardEventForm,
)
from .models import Application, Booking, DrawEntry, LotteryRound, Registrant, Room
from .slots import find_period, periods

C = Capability


def _month(value: str, today: date) -> date:
    return selectors.parse_month(value[:7]) or today.replace(day=1)


def _account(request: ResidentRequest) -> PortalAccount:
    return request.resident_session.account


# --- Public ------------------------------------------------------------------------------------------------

@public
def index(request: HttpRequest) -> HttpResponse:
    kind, area = request.GET.get("kind", "")[:32], request.GET.get("area", "")[:32]
    return render(request, "facilities/index.html", {
        "facilities": selectors.facilities(kind=kind, area=area), "kinds": selectors.kinds(),
        "areas": selectors.areas(), "kind": kind, "area": area})


@public
def facility(request: HttpRequest, code: str) -> HttpResponse:
    fac = selectors.facility(code)
    if fac is None:
        raise Http404
    today = timezone.localdate()
    month = _month(request.GET.get("month", ""), today)
    room_code = request.GET.get("room", "")[:32]
    grid = selectors.vacancy(fac, month, today=today, room_code=room_code)
    return render(request, "facilities/facility.html", {"facility": fac, "grid": grid, "room_code": room_code,
                                                        "today": today})


@public
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """The page the 利用許可書's QR code opens: is this permit genuine and still valid?"""
    booking = selectors.permit_by_code(code[:40])
    return render(request, "facilities/verify.html", {"booking": booking, "code": code[:40]},
                  status=200 if booking else 404)


# --- Residents ------------------------------------------------------------------------------------------------

@resident
def my(request: ResidentRequest) -> HttpResponse:
    account = _account(request)
    return render(request, "facilities/my.html", {
        "registrants": selectors.registrants_of(account.pk), "entries": selectors.waiting_entries_of(account.pk),
        "applications": selectors.applications_of(account.pk), "bookings": selectors.bookings_of(account.pk),
        "notices": selectors.notices_of(account.pk), "today": timezone.localdate()})


@resident
def register(request: ResidentRequest) -> HttpResponse:
    account = _account(request)
    form = RegistrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            r = services.register(actor=account, **d)
        except ApplicationError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
        else:
            messages.success(request, _("利用者登録を受け付けました（利用者番号 %(n)s）。区の審査をお待ちください。")
                             % {"n": r.number})
            return redirect("facilities:my")
    return render(request, "facilities/register.html", {"form": form,
                                                        "card": services.account_is_linked(account)})


@resident
def slot(request: ResidentRequest) -> HttpResponse:
    """Apply for a slot in the lottery, or book it first-come, as the month allows."""
    account = _account(request)
    data = request.POST if request.method == "POST" else request.GET
    form = SlotForm(data if request.method == "POST" else None, initial={
        "room": data.get("room"), "date": data.get("date"), "period": data.get("period"), "attendees": 1})
    try:
        room = (Room.objects.select_related("facility__kind", "facility__schedule")
                .get(pk=int(data.get("room", "0")), facility__is_active=True, is_active=True))
        day = date.fromisoformat(data.get("date", ""))
    except (Room.DoesNotExist, ValueError, OverflowError):
        raise Http404 from None
    period = find_period(room.scheme, data.get("period", ""))
    if period is None:
        raise Http404
    today = timezone.localdate()
    mode = selectors.month_mode(room.facility.kind, day.replace(day=1), today,
                                services.round_for(room.facility.kind, day))
    registrants = list(selectors.registrants_of(account.pk).filter(status=Registrant.Status.APPROVED))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        registrant = next((r for r in registrants if r.pk == d["registrant"]), None)
        try:
            if registrant is None:
                raise ApplicationError(ErrorCode.REFUSED, _("承認済の利用者登録を選んでください。"),
                                       field="registrant")
            if mode == "lottery":
                services.apply(actor=account, registrant=registrant, room=room, day=day, period=period.code,
                               attendees=d["attendees"])
                messages.success(request, _("抽選に申し込みました。"))
            else:
                b = bookings.book_first_come(actor=account, registrant=registrant, room=room, day=day,
                                             period=period.code, attendees=d["attendees"], purpose=d["purpose"])
                messages.success(request, _("仮予約しました。支払期限までに使用料をお支払いください。")
                                 if b.status == Booking.Status.PROVISIONAL else _("予約しました。"))
            return redirect("facilities:my")
        except ApplicationError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
    return render(request, "facilities/slot.html", {"form": form, "room": room, "day": day, "period": period,
                                                    "mode": mode, "registrants": registrants})


@resident
@require_POST
def confirm(request: ResidentRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(DrawEntry, pk=pk)
    try:
        bookings.confirm_win(actor=_account(request), entry=entry)
        messages.success(request, _("当選を確認しました。仮予約になりました。使用料をお支払いください。"))
    except ApplicationError as e:
        messages.error(request, e.message)
    return redirect("facilities:my")


@resident
@require_POST
def withdraw(request: ResidentRequest, pk: int) -> HttpResponse:
    app = get_object_or_404(Application, pk=pk, registrant__account_id=_account(request).pk)
    try:
        services.withdraw(actor=_account(request), application=app)
        messages.success(request, _("申込を取り下げました。"))
    except ApplicationError as e:
        messages.error(request, e.message)
    return redirect("facilities:my")


def _own_booking(request: ResidentRequest, pk: int) -> Booking:
    b = (Booking.objects.select_related("room__facility__kind", "registrant")
         .filter(pk=pk, registrant__account_id=_account(request).pk).first())
    if b is None:
        raise Http404
    return b


@resident
@require_POST
def pay(request: ResidentRequest, pk: int) -> HttpResponse:
    b = _own_booking(request, pk)
    try:
        bill = bookings.start_payment(actor=_account(request), booking=b)
    except ApplicationError as e:
        messages.error(request, e.message)
        return redirect("facilities:my")
    return redirect("payments:bill", token=bill_link_token(bill))


@resident
def permit(request: ResidentRequest, pk: int) -> HttpResponse:
    b = _own_booking(request, pk)
    try:
        pdf = documents.permit_pdf(b)
    except ApplicationError as e:
        messages.error(request, e.message)
        return redirect("facilities:my")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="permit-{b.permit_number}.pdf"'
    return response


@resident
def cancel(request: ResidentRequest, pk: int) -> HttpResponse:
    b = _own_booking(request, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            bookings.cancel_booking(actor=_account(request), booking=b, reason=form.cleaned_data["reason"])
            messages.success(request, _("予約を取り消しました。"))
            return redirect("facilities:my")
        except ApplicationError as e:
            form.add_error(None, e.message)
    return render(request, "facilities/cancel.html", {"form": form, "booking": b,
                                                      "refundable": bookings.refundable(b, timezone.localdate())})


@resident
def change(request: ResidentRequest, pk: int) -> HttpResponse:
    """Move a booking to another free slot of the same facility (same fee)."""
    b = _own_booking(request, pk)
    rooms = list(b.room.facility.rooms.filter(is_active=True).order_by("sort_order", "code"))
    choices: dict[str, str] = {}
    for r in rooms:
        for p in periods(r.scheme):
            choices.setdefault(p.code, f"{p.label} {p.span}")
    form = ChangeForm(request.POST or None, rooms=[(r.pk, r.name) for r in rooms], periods=list(choices.items()),
                      initial={"room": b.room_id, "period": b.period})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        room = next(r for r in rooms if r.pk == d["room"])
        try:
            moved = bookings.change_booking(actor=_account(request), booking=b, room=room, day=d["date"],
                                            period=d["period"])
            messages.success(request, _("予約を変更しました。")
                             if moved.status != Booking.Status.CONFIRMED or not moved.permit_number
                             else _("予約を変更しました。新しい利用許可書をダウンロードしてください。"))
            return redirect("facilities:my")
        except ApplicationError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
    return render(request, "facilities/change.html", {"form": form, "booking": b})


@resident
def calendar(request: ResidentRequest) -> HttpResponse:
    live = selectors.bookings_of(_account(request).pk).filter(status__in=("provisional", "confirmed"))
    response = HttpResponse(documents.ics(live), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="facility-bookings.ics"'
    return response


# --- Console -----------------------------------------------------------------------------------------------

@staff(C.MANAGE_FACILITIES)
def console_index(request: StaffRequest) -> HttpResponse:
    return render(request, "facilities/console_index.html", {
        "pending": selectors.pending_registrants()[:50], "rounds": selectors.rounds()[:24],
        "facilities": selectors.facilities(), "today": timezone.localdate()})


@staff(C.MANAGE_FACILITIES)
def console_registrant(request: StaffRequest, pk: int) -> HttpResponse:
    r = get_object_or_404(Registrant, pk=pk)
    with transaction.atomic():  # a registration holds personal data: the read is recorded, or the page fails
        record_read(actor=request.user, action="facilities.registrant_viewed", subject_id="", target=r,
                    purpose="利用者登録の審査")
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.review_registrant(actor=request.user, registrant=r, approve=d["decision"] == "approve",
                                       reason=d["reason"],
                                       identity_checked_at_counter=d["identity_checked_at_counter"])
            messages.success(request, _("審査結果を登録しました。"))
            return redirect("facilities:console_index")
        except ApplicationError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
    return render(request, "facilities/console_registrant.html", {"r": r, "form": form})


@staff(C.MANAGE_FACILITIES)
def console_rounds(request: StaffRequest) -> HttpResponse:
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            rnd = services.open_round(actor=request.user, kind=d["kind"], month=d["month"],
                                      seed_sources=d["seed_sources"])
            messages.success(request, _("抽選の申込受付を開始しました。"))
            return redirect("facilities:console_round", pk=rnd.pk)
        except ApplicationError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
    return render(request, "facilities/console_rounds.html", {"form": form, "rounds": selectors.rounds()})


@staff(C.MANAGE_FACILITIES)
def console_round(request: StaffRequest, pk: int) -> HttpResponse:
    rnd = get_object_or_404(LotteryRound.objects.select_related("kind"), pk=pk)
    form = DrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.run_draw(actor=request.user, round=rnd, seed_values=form.cleaned_data["seed_values"])
            messages.success(request, _("抽選を行いました。結果を公表しました。"))
            return redirect("facilities:console_round", pk=rnd.pk)
        except ApplicationError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
    summary = {o: rnd.entries.filter(outcome=o).count() for o in DrawEntry.Outcome.values}
    return render(request, "facilities/console_round.html", {
        "round": rnd, "form": form, "summary": summary,
        "applications": selectors.contested(rnd)[:200], "count": rnd.applications.count()})


@public
def published(request: HttpRequest, pk: int) -> HttpResponse:
    """A drawn round's published data (pseudonymised applications, seed, digest): anyone may re-run the draw."""
    rnd = get_object_or_404(LotteryRound, pk=pk, status=LotteryRound.Status.DRAWN)
    response = HttpResponse(json.dumps(rnd.published, ensure_ascii=False), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="lottery-{rnd.pk}.json"'
    return response


@staff(C.MANAGE_FACILITIES)
def console_facility(request: StaffRequest, code: str) -> HttpResponse:
    fac = selectors.facility(code)
    if fac is None:
        raise Http404
    closure_form = ClosureForm(request.POST if request.POST.get("form") == "closure" else None, prefix="closure")
    event_form = WardEventForm(request.POST if request.POST.get("form") == "event" else None, prefix="event")
    if request.method == "POST" and closure_form.is_bound and closure_form.is_valid():
        d = closure_form.cleaned_data
        room = fac.rooms.filter(pk=d["room"]).first() if d["room"] else None
        try:
            _closure, n = bookings.close(actor=request.user, facility=fac, room=room, date_from=d["date_from"],
                                         date_to=d["date_to"], reason=d["reason"])
            messages.success(request, _("休館を登録しました。取り消した予約：%(n)s件") % {"n": n})
            return redirect("facilities:console_facility", code=code)
        except ApplicationError as e:
            closure_form.add_error(e.field if e.field in closure_form.fields else None, e.message)
    if request.method == "POST" and event_form.is_bound and event_form.is_valid():
        d = event_form.cleaned_data
        room = fac.rooms.filter(pk=d["room"]).first()
        try:
            if room is None:
                raise Http404
            bookings.book_ward_event(actor=request.user, room=room, day=d["date"], period=d["period"],
                                     purpose=d["purpose"])
            messages.success(request, _("区の行事で予約しました。"))
            return redirect("facilities:console_facility", code=code)
        except ApplicationError as e:
            event_form.add_error(e.field if e.field in event_form.fields else None, e.message)
    if request.method == "POST" and request.POST.get("form") == "fee":
        fee_form = FeeForm(request.POST)
        room = fac.rooms.filter(pk=request.POST.get("room", "0")).first() if \
            request.POST.get("room", "").isdigit() and len(request.POST["room"]) < 19 else None
        if room is None or not fee_form.is_valid():
            messages.error(request, _("使用料は0円以上100万円以下の整数で入力してください。"))
        else:
            d = fee_form.cleaned_data
            try:
                bookings.set_fee(actor=request.user, room=room, period=d["period"], resident=d["resident"],
                                 group=d["group"], nonresident=d["nonresident"])
                messages.success(request, _("使用料を変更しました。"))
                return redirect("facilities:console_facility", code=code)
            except ApplicationError as e:
                messages.error(request, e.message)
    today = timezone.localdate()
    return render(request, "facilities/console_facility.html", {
        "facility": fac, "closure_form": closure_form, "event_form": event_form, "today": today,
        "closures": selectors.closures_ahead(fac, today)})


@staff(C.MANAGE_FACILITIES)
def console_facility_edit(request: StaffRequest, code: str) -> HttpResponse:
    """Edit a facility (names, address, barrier-free information, hours) and add rooms."""
    fac = selectors.facility(code)
    if fac is None:
        raise Http404
    which = request.POST.get("form")
    form = FacilityForm(request.POST if which == "facility" else None, prefix="facility", initial={
        **{k: getattr(fac, k) for k in catalogue.FACILITY_TEXT}, "schedule": fac.schedule_id})
    room_form = NewRoomForm(request.POST if which == "room" else None, prefix="room")
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        try:
            catalogue.update_facility(actor=request.user, facility=fac, values=d, schedule=d["schedule"])
            messages.success(request, _("施設の情報を保存しました。"))
            return redirect("facilities:console_facility_edit", code=code)
        except ApplicationError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
    if room_form.is_bound and room_form.is_valid():
        d = room_form.cleaned_data
        try:
            catalogue.add_room(actor=request.user, facility=fac, code=d["code"], scheme=d["scheme"], values=d,
                               fees={k: d[k] for k in ("resident", "group", "nonresident")})
            messages.success(request, _("部屋を追加しました。"))
            return redirect("facilities:console_facility_edit", code=code)
        except ApplicationError as e:
            room_form.add_error(e.field if e.field in room_form.fields else None, e.message)
    return render(request, "facilities/console_facility_edit.html", {
        "facility": fac, "form": form, "room_form": room_form, "rooms": selectors.all_rooms(fac)})


@staff(C.MANAGE_FACILITIES)
def console_room(request: StaffRequest, pk: int) -> HttpResponse:
    """Edit a room (name, capacity, equipment), retire it or bring it back."""
    room = get_object_or_404(Room.objects.select_related("facility"), pk=pk, facility__is_active=True)
    form = RoomForm(request.POST if request.POST.get("form") == "room" else None,
                    initial={k: getattr(room, k) for k in ("name_ja", "name_en", "capacity", "equipment_ja",
                                                           "equipment_en")})
    if request.method == "POST" and request.POST.get("form") == "active":
        try:
            catalogue.set_room_active(actor=request.user, room=room, active=request.POST.get("active") == "1")
            messages.success(request, _("部屋の利用状態を変更しました。"))
            return redirect("facilities:console_facility_edit", code=room.facility.code)
        except ApplicationError as e:
            messages.error(request, e.message)
    if form.is_bound and form.is_valid():
        try:
            catalogue.update_room(actor=request.user, room=room, values=form.cleaned_data)
            messages.success(request, _("部屋の情報を保存しました。"))
            return redirect("facilities:console_facility_edit", code=room.facility.code)
        except ApplicationError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
    return render(request, "facilities/console_room.html", {"room": room, "form": form})


@staff(C.MANAGE_FACILITIES)
def console_day(request: StaffRequest, code: str) -> HttpResponse:
    fac = selectors.facility(code)
    if fac is None:
        raise Http404
    try:
        day = date.fromisoformat(request.GET.get("date", "")) if request.GET.get("date") else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    if request.method == "POST":
        booking_id = request.POST.get("booking", "")
        if not booking_id.isdigit() or len(booking_id) > 18:
            raise Http404
        b = get_object_or_404(Booking, pk=int(booking_id), room__facility=fac)
        try:
            bookings.mark_no_show(actor=request.user, booking=b)
            messages.success(request, _("無断不使用を記録しました。"))
        except ApplicationError as e:
            messages.error(request, e.message)
        return redirect(reverse("facilities:console_day", args=[code]) + f"?date={day.isoformat()}")
    day_list = list(selectors.day_bookings(fac, day))
    with transaction.atomic():  # the list names the users: the read is recorded, or the page fails
        record_read(actor=request.user, action="facilities.day_list_viewed", subject_id="", target=fac,
                    purpose="当日の予約一覧", detail={"date": day.isoformat(), "bookings": len(day_list)})
    return render(request, "facilities/console_day.html", {"facility": fac, "day": day, "bookings": day_list})


@staff(C.MANAGE_FACILITIES)
def console_report(request: StaffRequest) -> HttpResponse:
    try:
        day = date.fromisoformat(request.GET.get("date", "")) if request.GET.get("date") else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    return render(request, "facilities/console_report.html", {"day": day, "rows": selectors.daily_report(day)})
