"""Documents of a booking: the 利用許可書 (drawn and signed by the certificates' document pipeline, with a
verification QR to ``/facilities/verify/<code>``) and the calendar export (ICS through ``icalendar``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import cast

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from icalendar import Calendar, Event

from kuyakusho.certificates.documents import (
    CertificateDocument,
    CertificateKind,
    Item,
    Section,
    mayor_seal_png,
    render_certificate,
    sign_pdf,
)
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.ward import ward
from kuyakusho.core.wareki import format_wareki

from .models import Booking
from .slots import find_period

PERMIT_KIND = cast(CertificateKind, "facility_permit")  # not a certificate of the register: its own kind label


def permit_pdf(booking: Booking) -> bytes:
    """The 利用許可書, drawn and signed by the certificates' document pipeline, with its verification QR
    (``/facilities/verify/<code>``)."""
    if booking.status != Booking.Status.CONFIRMED or not booking.permit_code or booking.registrant is None:
        raise ApplicationError(ErrorCode.CONFLICT, _("本予約になった予約だけ利用許可書を出せます。"))
    room, facility, r = booking.room, booking.room.facility, booking.registrant
    p = find_period(room.scheme, booking.period)
    when = f"{format_wareki(booking.date)} {p.label_ja if p else booking.period}（{p.span if p else ''}）"
    doc = CertificateDocument(
        kind=PERMIT_KIND, title="施設利用許可書", attestation="上記のとおり施設の利用を許可します。",
        issue_date=timezone.localdate(booking.confirmed_at or timezone.now()), issue_number=booking.permit_number,
        verification_code=booking.permit_code, base_url=f"{settings.PUBLIC_BASE_URL.rstrip('/')}/facilities",
        channel_label="施設予約", mayor_name=ward().mayor_name, mayor_seal_png=mayor_seal_png(),
        header=(Item("利用者番号", r.number), Item("利用者", r.name, wide=True)),
        sections=(Section(heading="利用の内容", items=(
            Item("施設", f"{facility.name_ja} {room.name_ja}", wide=True),
            Item("利用日時", when, wide=True),
            Item("利用人数", f"{booking.attendees}人"),
            Item("使用料", f"{booking.fee:,}円"),
        ), notes=("利用日当日は、この許可書（印刷または画面）を施設の受付でお示しください。",)),),
    )
    return sign_pdf(render_certificate(doc))


def ics(bookings: Iterable[Booking], *, now: datetime | None = None) -> bytes:
    """The bookings as an iCalendar file (RFC 5545, through ``icalendar``)."""
    cal = Calendar()
    cal.add("prodid", "-//Kuyakusho//facilities//JA")
    cal.add("version", "2.0")
    stamp = now or timezone.now()
    host = settings.PUBLIC_BASE_URL.split("//")[-1].split("/")[0] or "localhost"
    for b in bookings:
        ev = Event()
        ev.add("uid", f"facility-booking-{b.pk}@{host}")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", b.starts_at)
        ev.add("dtend", b.ends_at)
        ev.add("summary", f"{b.room.facility.name_ja} {b.room.name_ja}")
        ev.add("location", b.room.facility.address)
        ev.add("status", "CONFIRMED" if b.status == Booking.Status.CONFIRMED else "TENTATIVE")
        cal.add_component(ev)
    return bytes(cal.to_ical())
