"""One issuance service for every channel: counter, kiosk, convenience store, post office, post, online.

    issuance = issue(IssueRequest(channel=Channel.KONBINI, kind=CertificateKind.JUMINHYO, card=CardIn(...), ...))

Order of checks (each refusal is typed and translated; none writes a half-issued certificate):
policy (channel enabled, type, options, requester allowed) → hours → idempotency (a retried request gets the
same certificate, charged once) → identity (card + PIN, with its lock; or the clerk's ID check) → the
subject and the members printed (removed people: only 除票の写し) → support measures → the content →
the number (its own tiny transaction) → the signed PDF, drawn outside any write transaction → one short
transaction: the record with its PDF, the audit event, the 本人通知.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from kuyakusho.accounts.actors import as_staff
from kuyakusho.audit.services import record_write
from kuyakusho.core.actors import Actor
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.statements import next_in_year
from kuyakusho.core.text import check_printable
from kuyakusho.core.ward import ward
from kuyakusho.core.wareki import fiscal_year as fiscal_year_of
from kuyakusho.offices.models import Office
from kuyakusho.residents.models import Resident
from kuyakusho.residents.selectors import household_members
from kuyakusho.seals.selectors import active_registration_for, verify_card

from ..documents import CertificateDocument, mayor_seal_png, render_certificate, sign_pdf
from ..documents.model import CertificateKind, Item, Section
from ..models import (
    SELF_SERVICE,
    Channel,
    ChannelPolicy,
    Identity,
    Issuance,
    IssueCounter,
    OnlineRequest,
    Option,
    Requester,
)
from ..permissions import check_office
from . import content
from .cards import authenticate_card
from .offer import offer
from .protections import check_support_measures, notice_for
from .requests import CardIn, IssueRequest

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = ["CardIn", "IssueRequest", "fee_for", "issue", "next_number"]

REGISTER_KINDS = {CertificateKind.JUMINHYO, CertificateKind.JUMINHYO_KISAI, CertificateKind.JOHYO}
TAX_KINDS = {CertificateKind.KAZEI, CertificateKind.HIKAZEI, CertificateKind.NOZEI}
PERSONAL_OPTIONS = {Option.MY_NUMBER, Option.RESIDENT_CODE}  # only for the person or their household
CARD_FOR_IDENTITY: dict[str, str] = {Identity.RESIDENT_CARD: "resident_card", Identity.MY_NUMBER_CARD: "my_number_card"}
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _refuse(message: StrOrPromise, field: str | None = None, code: ErrorCode = ErrorCode.REFUSED) -> ApplicationError:
    return ApplicationError(code, message, field=field)


def _check_identity(policy: ChannelPolicy, req: IssueRequest) -> Resident | None:
    """The card holder for card channels (PIN checked, lock counted), else None."""
    card_kind = CARD_FOR_IDENTITY.get(policy.identity)
    if card_kind:
        if req.card is None:
            raise _refuse(_("カードを読み取れませんでした。"), "card")
        card = authenticate_card(kind=card_kind, number=req.card.number, pin=req.card.pin, channel=req.channel,
                                 terminal=req.terminal)
        return card.resident
    if policy.identity == Identity.CARD_SIGNATURE:  # the signer of a verified online request
        signed = (OnlineRequest.objects.select_related("requester__household")
                  .filter(pk=req.online_request_id, signed_at__isnull=False).first()
                  if req.online_request_id is not None else None)
        if signed is None:
            raise _refuse(_("署名用電子証明書による署名が確認できません。"), "signature")
        return signed.requester
    if policy.identity in (Identity.PHOTO_ID, Identity.ID_COPY) and not req.identity_document.strip():
        raise _refuse(_("本人確認書類を確認して、その種類を入力してください。"), "identity_document")
    return None


def _members(req: IssueRequest, subject: Resident, today: date) -> list[Resident]:
    """The people printed on the certificate."""
    if req.kind == CertificateKind.JOHYO or not subject.is_resident_on(today):
        return [subject]
    wanted = set(req.members) | {subject.pk}
    if not req.whole_household and wanted == {subject.pk}:
        return [subject]
    household = household_members(subject.household)
    if req.whole_household:
        return household
    chosen = [m for m in household if m.pk in wanted]
    if len(chosen) != len(wanted):
        raise _refuse(_("同じ世帯の方だけを選んでください。"), "members")
    return chosen


def _check_subject(req: IssueRequest, subject: Resident, holder: Resident | None, today: date) -> None:
    removed = not subject.is_resident_on(today)
    if removed and req.kind != CertificateKind.JOHYO:
        raise _refuse(_("この方は住民登録が消除されているため、除票の写しのみ交付できます。"), "kind")
    if not removed and req.kind == CertificateKind.JOHYO:
        raise _refuse(_("この方は住民登録があるため、除票の写しは交付できません。"), "kind")
    if holder is not None and holder.pk != subject.pk:
        same_household = holder.household_id == subject.household_id and holder.is_resident_on(today)
        if not (req.requester == Requester.HOUSEHOLD and same_household):
            raise _refuse(_("カードの持ち主ご本人の証明書のみ交付できます。"), "card")
    if req.requester == Requester.PROXY and not req.letter_of_authority:
        raise _refuse(_("代理人の請求には委任状が必要です。"), "letter_of_authority")
    if req.requester == Requester.THIRD_PARTY and not req.purpose.strip():
        raise _refuse(_("第三者からの請求には、正当な理由（使用目的）の記載が必要です。"), "purpose")
    if req.requester not in (Requester.SELF, Requester.HOUSEHOLD) and PERSONAL_OPTIONS & set(req.options):
        raise _refuse(_("個人番号・住民票コードはご本人または同一世帯の方の請求にのみ記載できます。"), "options")


def _verification_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _channel_label(req: IssueRequest, office: Office | None) -> str:
    """Printed on the certificate: Japanese, whatever the language of the page that asked for it."""
    with translation.override("ja"):
        label = str(Channel(req.channel).label)
    place = office.name_ja if office else req.terminal
    return f"{label}（{place}）" if place else label


def issue(req: IssueRequest, *, actor: Actor = None, now: datetime | None = None) -> Issuance:
    """Issue one certificate (or return the one already issued for the same idempotency key)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    office = _office(req, actor)  # authorisation first: staff issue only at offices they work at
    available = offer(req.channel, now=now)
    # A released hold (支援措置) is served by mail whatever the channel's hours.
    available.check(kind=req.kind, options=req.options, requester=req.requester,
                    hours_apply=req.release_id is None)
    policy = available.policy
    assert policy is not None  # check() refused a channel without one

    if req.idempotency_key:
        done = Issuance.objects.filter(channel=req.channel, terminal=req.terminal,
                                       idempotency_key=req.idempotency_key).first()
        if done is not None:
            return _same_request(done, req)

    holder = _check_identity(policy, req)  # commits its own PIN-failure count
    subject_id = req.subject_id if req.subject_id is not None else (holder.pk if holder else None)
    if holder is not None and subject_id == holder.pk:
        subject = holder  # read with the card, household included
    else:
        found = (Resident.objects.select_related("household").filter(pk=subject_id).first()
                 if subject_id is not None else None)
        if found is None:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("対象の方が見つかりません。"), field="subject")
        subject = found
    if subject is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("対象の方が見つかりません。"), field="subject")
    _check_subject(req, subject, holder, today)
    members = _members(req, subject, today)
    # 支援措置, on every channel: refused (neutral message, alert) or held for a supervisor, both committed.
    check_support_measures(req, subject=subject, printed=[m.pk for m in members], holder=holder, actor=actor,
                           on=today)

    document_parts = _content(req, subject, members, today)
    # Everything the document needs has been read; checks of the content go here, before a number is taken.
    fee = fee_for(policy, kind=req.kind, requester=req.requester, exemption=req.fee_exemption)
    _check_printable(document_parts, _channel_label(req, office), ward().mayor_name)
    try:
        return _record(req, actor=actor, now=now, subject=subject, members=members, fee=fee, office=office,
                       parts=document_parts)
    except IntegrityError:
        if not req.idempotency_key:
            raise
        existing = Issuance.objects.get(channel=req.channel, terminal=req.terminal,
                                        idempotency_key=req.idempotency_key)
        return _same_request(existing, req)


def fee_for(policy: ChannelPolicy, *, kind: str, requester: str, exemption: str = "") -> int:
    """The fee in yen: the policy's, but nothing for official requests (公用) and stated exemptions."""
    return 0 if (requester == Requester.OFFICIAL or exemption) else policy.fee_for(kind)


def _office(req: IssueRequest, actor: Actor) -> Office | None:
    """The office the certificate is issued at; staff must be allowed to work there (``permissions``).
    A released hold is served by the supervisor who released it, for the channel's office."""
    office = Office.objects.filter(pk=req.office_id).first() if req.office_id is not None else None
    staff = as_staff(actor)
    if req.office_id is not None and staff is not None and req.release_id is None:
        check_office(staff, office)  # an unknown office is one nobody may work at
    return office


def _same_request(existing: Issuance, req: IssueRequest) -> Issuance:
    if existing.request_fingerprint != req.fingerprint():
        raise ApplicationError(ErrorCode.CONFLICT, _("同じ請求番号で別の内容の請求がありました。"),
                               field="idempotency_key")
    return existing


@dataclass
class _Parts:
    kind: str
    header: tuple[Item, ...] = ()
    sections: tuple[Section, ...] = ()
    attestation: str = ""
    fiscal_year: int | None = None


def _content(req: IssueRequest, subject: Resident, members: list[Resident], today: date) -> _Parts:
    options = set(req.options)
    if req.kind in REGISTER_KINDS:
        header, sections, attestation = content.register_content(req.kind, members, options, req.whole_household)
        return _Parts(req.kind, header, sections, attestation)
    if req.kind == CertificateKind.INKAN:
        if req.channel in SELF_SERVICE:  # the resident card / My Number card stands for the 印鑑登録証
            registration = active_registration_for(subject, on=today)
        else:
            if not req.seal_card_number.strip():
                raise _refuse(_("印鑑登録証（カード）の提示が必要です。"), "seal_card_number")
            registration = verify_card(req.seal_card_number, on=today)
            if registration.resident_id != subject.pk:
                raise _refuse(_("この印鑑登録証は対象の方のものではありません。"), "seal_card_number")
            registration = active_registration_for(subject, on=today)
        if registration is None:
            raise _refuse(_("印鑑登録がありません。"), "kind")
        return _Parts(req.kind, sections=content.seal_content(subject, registration))
    if req.kind in TAX_KINDS:
        year = req.fiscal_year or content.fiscal_year_default(today)
        sections, actual = content.tax_content(req.kind, subject, year)
        return _Parts(actual, sections=sections, fiscal_year=year)
    if req.kind == CertificateKind.TENSHUTSU:
        return _Parts(req.kind, sections=content.moving_out_content(subject))
    raise _refuse(_("この証明書はこの方法では交付できません。"), "kind")


def _check_printable(parts: _Parts, *texts: str) -> None:
    """Refuse, before a number is taken, a document with a character the certificate font cannot print.

    The register's character policy keeps such characters out (``core.text``); this catches records stored before
    it. The refusal names code points only, never the record's text.
    """
    printed = [*texts, parts.attestation]
    for section in parts.sections:
        printed += [section.heading, section.image_label, *section.notes]
        if section.table is not None:
            printed += [*section.table.columns, *(cell for row in section.table.rows for cell in row)]
    for item in [*parts.header, *(item for section in parts.sections for item in section.items)]:
        printed += [item.label, item.value]
    check_printable(*printed, field="subject")


def _record(req: IssueRequest, *, actor: Actor, now: datetime, subject: Resident, members: list[Resident], fee: int,
            office: Office | None, parts: _Parts) -> Issuance:
    """Number, draw and sign the document, then one short transaction: the record, its audit event, the notice.

    The number is taken first (its own tiny transaction) so that the document is drawn and signed outside
    the write transaction: on SQLite that transaction holds the database's one write lock.
    """
    identity = {"method": req.channel, "document": req.identity_document,
                "letter_of_authority": req.letter_of_authority}
    if req.card:
        identity["card"] = "…" + req.card.number[-4:]
    if req.protection_file_checked:
        identity["protection_file_checked"] = True
    issue_date = timezone.localdate(now)
    number = next_number(issue_date)
    verification_code = _verification_code()
    doc = CertificateDocument(
        kind=CertificateKind(parts.kind), issue_date=issue_date, issue_number=number,
        verification_code=verification_code, base_url=settings.PUBLIC_BASE_URL,
        channel_label=_channel_label(req, office), mayor_name=ward().mayor_name,
        header=parts.header, sections=parts.sections, attestation=parts.attestation,
        mayor_seal_png=mayor_seal_png(),
    )
    pdf = sign_pdf(render_certificate(doc))
    with transaction.atomic():
        issuance = Issuance(
            kind=parts.kind, channel=req.channel, subject=subject, members=[m.pk for m in members],
            options=sorted(req.options), fiscal_year=parts.fiscal_year, office=office, terminal=req.terminal,
            issued_by=as_staff(actor),
            requester=req.requester, requester_name=req.requester_name, purpose=req.purpose, identity=identity,
            fee=fee, fee_exemption=req.fee_exemption, issued_at=now, number=number,
            verification_code=verification_code, idempotency_key=req.idempotency_key,
            request_fingerprint=req.fingerprint(), pdf=pdf, pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        )
        issuance.save(force_insert=True)
        record_write(actor=actor, action="certificates.issue", target=issuance, subject_id=subject.pk,
                     detail={"kind": parts.kind, "channel": req.channel, "members": [m.pk for m in members],
                             "options": sorted(req.options), "requester": req.requester, "fee": fee,
                             "number": issuance.number, "terminal": req.terminal})
        notice_for(issuance, subject_name=subject.name)
    return issuance


def next_number(issue_date: date) -> str:
    """The next 交付番号 of the fiscal year, ``<year>-<serial:08d>``, committed at once (a failed issue leaves a gap).

    Its own tiny transaction, which holds the counter row (or SQLite's write lock) for one statement.
    """
    year = fiscal_year_of(issue_date)
    # The number's own commit need not wait for the disk: the certificate's commit does, and PostgreSQL
    # flushes its log in order, so a number on a committed certificate is always durable (a number lost in
    # a crash was on none). Only when this is its own transaction, never inside a caller's.
    durable = connection.in_atomic_block
    with transaction.atomic():
        serial = next_in_year(IssueCounter, year, durable=durable)
    if serial is None:
        raise ApplicationError(ErrorCode.CONFLICT, _("交付番号を採番できませんでした。もう一度操作してください。"))
    return f"{year}-{serial:08d}"
