"""Staff operations on /api/certificates/… (counter issuance, postal requests, alerts, statistics).

Same permissions and audit as the console pages: the capability is checked before the body is parsed
(``core.api.enforce_declared_access``); the services write the audit events. No ``from __future__ import
annotations`` here: ninja reads the annotations.
"""

from datetime import date, datetime
from typing import Any, Literal

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from ninja import Query, Schema

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.accounts.capabilities import Capability
from kuyakusho.core.access import api_staff
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.schemas import Text, WarekiDate

from . import selectors
from .api_router import router
from .documents.model import CertificateKind
from .models import Alert, Channel, Issuance, Option, PostalRequest, Requester
from .permissions import STATS_CAPABILITIES
from .services import admin, holds, postal
from .services.issuance import IssueRequest, issue

C = Capability


# --- counter -------------------------------------------------------------------------------------


class CounterIssueIn(Schema):
    subject_id: int
    kind: CertificateKind
    office_id: int
    identity_document: Text(64)
    members: list[int] = []
    whole_household: bool = False
    options: list[Option] = []
    fiscal_year: int | None = None
    requester: Requester = Requester.SELF
    requester_name: Text(100) = ""
    purpose: Text(200) = ""
    letter_of_authority: bool = False
    seal_card_number: Text(32) = ""
    fee_exemption: Text(100) = ""
    protection_file_checked: bool = False  # 支援措置: the requester verified in person against the protection file
    idempotency_key: Text(80) | None = None


class CounterIssuedOut(Schema):
    id: int
    number: str
    verification_code: str
    kind: str
    channel: str
    fee: int
    issued_at: datetime
    status: str
    pdf_url: str


def _issued(i: Issuance) -> dict:
    return {"id": i.pk, "number": i.number, "verification_code": i.verification_code, "kind": i.kind,
            "channel": i.channel, "fee": i.fee, "issued_at": i.issued_at, "status": i.status,
            "pdf_url": reverse("certificates:issuance_pdf", args=[i.pk])}


@router.post("/counter/issuances", response=CounterIssuedOut,
             summary="窓口での証明書の交付 / Issue a certificate at the counter")
@api_staff(C.ISSUE_CERTIFICATE)
def counter_issue(request: StaffRequest, payload: CounterIssueIn) -> dict:
    issuance = issue(IssueRequest(
        channel=Channel.COUNTER, kind=payload.kind, subject_id=payload.subject_id, members=tuple(payload.members),
        whole_household=payload.whole_household, options=frozenset(payload.options),
        fiscal_year=payload.fiscal_year, requester=payload.requester, requester_name=payload.requester_name,
        purpose=payload.purpose, identity_document=payload.identity_document,
        letter_of_authority=payload.letter_of_authority, seal_card_number=payload.seal_card_number,
        fee_exemption=payload.fee_exemption, office_id=payload.office_id,
        protection_file_checked=payload.protection_file_checked,
        terminal=f"staff:{request.user.pk}" if payload.idempotency_key else "",
        idempotency_key=payload.idempotency_key or None,
    ), actor=request.user)
    return _issued(issuance)


# --- postal requests -----------------------------------------------------------------------------


class PostalIn(Schema):
    kind: CertificateKind
    requester: Requester
    requester_name: Text(100)
    requester_address: Text(200)
    subject_id: int | None = None
    options: list[Option] = []
    copies: int = 1
    purpose: Text(200) = ""
    id_copy: Text(64) = ""
    fee_received: int = 0
    received_on: WarekiDate | None = None
    whole_household: bool = False
    fiscal_year: int | None = None
    source: Literal["letter", "online"] = "letter"


class PostalOut(Schema):
    reference: str
    status: str
    version: int
    received_on: date
    kind: str
    options: list[str]
    copies: int
    subject_id: int | None
    requester: str
    requester_name: str
    fee_received: int
    fee_due: int
    returned_reason: str
    issuances: list[str]


class TransitionIn(Schema):
    action: str
    version: int
    reason: Text(200) = ""
    letter_of_authority: bool = False
    subject_id: int | None = None


class PostalFilter(Schema):
    status: str | None = None
    limit: int = 50


def _postal(req: PostalRequest) -> dict:
    return {"reference": req.reference, "status": req.status, "version": req.version,
            "received_on": req.received_on, "kind": req.kind, "options": req.options, "copies": req.copies,
            "subject_id": req.subject_id, "requester": req.requester, "requester_name": req.requester_name,
            "fee_received": req.fee_received, "fee_due": postal.fee_due(req),
            "returned_reason": req.returned_reason, "issuances": [i.number for i in req.issuances.all()]}


@router.post("/postal", response=PostalOut, summary="郵送請求の受付 / Enter a postal request")
@api_staff(C.ISSUE_CERTIFICATE)
def postal_create(request: StaffRequest, payload: PostalIn) -> dict:
    req = postal.create_request(actor=request.user, data=postal.PostalInput(
        kind=payload.kind, requester=payload.requester, requester_name=payload.requester_name,
        requester_address=payload.requester_address, subject_id=payload.subject_id,
        options=frozenset(payload.options), copies=payload.copies, purpose=payload.purpose,
        id_copy=payload.id_copy, fee_received=payload.fee_received, received_on=payload.received_on,
        whole_household=payload.whole_household, fiscal_year=payload.fiscal_year, source=payload.source))
    return _postal(req)


@router.get("/postal", response=list[PostalOut], summary="郵送請求の一覧 / List postal requests")
@api_staff(C.ISSUE_CERTIFICATE)
def postal_list(request: StaffRequest, filters: Query[PostalFilter]) -> list[Any]:
    limit = min(max(filters.limit, 1), 200)
    return [_postal(r) for r in selectors.postal_requests(status=filters.status)[:limit]]


@router.get("/postal/{reference}", response=PostalOut, summary="受付番号で郵送請求を開く / Look up a postal request")
@api_staff(C.ISSUE_CERTIFICATE)
def postal_lookup(request: StaffRequest, reference: str) -> dict:
    return _postal(selectors.open_postal_request(user=request.user, reference=reference))


@router.post("/postal/{reference}/transition", response=PostalOut,
             summary="郵送請求の状態を進める（check / issue / mail / return / subject）/ Move a postal request on")
@api_staff(C.ISSUE_CERTIFICATE)
def postal_transition(request: StaffRequest, reference: str, payload: TransitionIn) -> dict:
    user, v = request.user, payload.version
    if payload.action == "check":
        req = postal.check_request(actor=user, reference=reference, version=v,
                                   letter_of_authority=payload.letter_of_authority)
    elif payload.action == "issue":
        req = postal.issue_request(actor=user, reference=reference, version=v)
    elif payload.action == "mail":
        req = postal.mark_mailed(actor=user, reference=reference, version=v)
    elif payload.action == "return":
        req = postal.return_request(actor=user, reference=reference, version=v, reason=payload.reason)
    elif payload.action == "subject" and payload.subject_id is not None:
        req = postal.set_subject(actor=user, reference=reference, version=v, subject_id=payload.subject_id)
    else:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("操作（action）が正しくありません。"), field="action")
    return _postal(req)


# --- alerts --------------------------------------------------------------------------------------


class AlertOut(Schema):
    id: int
    kind: str
    resident_id: int
    channel: str
    detail: dict
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class AlertFilter(Schema):
    include_acknowledged: bool = False
    limit: int = 50


def _alert(a: Alert) -> dict:
    return {"id": a.pk, "kind": a.kind, "resident_id": a.resident_id, "channel": a.channel, "detail": a.detail,
            "created_at": a.created_at, "acknowledged_at": a.acknowledged_at,
            "acknowledged_by": a.acknowledged_by.username if a.acknowledged_by else None}


@router.get("/alerts", response=list[AlertOut], summary="警告の一覧 / Supervisor alerts")
@api_staff(C.SUPERVISE_COUNTER)
def alerts_list(request: StaffRequest, filters: Query[AlertFilter]) -> list[Any]:
    alerts = list(selectors.alerts(include_acknowledged=filters.include_acknowledged)
                  [:min(max(filters.limit, 1), 200)])
    # who is under a support measure is itself personal data
    selectors.record_list_reads(request.user, [a.resident_id for a in alerts], action="certificates.alerts_list")
    return [_alert(a) for a in alerts]


@router.post("/alerts/{alert_id}/acknowledge", response=AlertOut, summary="警告を確認済みにする / Acknowledge")
@api_staff(C.SUPERVISE_COUNTER)
def alert_acknowledge(request: StaffRequest, alert_id: int) -> dict:
    return _alert(admin.acknowledge_alert(actor=request.user, alert_id=alert_id))


class HeldDecisionOut(Schema):
    id: int
    status: str
    channel: str
    subject_id: int
    mail_to: str
    issuance: str | None
    postal_reference: str | None


def _held(held) -> dict:
    return {"id": held.pk, "status": held.status, "channel": held.channel, "subject_id": held.subject_id,
            "mail_to": held.mail_to, "issuance": held.issuance.number if held.issuance else None,
            "postal_reference": held.postal_request.reference if held.postal_request_id else None}


@router.post("/held/{held_id}/release", response=HeldDecisionOut,
             summary="保留中の請求の交付を承認（住民登録の住所へ郵送）/ Release a held request")
@api_staff(C.SUPERVISE_COUNTER)
def held_release(request: StaffRequest, held_id: int) -> dict:
    return _held(holds.release_held(actor=request.user, held_id=held_id))


@router.post("/held/{held_id}/decline", response=HeldDecisionOut,
             summary="保留中の請求を交付しない / Decline a held request")
@api_staff(C.SUPERVISE_COUNTER)
def held_decline(request: StaffRequest, held_id: int) -> dict:
    return _held(holds.decline_held(actor=request.user, held_id=held_id))


# --- statistics ----------------------------------------------------------------------------------


class StatsFilter(Schema):
    date_from: WarekiDate
    date_to: WarekiDate
    channel: str | None = None
    office_id: int | None = None


class StatRowOut(Schema):
    month: str
    kind: str
    channel: str
    office_code: str
    office_name: str
    count: int
    revoked: int
    fees: int


class StatsOut(Schema):
    date_from: date
    date_to: date
    total_count: int
    total_fees: int
    rows: list[StatRowOut]


@router.get("/stats", response=StatsOut, summary="交付統計（種類×交付方法×事務所×月）/ Issuance statistics")
@api_staff(*STATS_CAPABILITIES, any_of=True)
def statistics(request: StaffRequest, filters: Query[StatsFilter]) -> dict[str, Any]:
    result = selectors.issuance_stats(date_from=filters.date_from, date_to=filters.date_to, channel=filters.channel,
                            office_id=filters.office_id)
    return {"date_from": result.date_from, "date_to": result.date_to, "total_count": result.total_count,
            "total_fees": result.total_fees,
            "rows": [{"month": f"{r.month:%Y-%m}", "kind": r.kind, "channel": r.channel, "office_code": r.office_code,
                      "office_name": r.office_name, "count": r.count, "revoked": r.revoked, "fees": r.fees}
                     for r in result.rows]}
