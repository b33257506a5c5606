"""Seal registrations for the demo ward, created in bulk (no per-row services: the population is large).

``create_demo_seals(residents, rng)`` registers a seal for about ``share`` of the residents aged 15 or over
who are on the register, most in person with a photo ID, a few still waiting for the answer to their 照会書.
The impressions are drawn with Pillow (a ring or a square with strokes that differ per design) and pass the
same check as uploads. One audit event (actor: system) records the batch.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterable
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from kuyakusho.audit.services import record_write
from kuyakusho.residents.models import Resident, Status

from . import conf
from .cards import luhn_check_digit
from .conf import age_on
from .imaging import CheckedSeal, check_seal_image
from .letters import add_months, letter_text
from .models import (
    CardStatus,
    EventKind,
    IdDocument,
    Method,
    SealCard,
    SealEvent,
    SealInquiry,
    SealRegistration,
    SealStatus,
)

DEMO_SCALE = 12  # px/mm of the drawn impressions
DESIGNS = 24
ID_WEIGHTS = [(IdDocument.MY_NUMBER_CARD, 50), (IdDocument.DRIVERS_LICENSE, 35), (IdDocument.PASSPORT, 8),
              (IdDocument.RESIDENCE_CARD, 7)]


def _draw(rng: random.Random) -> bytes:
    size_mm = rng.choice([10.5, 12, 13.5, 15, 16.5, 18])
    side = round((size_mm + 6) * DEMO_SCALE)
    image = Image.new("RGB", (side, side), (252, 250, 245))
    draw = ImageDraw.Draw(image)
    ink = (rng.randint(170, 215), rng.randint(20, 45), rng.randint(25, 50))
    w = round(size_mm * DEMO_SCALE)
    left = top = (side - w) // 2
    stroke = round(0.7 * DEMO_SCALE)
    if rng.random() < 0.8:
        draw.ellipse((left, top, left + w, top + w), outline=ink, width=stroke)
    else:
        draw.rectangle((left, top, left + w, top + w), outline=ink, width=stroke)
    inner = w // 4
    for _ in range(rng.randint(3, 6)):  # strokes standing in for the carved characters
        x0, x1 = sorted(rng.randint(left + inner, left + w - inner) for _ in range(2))
        y0, y1 = sorted(rng.randint(top + inner, top + w - inner) for _ in range(2))
        if rng.random() < 0.5:
            draw.line((x0, y0, x0, y1), fill=ink, width=stroke)
        else:
            draw.line((x0, y0, x1, y0), fill=ink, width=stroke)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def demo_impressions(rng: random.Random, count: int = DESIGNS) -> list[CheckedSeal]:
    return [check_seal_image(_draw(rng), px_per_mm=DEMO_SCALE) for _ in range(count)]


def _card_numbers(rng: random.Random, count: int) -> list[str]:
    taken = set(SealCard.objects.values_list("number", flat=True))
    numbers: list[str] = []
    while len(numbers) < count:
        first9 = str(rng.randint(100_000_000, 999_999_999))
        number = first9 + luhn_check_digit(first9)
        if number not in taken:
            taken.add(number)
            numbers.append(number)
    return numbers


def _registered_on(resident: Resident, today: date, rng: random.Random) -> date:
    start = max(resident.became_resident_on, _birthday(resident.birth_date, conf.min_age()))
    days = max((today - start).days, 0)
    return start + timedelta(days=rng.randint(0, days))


def _birthday(birth: date, years: int) -> date:
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:  # born on 2/29
        return date(birth.year + years, 3, 1)


@transaction.atomic
def create_demo_seals(residents: Iterable[Resident], rng: random.Random, *, share: float = 0.45,
                      pending_share: float = 0.01, batch_size: int = 2000) -> int:
    """Register seals for a share of the adult residents; returns the number of registrations created."""
    today = timezone.localdate()
    impressions = demo_impressions(rng)
    already = set(SealRegistration.objects.values_list("resident_id", flat=True))
    chosen = [r for r in residents
              if r.pk not in already and r.status == Status.ACTIVE and age_on(r.birth_date, today) >= conf.min_age()
              and rng.random() < share]
    ids, weights = zip(*ID_WEIGHTS, strict=True)
    registrations: list[SealRegistration] = []
    for resident in chosen:
        seal = rng.choice(impressions)
        pending = rng.random() < pending_share
        on = today - timedelta(days=rng.randint(0, 20)) if pending else _registered_on(resident, today, rng)
        registrations.append(SealRegistration(
            resident=resident, status=SealStatus.PENDING if pending else SealStatus.REGISTERED,
            method=Method.LETTER if pending else Method.IN_PERSON,
            id_document="" if pending else rng.choices(ids, weights)[0], applied_on=on,
            registered_on=None if pending else on, image_png=seal.png, image_sha256=seal.sha256,
            image_width_px=seal.width_px, image_height_px=seal.height_px, image_px_per_mm=seal.image_px_per_mm,
            stated_px_per_mm=seal.stated_px_per_mm, width_mm=seal.width_mm, height_mm=seal.height_mm))
    SealRegistration.objects.bulk_create(registrations, batch_size=batch_size)
    if registrations and registrations[0].pk is None:  # backends that do not return ids
        by_resident = dict(SealRegistration.objects.filter(resident__in=[r.resident for r in registrations])
                           .values_list("resident_id", "pk"))
        for r in registrations:
            r.pk = by_resident[r.resident_id]
    registered = [r for r in registrations if r.status == SealStatus.REGISTERED]
    numbers = _card_numbers(rng, len(registered))
    SealCard.objects.bulk_create([
        SealCard(registration=r, number=n, status=CardStatus.ACTIVE, issued_on=r.registered_on)
        for r, n in zip(registered, numbers, strict=True) if r.registered_on is not None], batch_size=batch_size)
    inquiries, events = [], []
    for r in registrations:
        if r.status == SealStatus.PENDING:
            deadline = add_months(r.applied_on, conf.answer_months())
            inquiry = SealInquiry(registration=r, issued_on=r.applied_on, deadline=deadline, addressee=r.resident.name,
                                  address=r.resident.household.address)
            inquiry.letter_text = letter_text(reference=inquiry.reference, name=r.resident.name,
                                              address=inquiry.address, applied_on=r.applied_on,
                                              issued_on=r.applied_on, deadline=deadline)
            inquiries.append(inquiry)
            events += [SealEvent(registration=r, kind=EventKind.APPLIED, occurred_on=r.applied_on),
                       SealEvent(registration=r, kind=EventKind.INQUIRY_ISSUED, occurred_on=r.applied_on)]
        else:
            events += [SealEvent(registration=r, kind=EventKind.REGISTERED, occurred_on=r.applied_on),
                       SealEvent(registration=r, kind=EventKind.CARD_ISSUED, occurred_on=r.applied_on)]
    SealInquiry.objects.bulk_create(inquiries, batch_size=batch_size)
    SealEvent.objects.bulk_create(events, batch_size=batch_size)
    record_write(actor=None, action="seals.demo_bulk", detail={
        "registered": len(registered), "pending": len(inquiries), "designs": len(impressions)})
    return len(registrations)
