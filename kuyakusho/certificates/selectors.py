"""Every read the certificates' pages and API use, with the related data they show fetched in the same query.

Reads that name residents (alerts, locked cards, protections, an issued certificate) are recorded in the
audit trail: :func:`record_list_reads` (one event per person shown, one lock of the trail) and
:func:`record_issuance_read`. Writes are in ``services``; who may see what is in ``permissions``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuyakusho.accounts.models import Staff, Terminal, TerminalKind
from kuyakusho.audit.services import record_read, record_reads
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.residents.models import Resident
from kuyakusho.residents.records import search_keys
from kuyakusho.residents.selectors import resident_q

from .models import (
    Alert,
    Card,
    CardKind,
    CardLock,
    ChannelPolicy,
    Issuance,
    Notice,
    NoticeRegistration,
    PostalRequest,
    Status,
    SupportMeasure,
)

LIST_LIMIT = 200  # rows on the supervisors' lists that are not paged

# --- audit of reads ----------------------------------------------------------------------------------------


def record_list_reads(user: Staff, resident_ids: Iterable[int], *, action: str,
                      purpose: str = "investigation") -> None:
    """A list naming residents is a read of each of them (one audit event per person shown, one lock)."""
    with transaction.atomic():
        record_reads(actor=user, action=action, subject_ids=sorted(set(resident_ids)), purpose=purpose)


def record_issuance_read(user: Staff, issuance: Issuance, action: str, *, printed: bool = False) -> None:
    """Seeing an issued certificate is a read of the subject's data; its PDF (``printed``), of everyone printed
    on it (one event each, one lock of the trail)."""
    people = [issuance.subject_id, *(issuance.members or [])] if printed else [issuance.subject_id]
    with transaction.atomic():
        record_reads(actor=user, action=action, subject_ids=people, purpose="certificate", target=issuance,
                     detail={"number": issuance.number})


# --- policies ----------------------------------------------------------------------------------------------


def policies() -> QuerySet[ChannelPolicy]:
    return ChannelPolicy.objects.select_related("schedule").order_by("id")


def policy(channel: str) -> ChannelPolicy | None:
    return ChannelPolicy.objects.select_related("schedule").filter(channel=channel).first()


# --- issued certificates -----------------------------------------------------------------------------------


def issuance(pk: int) -> Issuance | None:
    """An issued certificate with what its page shows (subject, office, clerk)."""
    return Issuance.objects.select_related("subject", "office", "issued_by").filter(pk=pk).first()


def issuance_id_by_number(number: str) -> int | None:
    return Issuance.objects.filter(number=number).values_list("pk", flat=True).first()


def issued_in_visit(pk: int) -> Issuance | None:
    """A certificate the kiosk has just issued (the visit holds its id)."""
    return Issuance.objects.filter(pk=pk).first()


# --- self-service ------------------------------------------------------------------------------------------


def kiosk_terminal(code: str) -> Terminal | None:
    return Terminal.objects.select_related("office").filter(code=code, kind=TerminalKind.KIOSK, active=True).first()


def card_holder(resident_id: int) -> Resident:
    """The resident whose card opened the kiosk visit, with the household."""
    return Resident.objects.select_related("household").get(pk=resident_id)


def pin_failures(card_number: str, channel: str) -> int:
    """Wrong PINs counted on this My Number card for this channel."""
    return (CardLock.objects.filter(card__kind=CardKind.MY_NUMBER_CARD, card__number=card_number, channel=channel)
            .values_list("failures", flat=True).first()) or 0


def applicant(name: str, birth_date: date) -> Resident:
    """The one person on the register (or removed, for 除票) with this name and date of birth (post office)."""
    key, _kana = search_keys(name, "")
    same = Resident.objects.filter(Q(name_key=key) | Q(name=name), birth_date=birth_date)
    current = list(same.filter(resident_q())[:2]) or list(same[:2])
    if len(current) != 1:
        raise ApplicationError(ErrorCode.NOT_FOUND, _(
            "該当する方を特定できませんでした。区民事務所の窓口にお問い合わせください。"), field="name")
    return current[0]


# --- supervision -------------------------------------------------------------------------------------------


def alerts(*, include_acknowledged: bool = False) -> QuerySet[Alert]:
    """Alerts, open ones first, with the resident, who acknowledged and any held request with its outcome."""
    qs = (Alert.objects.select_related("resident", "acknowledged_by", "held_request", "held_request__decided_by",
                                       "held_request__issuance", "held_request__postal_request")
          .order_by("acknowledged_at", "-created_at"))
    return qs if include_acknowledged else qs.filter(acknowledged_at__isnull=True)


def resident_names(resident_ids: Iterable[int]) -> dict[int, str]:
    return dict(Resident.objects.filter(pk__in=set(resident_ids)).values_list("pk", "name"))


def locked_cards(limit: int = LIST_LIMIT) -> list[CardLock]:
    return list(CardLock.objects.filter(locked_at__isnull=False).select_related("card", "card__resident")
                .order_by("-locked_at")[:limit])


def cards_numbered(number: str) -> list[Card]:
    return list(Card.objects.filter(number=number).select_related("resident").prefetch_related("locks"))


def card(pk: int) -> Card | None:
    return Card.objects.filter(pk=pk).first()


@dataclass(frozen=True)
class Protections:
    measures: list[SupportMeasure]
    registrations: list[NoticeRegistration]
    letters: list[Notice]

    @property
    def resident_ids(self) -> list[int]:
        return ([m.resident_id for m in self.measures] + [r.resident_id for r in self.registrations]
                + [n.registration.resident_id for n in self.letters])


def protections(today: date, limit: int = LIST_LIMIT) -> Protections:
    """Current support measures, active 本人通知 registrations and letters not yet sent."""
    return Protections(
        measures=list(SupportMeasure.objects.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
                      .select_related("resident").order_by("starts_on")),
        registrations=list(NoticeRegistration.objects.filter(active=True).select_related("resident")
                           .order_by("-registered_on")[:limit]),
        letters=list(Notice.objects.filter(sent_at__isnull=True).select_related("registration__resident", "issuance")
                     .order_by("created_at")[:limit]),
    )


def notice(pk: int) -> Notice | None:
    return Notice.objects.select_related("registration__resident", "issuance").filter(pk=pk).first()


# --- postal requests ---------------------------------------------------------------------------------------


def postal_requests(*, status: str | None = None) -> QuerySet[PostalRequest]:
    """The desk's list, newest first, with its certificates (no register data: the name is the letter's)."""
    qs = PostalRequest.objects.prefetch_related("issuances").order_by("-received_on", "-id")
    return qs.filter(status=status) if status else qs


def normalize_reference(reference: str) -> str:
    """Full-width or lower-case input (ｐ２０２５－０００００１) becomes P2025-000001."""
    text = unicodedata.normalize("NFKC", reference or "").strip().upper()
    return text.replace("ー", "-").replace("−", "-")


def find_postal_request(reference: str) -> PostalRequest | None:
    return PostalRequest.objects.filter(reference=normalize_reference(reference)).first()


def open_postal_request(*, user: Staff, reference: str) -> PostalRequest:
    """One request with its subject and certificates; seeing the subject is an audited read."""
    req = (PostalRequest.objects.select_related("subject", "subject__household")
           .prefetch_related("issuances").filter(reference=normalize_reference(reference)).first())
    if req is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("その受付番号の請求はありません。"), field="reference")
    if req.subject_id:
        with transaction.atomic():
            record_read(actor=user, action="certificates.postal_open", subject_id=req.subject_id,
                        purpose="certificate", target=req)
    return req


# --- statistics --------------------------------------------------------------------------------------------

MAX_STATS_DAYS = 3 * 366


@dataclass(frozen=True)
class StatRow:
    month: date
    kind: str
    channel: str
    office_id: int | None
    office_code: str
    office_name: str
    count: int
    revoked: int
    fees: int


@dataclass(frozen=True)
class Stats:
    date_from: date
    date_to: date
    rows: list[StatRow]

    @property
    def total_count(self) -> int:
        return sum(r.count for r in self.rows)

    @property
    def total_revoked(self) -> int:
        return sum(r.revoked for r in self.rows)

    @property
    def total_fees(self) -> int:
        return sum(r.fees for r in self.rows)


def _start(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time.min))


def issuance_stats(*, date_from: date, date_to: date, channel: str | None = None,
                   office_id: int | None = None) -> Stats:
    """Certificates issued from ``date_from`` to ``date_to`` (inclusive, Tokyo dates), counted and summed by
    type × channel × office × month in one aggregate query (no personal data)."""
    if date_to < date_from:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("終了日は開始日より後にしてください。"), field="date_to")
    if (date_to - date_from).days > MAX_STATS_DAYS:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("集計できる期間は3年までです。"), field="date_from")
    qs = Issuance.objects.filter(issued_at__gte=_start(date_from), issued_at__lt=_start(date_to + timedelta(days=1)))
    if channel:
        qs = qs.filter(channel=channel)
    if office_id:
        qs = qs.filter(office_id=office_id)
    rows = (
        qs.annotate(month=TruncMonth("issued_at", tzinfo=timezone.get_default_timezone()))
        .values("month", "kind", "channel", "office_id", "office__code", "office__name_ja")
        .annotate(count=Count("id"), revoked=Count("id", filter=Q(status=Status.REVOKED)), fees=Sum("fee"))
        .order_by("month", "kind", "channel", "office_id")
    )
    result = []
    for r in rows:
        month = r["month"]
        if isinstance(month, datetime):
            month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
        result.append(StatRow(month=month, kind=r["kind"], channel=r["channel"], office_id=r["office_id"],
                              office_code=r["office__code"] or "", office_name=r["office__name_ja"] or "",
                              count=r["count"], revoked=r["revoked"], fees=r["fees"] or 0))
    return Stats(date_from=date_from, date_to=date_to, rows=result)
