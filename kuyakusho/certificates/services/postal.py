"""郵送請求: the central desk's requests, from the letter (or online form) to the envelope.

    received ──check──▶ checked ──issue──▶ issued ──mail──▶ mailed
        │                  │  ▲
        │                  │  └─ released ── held (支援措置: the protected person's own request, for a supervisor)
        │                  │                   └─ declined ──▶ returned
        └──────return──────┴──▶ returned (with the reason)

A released request is mailed to ``mail_to``, the registered address, never to the letter's return address.

Every step takes the ``version`` the clerk saw (optimistic locking: a step on a stale screen is refused),
is refused from any other state, and is audited in its own transaction. Issuing goes through the one
issuance service (channel ``postal``), one certificate per copy, each with an idempotency key derived from
the reference number: a retried or concurrent "issue" never charges or prints a copy twice.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuyakusho.audit.services import record_write
from kuyakusho.core.actors import Actor
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.text import check_text
from kuyakusho.core.wareki import fiscal_year
from kuyakusho.residents.models import Resident

from ..documents.model import CertificateKind
from ..models import (
    Channel,
    ChannelPolicy,
    HeldRequest,
    HoldStatus,
    Option,
    PostalRequest,
    PostalSource,
    PostalStatus,
    Requester,
)
from ..selectors import normalize_reference
from .issuance import IssueRequest, issue
from .offer import offer
from .protections import IssueHeld

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_COPIES = 10
MAX_FEE = 100_000
S = PostalStatus
#: Steps and the states they may start from.
STEPS: dict[str, tuple[str, ...]] = {
    "check": (S.RECEIVED,),
    "issue": (S.CHECKED,),
    "mail": (S.ISSUED,),
    "return": (S.RECEIVED, S.CHECKED),
    "subject": (S.RECEIVED,),
}


@dataclass(frozen=True)
class PostalInput:
    """What the letter (or the online form) says."""

    kind: str
    requester: str
    requester_name: str
    requester_address: str
    subject_id: int | None = None
    options: frozenset[str] = frozenset()
    copies: int = 1
    purpose: str = ""
    id_copy: str = ""
    fee_received: int = 0
    received_on: date | None = None
    whole_household: bool = False
    fiscal_year: int | None = None
    source: str = PostalSource.LETTER


def _invalid(message: StrOrPromise, field: str) -> ApplicationError:
    return ApplicationError(ErrorCode.INVALID_INPUT, message, field=field)


def _clean(data: PostalInput, today: date) -> dict[str, Any]:
    if data.kind not in {k.value for k in CertificateKind}:
        raise _invalid(_("証明書の種類を選んでください。"), "kind")
    if data.requester not in Requester.values:
        raise _invalid(_("請求者の種別を選んでください。"), "requester")
    if not set(data.options) <= set(Option.values):
        raise _invalid(_("記載事項の指定が正しくありません。"), "options")
    if not 1 <= int(data.copies) <= MAX_COPIES:
        raise _invalid(_("通数は1から%(max)d通までです。") % {"max": MAX_COPIES}, "copies")
    if not 0 <= int(data.fee_received) <= MAX_FEE:
        raise _invalid(_("同封された手数料の金額が正しくありません。"), "fee_received")
    if data.source not in PostalSource.values:
        raise _invalid(_("請求の方法を選んでください。"), "source")
    if data.fiscal_year is not None and not 2000 <= int(data.fiscal_year) <= today.year + 1:
        raise _invalid(_("年度が正しくありません。"), "fiscal_year")
    received_on = data.received_on or today
    if received_on > today:
        raise _invalid(_("受付日に未来の日付は指定できません。"), "received_on")
    name = check_text(data.requester_name, field="requester_name", max_length=100)
    address = check_text(data.requester_address, field="requester_address", max_length=200)
    if not name:
        raise _invalid(_("請求者の氏名を入力してください。"), "requester_name")
    if not address:
        raise _invalid(_("返送先を入力してください。"), "requester_address")
    subject = None
    if data.subject_id is not None:
        subject = Resident.objects.filter(pk=data.subject_id).first()
        if subject is None:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("対象の方が見つかりません。"), field="subject")
    return {
        "kind": data.kind, "requester": data.requester, "requester_name": name, "requester_address": address,
        "subject": subject, "options": sorted(set(data.options)), "copies": int(data.copies),
        "purpose": check_text(data.purpose, field="purpose", max_length=200),
        "id_copy": check_text(data.id_copy, field="id_copy", max_length=64),
        "fee_received": int(data.fee_received), "received_on": received_on,
        "whole_household": bool(data.whole_household), "fiscal_year": data.fiscal_year, "source": data.source,
    }


def create_request(*, actor: Actor, data: PostalInput) -> PostalRequest:
    """Record a letter as received. Whether it can be served is decided at the check, not here:
    every letter the desk opens is entered, even one that will be returned."""
    today = timezone.localdate()
    values = _clean(data, today)
    with transaction.atomic():
        req = PostalRequest.objects.create(reference=secrets.token_hex(8), status=S.RECEIVED, **values)
        req.reference = f"P{fiscal_year(values['received_on'])}-{req.pk:06d}"
        req.save(update_fields=["reference"])
        record_write(actor=actor, action="certificates.postal_create", target=req,
                     subject_id=req.subject_id or "",
                     detail={"reference": req.reference, "kind": req.kind, "copies": req.copies,
                             "requester": req.requester, "fee_received": req.fee_received})
    return req


def fee_due(req: PostalRequest, policy: ChannelPolicy | None = None) -> int:
    """The fee the request must enclose: the policy's fee × copies (official requests are free)."""
    if req.requester == Requester.OFFICIAL:
        return 0
    policy = policy or ChannelPolicy.objects.get(channel=Channel.POSTAL)
    return policy.fee_for(req.kind) * req.copies


def problems(req: PostalRequest, *, letter_of_authority: bool = True) -> list[ApplicationError]:
    """What stops the request from being served (empty: it can be checked)."""
    found: list[ApplicationError] = []
    available = offer(Channel.POSTAL)
    closed = available.closed_error(hours_apply=False)  # letters are served whatever the desk's hours
    if closed is not None:
        return [closed]
    policy = available.policy
    assert policy is not None  # closed_error() refused a channel without one

    def refuse(message: StrOrPromise, field: str) -> None:
        found.append(ApplicationError(ErrorCode.REFUSED, message, field=field))

    if req.subject_id is None:
        refuse(_("対象者を住民記録で特定してください。"), "subject")
    if req.kind not in policy.kinds:
        refuse(_("この証明書は郵送では交付できません。"), "kind")
    if not set(req.options) <= set(policy.options):
        refuse(_("選んだ記載事項は郵送では記載できません。"), "options")
    if req.requester not in policy.requesters:
        refuse(_("この請求者からの郵送請求は受け付けていません。"), "requester")
    if not req.id_copy.strip():
        refuse(_("本人確認書類の写しが同封されていません。"), "id_copy")
    if req.requester == Requester.PROXY and not letter_of_authority:
        refuse(_("代理人の請求には委任状が必要です。"), "letter_of_authority")
    if req.requester == Requester.THIRD_PARTY and not req.purpose.strip():
        refuse(_("第三者からの請求には、正当な理由（使用目的）の記載が必要です。"), "purpose")
    due = fee_due(req, policy)
    if req.fee_received < due:
        found.append(ApplicationError(
            ErrorCode.REFUSED,
            _("手数料が%(short)s円不足しています（必要額 %(due)s円、同封 %(got)s円）。不備として返送してください。")
            % {"short": f"{due - req.fee_received:,}", "due": f"{due:,}", "got": f"{req.fee_received:,}"},
            field="fee_received", extra={"shortfall": due - req.fee_received}))
    return found


def _locked(reference: str, version: int, step: str) -> PostalRequest:
    """The request, locked for the step: refused if someone changed it since, or from the wrong state."""
    req = PostalRequest.objects.select_for_update().filter(reference=normalize_reference(reference)).first()
    if req is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("その受付番号の請求はありません。"), field="reference")
    if req.version != int(version):
        raise ApplicationError(ErrorCode.CONFLICT, _(
            "この請求は他の職員が先に更新しました。画面を開き直して、最新の状態を確認してください。"))
    if req.status not in STEPS[step]:
        raise ApplicationError(ErrorCode.REFUSED, _("「%(status)s」の請求に、この操作はできません。")
                               % {"status": req.get_status_display()}, field="status")
    return req


def _advance(req: PostalRequest, *, actor: Actor, action: str, to: str | None = None,
             detail: dict[str, Any] | None = None, **fields: Any) -> PostalRequest:
    before = {"status": req.status, **{k: getattr(req, k) for k in fields}}
    if to:
        fields["status"] = to
    PostalRequest.objects.filter(pk=req.pk).update(version=F("version") + 1, updated_at=timezone.now(), **fields)
    req.refresh_from_db()
    after = {"status": req.status, **{k: getattr(req, k) for k in fields if k != "status"}}
    record_write(actor=actor, action=action, target=req, subject_id=req.subject_id or "",
                 changes={k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)},
                 detail={"reference": req.reference, **(detail or {})})
    return req


def set_subject(*, actor: Actor, reference: str, version: int, subject_id: int) -> PostalRequest:
    """The clerk found the person the letter asks about in the register."""
    if not Resident.objects.filter(pk=subject_id).exists():
        raise ApplicationError(ErrorCode.NOT_FOUND, _("対象の方が見つかりません。"), field="subject")
    with transaction.atomic():
        req = _locked(reference, version, "subject")
        return _advance(req, actor=actor, action="certificates.postal_subject", subject_id=subject_id)


def check_request(*, actor: Actor, reference: str, version: int, letter_of_authority: bool = False) -> PostalRequest:
    """received → checked: subject found, type and requester allowed by the policy, ID copy, fee enough."""
    with transaction.atomic():
        req = _locked(reference, version, "check")
        found = problems(req, letter_of_authority=letter_of_authority)
        if found:
            raise found[0]
        if letter_of_authority and not req.letter_of_authority:
            req.letter_of_authority = True
            req.save(update_fields=["letter_of_authority"])
        return _advance(req, actor=actor, action="certificates.postal_check", to=S.CHECKED,
                        detail={"fee_due": fee_due(req), "fee_received": req.fee_received,
                                "letter_of_authority": letter_of_authority})


def issue_request(*, actor: Actor, reference: str, version: int, now: datetime | None = None) -> PostalRequest:
    """checked → issued: one certificate per copy through the one issuance service (channel ``postal``)."""
    with transaction.atomic():
        req = _locked(reference, version, "issue")
        # The policy may have changed since the check: the fee is checked again.
        fee_problem = [p for p in problems(req) if p.field == "fee_received"]
        if fee_problem:
            raise fee_problem[0]
    released = (HeldRequest.objects.filter(postal_request=req, status=HoldStatus.RELEASED)
                .order_by("-pk").values_list("pk", flat=True).first())
    issuances = []
    try:
        for copy in range(1, req.copies + 1):
            # Outside our transaction: the service commits its own refusals and holds (支援措置 alerts).
            issuances.append(issue(IssueRequest(
                channel=Channel.POSTAL, kind=req.kind, subject_id=req.subject_id, options=frozenset(req.options),
                requester=req.requester, requester_name=req.requester_name,
                requester_address=req.requester_address, purpose=req.purpose,
                identity_document=req.id_copy, letter_of_authority=req.letter_of_authority,
                whole_household=req.whole_household, fiscal_year=req.fiscal_year,
                idempotency_key=f"postal:{req.reference}:{copy}", release_id=released,
            ), actor=actor, now=now))
    except IssueHeld as held:
        with transaction.atomic():
            req = _locked(reference, version, "issue")
            HeldRequest.objects.filter(pk=held.held.pk).update(postal_request=req)
            return _advance(req, actor=actor, action="certificates.postal_hold", to=S.HELD,
                            detail={"held": held.held.pk})
    with transaction.atomic():
        req = _locked(reference, version, "issue")
        req.issuances.add(*issuances)
        return _advance(req, actor=actor, action="certificates.postal_issue", to=S.ISSUED,
                        detail={"issuances": [i.number for i in issuances], "fee": sum(i.fee for i in issuances)})


def mark_mailed(*, actor: Actor, reference: str, version: int) -> PostalRequest:
    with transaction.atomic():
        req = _locked(reference, version, "mail")
        return _advance(req, actor=actor, action="certificates.postal_mail", to=S.MAILED)


def return_request(*, actor: Actor, reference: str, version: int, reason: str) -> PostalRequest:
    reason = check_text(reason or "", field="reason", max_length=200)
    if not reason:
        raise _invalid(_("返送の理由を入力してください。"), "reason")
    with transaction.atomic():
        req = _locked(reference, version, "return")
        return _advance(req, actor=actor, action="certificates.postal_return", to=S.RETURNED,
                        returned_reason=reason)
