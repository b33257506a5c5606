"""Online certificate requests (オンライン申請), channel ``online``: from the resident's form to the envelope.

    create_request ─▶ signing ─record_signature─▶ payment ─(payment captured)─▶ received
    received ─issue_online─▶ issued ─mark_mailed─▶ mailed
    received ─issue_online refused─▶ refused (the fee refunded through ``payments``)
    payment ─(payment failed / expired)─▶ cancelled       (a late capture of a cancelled request is refunded)

Rules, each in one place:
* What may be asked (certificate types, options, self or household, hours, fees) is the channel's policy
  (``offer("online")``); the household rule is checked when the request is made and again by the issuance
  service when it is issued (the signer is the "card holder" of ``issuance._check_identity``).
* The signature: the identity provider's 署名 answer for this request (its attempt carries
  :func:`signing_document`) gives the signing certificate's 基本4情報; they must match exactly one current
  resident of the register, the requester. The register's address then is where the certificate goes
  (``mail_to``), and only if the register still says so when the clerk issues it.
* Issuing is the one issuance service's (support measures, policy, numbering, audit as on every channel).
* A refusal after payment refunds the fee in the same transaction as the refusal (nothing half-written: if
  the provider refuses the refund, the request stays received and the clerk is told).

Every write takes ``actor`` (the resident's portal account, a member of staff, or None for the payment
provider's notifications) and records an audit event in its transaction.

Hook for higher areas: ``on_online_event(listener)`` registers ``listener(event: OnlineEvent)``, called after
each change a resident is told about commits (received, issued, mailed, refused, cancelled): the portal puts a
notice in her inbox and mails it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuyakusho.accounts.models import Staff
from kuyakusho.audit.services import record_read, record_refusal, record_write
from kuyakusho.core.actors import Actor
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.wareki import fiscal_year
from kuyakusho.payments import services as payments
from kuyakusho.payments.models import Bill, Payment
from kuyakusho.payments.services import PaymentEvent
from kuyakusho.residents.models import Resident
from kuyakusho.residents.portal_selectors import BasicFour, residents_matching

from ..documents.model import TITLES, CertificateKind
from ..models import Channel, Issuance, OnlineRequest, OnlineStatus, Option, Requester
from ..selectors import normalize_reference
from .content import fiscal_year_default
from .issuance import fee_for, issue
from .offer import offer
from .protections import NEUTRAL_REFUSAL
from .requests import IssueRequest

log = logging.getLogger(__name__)

#: The bills of online requests (``payments.Bill.source``); ``source_ref`` is the request's reference.
SOURCE = "certificates.online"
MAX_COPIES = 3
TAX_KINDS = {CertificateKind.KAZEI, CertificateKind.HIKAZEI, CertificateKind.NOZEI}
HOUSEHOLD_KINDS = {CertificateKind.JUMINHYO, CertificateKind.JUMINHYO_KISAI}
IDENTITY_DOCUMENT = "署名用電子証明書（署名検証済）"
S = OnlineStatus

#: Why an online request was not issued (kept on the request; the resident is told neutrally).
REFUSALS: dict[str, object] = {
    "address_changed": _("申請後に住民登録の住所が変わりました"),
    "household": _("申請者と対象の方が同じ世帯ではありません"),
    "subject": _("対象の方の住民登録を確認できません"),
    "policy": _("この証明書はオンライン申請では交付できなくなりました"),
    "not_issued": _("交付できない請求です（詳しくは責任者へ）"),
}


#: The changes the resident is told about, by the state reached.
TOLD: dict[str, str] = {S.RECEIVED.value: "received", S.ISSUED.value: "issued", S.MAILED.value: "mailed",
                        S.REFUSED.value: "refused", S.CANCELLED.value: "cancelled"}


class OnlineRefused(ApplicationError):
    """The request was refused and its fee refunded (committed): what the clerk is told."""


@dataclass(frozen=True)
class OnlineInput:
    """What the resident chose on the form."""

    kind: str
    subject_id: int
    options: frozenset[str] = frozenset()
    whole_household: bool = False
    fiscal_year: int | None = None
    copies: int = 1


@dataclass(frozen=True)
class Signer:
    """The identity provider's verified 署名 answer: the card's subject and the signing certificate's 基本4情報."""

    issuer: str
    subject: str
    four: BasicFour


@dataclass(frozen=True)
class OnlineEvent:
    kind: str  # received | issued | mailed | refused | cancelled
    reference: str
    account_ref: str
    certificate: str
    copies: int


OnlineListener = Callable[[OnlineEvent], None]
_listeners: list[OnlineListener] = []


def on_online_event(listener: OnlineListener) -> None:
    """Call ``listener(event)`` after each committed change the resident is told about."""
    if listener not in _listeners:
        _listeners.append(listener)


def _tell(req: OnlineRequest, kind: str) -> None:
    event = OnlineEvent(kind=kind, reference=req.reference, account_ref=req.account_ref,
                        certificate=TITLES.get(CertificateKind(req.kind), req.kind), copies=req.copies)

    def send() -> None:
        for listener in list(_listeners):
            try:
                listener(event)
            except Exception:  # the change has committed; the notice is a side effect
                log.exception("online request listener failed for %s", event.reference)

    transaction.on_commit(send)


def _invalid(message: object, field: str) -> ApplicationError:
    return ApplicationError(ErrorCode.INVALID_INPUT, message, field=field)


def _fingerprint(req: OnlineRequest) -> str:
    data = {"kind": req.kind, "requester": req.requester_id, "requester_kind": req.requester_kind,
            "subject": req.subject_id, "options": sorted(req.options), "whole_household": req.whole_household,
            "fiscal_year": req.fiscal_year, "copies": req.copies, "fee": req.fee, "reference": req.reference}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def signing_document(req: OnlineRequest) -> str:
    """What the resident signs for this request: its reference and the digest of its content."""
    return f"{SOURCE}:{req.reference}:{req.fingerprint}"


# --- the resident ----------------------------------------------------------------------------------------------

def create_request(*, actor: Actor, account_ref: str, requester_id: int, data: OnlineInput,
                   now: datetime | None = None) -> OnlineRequest:
    """The resident's choice, recorded for her signature (status 署名待ち). Refused: a type, option or requester
    the channel does not take, the channel switched off, or a person outside her household (audited)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    requester = Resident.objects.select_related("household").filter(pk=requester_id).first()
    if requester is None or not requester.is_resident_on(today):
        raise ApplicationError(ErrorCode.REFUSED, _("住民登録のある方だけがオンラインで申請できます。"))
    requester_kind = Requester.SELF if data.subject_id == requester.pk else Requester.HOUSEHOLD
    available = offer(Channel.ONLINE, now=now)
    if data.kind == CertificateKind.INKAN:  # the seal card is needed: never online, whatever the policy says
        raise ApplicationError(ErrorCode.REFUSED, _("印鑑登録証明書はオンラインでは申請できません。"), field="kind")
    available.check(kind=data.kind, options=data.options, requester=requester_kind)
    assert available.policy is not None  # check() refuses a channel without a policy
    if not set(data.options) <= set(Option.values):
        raise _invalid(_("記載事項の指定が正しくありません。"), "options")
    if not 1 <= int(data.copies) <= MAX_COPIES:
        raise _invalid(_("通数は1から%(max)d通までです。") % {"max": MAX_COPIES}, "copies")
    if data.whole_household and data.kind not in HOUSEHOLD_KINDS:
        raise _invalid(_("世帯全員の記載は住民票の写しと記載事項証明書だけです。"), "whole_household")
    year = None
    if data.kind in TAX_KINDS:
        latest = fiscal_year_default(today)
        year = data.fiscal_year or latest
        if not latest - 5 < year <= latest:
            raise _invalid(_("年度は直近5年度の中から選んでください。"), "fiscal_year")
    subject = Resident.objects.select_related("household").filter(pk=data.subject_id).first()
    if subject is None or subject.household_id != requester.household_id or not subject.is_resident_on(today):
        with transaction.atomic():
            record_refusal(actor=actor, action="certificates.online_other_household",
                           subject_id=subject.pk if subject is not None else "",
                           detail={"requester_id": requester.pk, "kind": data.kind})
        raise ApplicationError(ErrorCode.REFUSED, _("ご本人と同じ世帯の方の証明書だけを申請できます。"),
                               field="subject")
    fee = fee_for(available.policy, kind=data.kind, requester=requester_kind) * int(data.copies)
    with transaction.atomic():
        req = OnlineRequest(
            reference=secrets.token_hex(8), account_ref=account_ref, requester=requester,
            requester_kind=requester_kind, subject=subject, kind=data.kind, options=sorted(set(data.options)),
            whole_household=data.whole_household, fiscal_year=year, copies=int(data.copies), fee=fee,
            fingerprint="", mail_to=requester.household.address)
        req.save(force_insert=True)
        req.reference = f"W{fiscal_year(today)}-{req.pk:06d}"
        req.fingerprint = _fingerprint(req)
        req.save(update_fields=["reference", "fingerprint"])
        record_write(actor=actor, action="certificates.online_create", target=req, subject_id=subject.pk,
                     changes={"status": [None, S.SIGNING]},
                     detail={"reference": req.reference, "kind": req.kind, "copies": req.copies, "fee": fee,
                             "requester": requester_kind, "requester_id": requester.pk})
    return req


def _mine(reference: str, account_ref: str, *, lock: bool = False) -> OnlineRequest:
    qs = OnlineRequest.objects.select_for_update() if lock else OnlineRequest.objects
    req = qs.filter(reference=reference, account_ref=account_ref).first()
    if req is None:  # another account's request is not found either
        raise ApplicationError(ErrorCode.NOT_FOUND, _("その申請は見つかりません。"))
    return req


def record_signature(*, actor: Actor, account_ref: str, document: str, signer: Signer,
                     now: datetime | None = None) -> OnlineRequest:
    """The resident signed ``document`` with her card: the 基本4情報 must be the requester's as the register holds
    them now (exactly one current resident, she). Then the fee's bill is raised (status 支払待ち), or, without a
    fee, the request is received."""
    now = now or timezone.now()
    prefix, _sep, rest = document.partition(":")
    reference = rest.split(":", 1)[0] if prefix == SOURCE else ""
    refusal: tuple[str, object] | None = None
    with transaction.atomic():
        req = _mine(reference, account_ref, lock=True)
        if req.status != S.SIGNING:
            raise ApplicationError(ErrorCode.CONFLICT, _("この申請にはすでに署名されています。"))
        requester = Resident.objects.select_related("household").get(pk=req.requester_id)
        matches = residents_matching(signer.four, on=timezone.localdate(now))
        if document != signing_document(req) or req.fingerprint != _fingerprint(req):
            refusal = ("document", _("署名した内容が申請の内容と一致しません。もう一度申請してください。"))
        elif [m.pk for m in matches] != [requester.pk]:
            refusal = ("signer", _("署名用電子証明書の氏名・生年月日・性別・住所が、申請者の住民記録と一致しません。"
                                   "住所や氏名が変わったときは、区民事務所の窓口でお手続きください。"))
        else:
            req.mail_to = requester.household.address
            req.signed_at = now
            req.signature = {"issuer": signer.issuer, "card": signer.subject[:16], "verified_at": now.isoformat(),
                             "matched": ["name", "birthdate", "gender", "address"],
                             "name": signer.four.name, "birthdate": signer.four.birth_date.isoformat(),
                             "gender": signer.four.sex, "address": signer.four.address}
            if req.fee:
                req.bill = payments.create_bill(
                    actor=actor, purpose=f"{TITLES.get(CertificateKind(req.kind), req.kind)} {req.copies}通"
                                         f"（オンライン申請 {req.reference}）",
                    amount=req.fee, payer_ref=account_ref, source=SOURCE, source_ref=req.reference,
                    resident_id=requester.pk)
                req.status = S.PAYMENT
            else:
                req.status, req.paid_at = S.RECEIVED, now
            req.version += 1
            req.save(update_fields=["mail_to", "signed_at", "signature", "bill", "status", "paid_at", "version",
                                    "updated_at"])
            record_write(actor=actor, action="certificates.online_sign", target=req, subject_id=req.subject_id,
                         changes={"status": [S.SIGNING, req.status]},
                         detail={"reference": req.reference, "signature": "verified",
                                 "bill": req.bill.number if req.bill else ""})
            if req.status == S.RECEIVED:
                _tell(req, "received")
    if refusal is not None:
        with transaction.atomic():
            record_refusal(actor=actor, action=f"certificates.online_signature_{refusal[0]}", target=req,
                           subject_id=req.requester_id, detail={"reference": req.reference})
        raise ApplicationError(ErrorCode.REFUSED, refusal[1], field="signature")
    return req


def bill_to_pay(*, account_ref: str, reference: str) -> Bill:
    """The open bill of her request awaiting payment (the payments area starts the checkout)."""
    req = _mine(reference, account_ref)
    if req.status != S.PAYMENT or req.bill_id is None:
        raise ApplicationError(ErrorCode.CONFLICT, _("この申請はお支払いの手続きができる状態ではありません。"))
    return Bill.objects.get(pk=req.bill_id)


def cancel_request(*, actor: Actor, account_ref: str, reference: str) -> OnlineRequest:
    """She withdraws a request not yet paid (its bill is withdrawn too)."""
    with transaction.atomic():
        req = _mine(reference, account_ref, lock=True)
        if req.status not in (S.SIGNING, S.PAYMENT):
            raise ApplicationError(ErrorCode.CONFLICT,
                                   _("お支払い後の申請は取り消せません。区へお問い合わせください。"))
        if req.bill_id is not None:
            payments.cancel_bill(actor=actor, bill=Bill.objects.get(pk=req.bill_id))
        _set(req, actor=actor, to=S.CANCELLED, action="certificates.online_cancel")
    return req


def my_requests(*, account_ref: str) -> QuerySet[OnlineRequest]:
    return OnlineRequest.objects.filter(account_ref=account_ref).order_by("-created_at", "-id")


def my_request(*, account_ref: str, reference: str) -> OnlineRequest:
    return _mine(reference, account_ref)


# --- payments ------------------------------------------------------------------------------------------------

def payment_event(event: PaymentEvent) -> None:
    """``payments.services.on_payment_event`` listener: a captured fee receives the request; a failed or expired
    payment cancels it; money that arrives for a request no longer served is given back."""
    if event.source != SOURCE:
        return
    refund_late = False
    with transaction.atomic():
        req = OnlineRequest.objects.select_for_update().filter(reference=event.source_ref).first()
        if req is None:
            return
        if event.kind == Payment.State.CAPTURED:
            if req.status == S.PAYMENT:
                req.paid_at = timezone.now()
                _set(req, actor=None, to=S.RECEIVED, action="certificates.online_paid", fields=["paid_at"],
                     detail={"bill": event.bill_number, "amount": event.amount})
            elif req.status in (S.CANCELLED, S.REFUSED):
                refund_late = True
        elif event.kind in (Payment.State.FAILED, Payment.State.EXPIRED) and req.status == S.PAYMENT:
            if not Payment.objects.filter(bill_id=event.bill_id, state=Payment.State.CAPTURED).exists():
                _set(req, actor=None, to=S.CANCELLED, action="certificates.online_unpaid",
                     detail={"bill": event.bill_number, "payment": event.kind})
                bill = Bill.objects.get(pk=event.bill_id)
                if bill.status == Bill.Status.OPEN and not bill.payments.filter(
                        state=Payment.State.AUTHORISED).exists():
                    payments.cancel_bill(actor=None, bill=bill)
    if refund_late:
        payment = Payment.objects.get(pk=event.payment_id)
        payments.refund_payment(actor=None, payment=payment,
                                reason=f"オンライン申請 {event.source_ref} は取消済みのため返金")


# --- the postal desk --------------------------------------------------------------------------------------------

def _set(req: OnlineRequest, *, actor: Actor, to: str, action: str, fields: list[str] | None = None,
         detail: dict[str, object] | None = None) -> None:
    """Move a locked request to ``to`` (audited; the resident told after the commit)."""
    before = req.status
    req.status = to
    req.version += 1
    req.save(update_fields=["status", "version", "updated_at", *(fields or [])])
    record_write(actor=actor, action=action, target=req, subject_id=req.subject_id,
                 changes={"status": [before, to]}, detail={"reference": req.reference, **(detail or {})})
    _tell(req, TOLD[to])


def _locked(reference: str, version: int, *allowed: str) -> OnlineRequest:
    req = OnlineRequest.objects.select_for_update().filter(reference=normalize_reference(reference)).first()
    if req is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("その受付番号の申請はありません。"), field="reference")
    if req.version != int(version):
        raise ApplicationError(ErrorCode.CONFLICT, _(
            "この申請は他の職員が先に更新しました。画面を開き直して、最新の状態を確認してください。"))
    if req.status not in allowed:
        raise ApplicationError(ErrorCode.REFUSED, _("「%(status)s」の申請に、この操作はできません。")
                               % {"status": req.get_status_display()}, field="status")
    return req


def _refusal_reason(error: ApplicationError) -> str | None:
    """A final refusal of the issuance service (None: a passing problem the clerk can retry)."""
    if str(error.message) == str(NEUTRAL_REFUSAL):
        return "not_issued"  # 支援措置: the alert tells the supervisor; nobody else learns why
    if error.field in ("card", "members"):
        return "household"
    if error.field in ("kind", "options", "requester") or error.code == ErrorCode.NOT_FOUND:
        return "policy" if error.field in ("kind", "options", "requester") else "subject"
    if error.field == "signature":
        return "not_issued"
    return None


def issue_online(*, actor: Actor, reference: str, version: int, now: datetime | None = None) -> OnlineRequest:
    """received → issued: each copy through the one issuance service (channel ``online``), mailed to the
    registered address read now. Refused (and refunded): an address changed since the signature, another
    household, a support measure, a type the channel no longer takes — :class:`OnlineRefused` after the commit."""
    now = now or timezone.now()
    with transaction.atomic():
        req = _locked(reference, version, S.RECEIVED)
    requester = Resident.objects.select_related("household").get(pk=req.requester_id)
    reason = None
    if not requester.is_resident_on(timezone.localdate(now)) or requester.household.address != req.mail_to:
        reason = "address_changed"
    issued: list[Issuance] = []
    if reason is None:
        try:
            for copy in range(1, req.copies + 1):
                issued.append(issue(IssueRequest(
                    channel=Channel.ONLINE, kind=req.kind, subject_id=req.subject_id, options=frozenset(req.options),
                    requester=req.requester_kind, requester_name=requester.name, requester_address=req.mail_to,
                    identity_document=IDENTITY_DOCUMENT, whole_household=req.whole_household,
                    fiscal_year=req.fiscal_year, idempotency_key=f"online:{req.reference}:{copy}",
                    online_request_id=req.pk), actor=actor, now=now))
        except ApplicationError as e:
            reason = _refusal_reason(e)
            if reason is None or issued:
                raise
    if reason is not None:
        refuse_and_refund(actor=actor, reference=req.reference, version=req.version, reason=reason)
        raise OnlineRefused(ErrorCode.REFUSED, _(
            "この申請は交付できません（%(reason)s）。手数料を返金し、申請者にお知らせしました。")
            % {"reason": REFUSALS[reason]}, extra={"reason": reason})
    with transaction.atomic():
        req = _locked(reference, version, S.RECEIVED)
        req.issuances.add(*issued)
        _set(req, actor=actor, to=S.ISSUED, action="certificates.online_issue",
             detail={"issuances": [i.number for i in issued], "mail_to": "registered_address"})
    return req


def refuse_and_refund(*, actor: Actor, reference: str, version: int, reason: str) -> OnlineRequest:
    """received → refused, the fee refunded through ``payments`` in the same transaction (if the provider
    refuses the refund, nothing changes and the error says so)."""
    if reason not in REFUSALS:
        raise _invalid(_("理由を選んでください。"), "reason")
    with transaction.atomic():
        req = _locked(reference, version, S.RECEIVED)
        refunded = 0
        payment = (Payment.objects.filter(bill_id=req.bill_id, state=Payment.State.CAPTURED).first()
                   if req.bill_id is not None else None)
        if payment is not None:
            payments.refund_payment(actor=actor, payment=payment,
                                    reason=f"オンライン申請 {req.reference} を交付できないため")
            refunded = payment.amount
        req.refusal = reason
        _set(req, actor=actor, to=S.REFUSED, action="certificates.online_refuse", fields=["refusal"],
             detail={"reason": reason, "refunded": refunded})
    return req


def mark_mailed(*, actor: Actor, reference: str, version: int) -> OnlineRequest:
    with transaction.atomic():
        req = _locked(reference, version, S.ISSUED)
        _set(req, actor=actor, to=S.MAILED, action="certificates.online_mail",
             detail={"mail_to": "registered_address"})
    return req


def desk_list(*, status: str | None = None) -> QuerySet[OnlineRequest]:
    """The desk's work list (no register data on it: reference, type, copies, status)."""
    qs = OnlineRequest.objects.exclude(status__in=[S.SIGNING, S.PAYMENT, S.CANCELLED]).order_by("-paid_at", "-id")
    return qs.filter(status=status) if status else qs


def find_request(reference: str) -> OnlineRequest | None:
    """The desk's look-up by reference (full-width or lower case typed), requests it works on only."""
    return desk_list().filter(reference=normalize_reference(reference)).first()


def open_request(*, user: Staff, reference: str) -> OnlineRequest:
    """One request with its people and certificates; seeing them is an audited read."""
    req = (OnlineRequest.objects.select_related("requester", "subject", "subject__household", "bill")
           .prefetch_related("issuances").filter(reference=normalize_reference(reference)).first())
    if req is None or req.status in (S.SIGNING, S.PAYMENT):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("その受付番号の申請はありません。"), field="reference")
    with transaction.atomic():
        for pid in sorted({req.subject_id, req.requester_id}):
            record_read(actor=user, action="certificates.online_open", subject_id=pid, purpose="certificate",
                        target=req)
    return req


__all__ = ["OnlineInput", "OnlineRefused", "Signer", "bill_to_pay", "cancel_request", "create_request",
           "desk_list", "find_request", "issue_online", "mark_mailed", "my_request", "my_requests", "on_online_event",
           "open_request", "payment_event", "record_signature", "refuse_and_refund", "signing_document"]
