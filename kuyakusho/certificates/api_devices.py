"""Device operations on /api/certificates/… (convenience-store terminals, post offices).

コンビニ交付: a store's multi-function terminal (``TerminalKind.KONBINI``, bearer token) sends the My Number
card number and PIN with the certificate wanted and an idempotency key; it gets the signed PDF (base64) with
its issue number, fee and verification code, or a typed refusal (``{"code", "message", "field", …}``):
wrong PIN 400 with ``remaining_tries``; locked 423; closed 400 with ``next_opens_at``; a protected person
400 with a neutral message. A retry with the same key returns the same certificate, charged once.

郵便局: the post office counter is a delegated counter (``TerminalKind.POST_OFFICE``): the postal clerk
identifies the applicant by name and date of birth, checks a photo ID and records its type. A request
the ward must look at first (支援措置: the protected person's own request) is answered 202 ``held``: a
supervisor decides, and a released certificate is mailed to the registered address, never handed over.

Everything goes through the one issuance service (``services.issuance.issue``).
"""

import base64
import re
from datetime import datetime

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema, Status
from ninja.responses import codes_4xx

from kuyakusho.accounts.actors import DeviceRequest
from kuyakusho.accounts.models import TerminalKind
from kuyakusho.core.access import api_device
from kuyakusho.core.api_errors import ErrorOut
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.schemas import Text, WarekiDate

from . import selectors
from .api_router import router
from .documents import TITLES
from .documents.model import CertificateKind
from .models import Channel, Issuance, Option, Requester
from .services import issuance as service
from .services.cards import MAX_PIN_FAILURES
from .services.offer import offer
from .services.protections import IssueHeld

_KEY = re.compile(r"[A-Za-z0-9._:\-]{8,80}", re.ASCII)


class KindOut(Schema):
    kind: str
    title: str
    fee: int


class OptionOut(Schema):
    option: str
    label: str


class OfferOut(Schema):
    channel: str
    identity: str
    open: bool
    next_opens_at: datetime | None
    message: str
    kinds: list[KindOut]
    options: list[OptionOut]
    requesters: list[str]


class IssuedOut(Schema):
    number: str
    kind: str
    title: str
    fee: int
    verification_code: str
    verify_url: str
    issued_at: datetime
    pdf_sha256: str
    pdf_base64: str


class KonbiniIssueIn(Schema):
    card_number: str = Field(min_length=4, max_length=32, pattern=r"^[A-Za-z0-9]+$")
    pin: str = Field(pattern=r"^[0-9]{4}$", description="4桁の暗証番号 / 4-digit PIN")
    kind: CertificateKind
    options: list[Option] = Field(default_factory=list, max_length=5)
    whole_household: bool = False
    fiscal_year: int | None = Field(default=None, ge=1989, le=2200)
    idempotency_key: str | None = Field(default=None, description="or the Idempotency-Key header")


class HeldOut(Schema):
    status: str = Field(description="held")
    reference: str
    message: str


class PostOfficeIssueIn(Schema):
    name: Text(100)
    birth_date: WarekiDate
    kind: CertificateKind
    options: list[Option] = Field(default_factory=list, max_length=5)
    whole_household: bool = False
    fiscal_year: int | None = Field(default=None, ge=1989, le=2200)
    requester: Requester = Field(default=Requester.SELF, description="self / household")
    requester_name: Text(100) = Field(default="", description="請求する方の氏名（本人の場合は省略可）")
    requester_address: Text(200) = Field(default="",
                                         description="請求する方が述べた住所 / the address the applicant gives")
    photo_id: Text(64) = Field(description="本人確認書類の種類 / the photo ID checked, e.g. 運転免許証")
    seal_card_number: str = Field(default="", max_length=32, description="印鑑登録証の番号（印鑑登録証明書のみ）")
    idempotency_key: str | None = Field(default=None, description="or the Idempotency-Key header")


def _offer(channel: str) -> dict:
    available = offer(channel)
    return {
        "channel": channel, "identity": available.policy.identity if available.policy else "",
        "open": available.open, "next_opens_at": available.next_opens_at, "message": available.reason,
        "kinds": [{"kind": k, "title": TITLES[CertificateKind(k)], "fee": available.fee_for(k)}
                  for k in available.kinds],
        "options": [{"option": o, "label": str(Option(o).label)} for o in available.options],
        "requesters": available.requesters,
    }


def _idempotency_key(request, payload) -> str:
    key = (request.headers.get("Idempotency-Key") or payload.idempotency_key or "").strip()
    if not _KEY.fullmatch(key):
        raise ApplicationError(ErrorCode.INVALID_INPUT, _(
            "再送時に同じ証明書を返すため、請求ごとの番号（Idempotency-Key、英数字8〜80文字）が必要です。"),
            field="idempotency_key")
    return key


def _issued(issuance: Issuance) -> dict:
    from django.conf import settings

    pdf = bytes(issuance.pdf or b"")
    return {"number": issuance.number, "kind": issuance.kind, "title": TITLES[CertificateKind(issuance.kind)],
            "fee": issuance.fee, "verification_code": issuance.verification_code,
            "verify_url": f"{settings.PUBLIC_BASE_URL}/verify/{issuance.verification_code}",
            "issued_at": issuance.issued_at, "pdf_sha256": issuance.pdf_sha256,
            "pdf_base64": base64.b64encode(pdf).decode("ascii")}


def _with_remaining_tries(error: ApplicationError, card_number: str, channel: str) -> ApplicationError:
    """A wrong PIN or a lock: add how many tries are left (as the message already says)."""
    if error.field != "pin":
        return error
    failures = selectors.pin_failures(card_number, channel)
    remaining = 0 if error.code == ErrorCode.LOCKED else max(MAX_PIN_FAILURES - failures, 0)
    return ApplicationError(error.code, error.message, field=error.field,
                            extra={**error.extra, "remaining_tries": remaining})


@router.get("/konbini/kinds", response=OfferOut, summary="コンビニ交付：交付できる証明書と手数料")
@api_device(TerminalKind.KONBINI)
def konbini_kinds(request: DeviceRequest) -> dict:
    return _offer(Channel.KONBINI)


@router.post("/konbini/issue", response={200: IssuedOut, codes_4xx: ErrorOut},
             summary="コンビニ交付：マイナンバーカードと暗証番号で証明書を発行")
@api_device(TerminalKind.KONBINI)
def konbini_issue(request: DeviceRequest, payload: KonbiniIssueIn) -> Status:
    terminal = request.auth
    req = service.IssueRequest(
        channel=Channel.KONBINI, kind=payload.kind, card=service.CardIn(payload.card_number.upper(), payload.pin),
        whole_household=payload.whole_household, options=frozenset(payload.options),
        fiscal_year=payload.fiscal_year, office_id=terminal.office_id, terminal=terminal.code,
        idempotency_key=_idempotency_key(request, payload))
    try:
        issuance = service.issue(req, actor=terminal)
    except ApplicationError as e:
        raise _with_remaining_tries(e, payload.card_number.upper(), Channel.KONBINI) from None
    return Status(200, _issued(issuance))


@router.get("/post-office/kinds", response=OfferOut, summary="郵便局：取り扱う証明書と手数料")
@api_device(TerminalKind.POST_OFFICE)
def post_office_kinds(request: DeviceRequest) -> dict:
    return _offer(Channel.POST_OFFICE)


@router.post("/post-office/issue", response={200: IssuedOut, 202: HeldOut, codes_4xx: ErrorOut},
             summary="郵便局：本人確認書類を確認して証明書を発行")
@api_device(TerminalKind.POST_OFFICE)
def post_office_issue(request: DeviceRequest, payload: PostOfficeIssueIn) -> Status:
    terminal = request.auth
    key = _idempotency_key(request, payload)
    closed = offer(Channel.POST_OFFICE).closed_error()  # before the register is searched for the applicant
    if closed is not None:
        raise closed
    if payload.requester == Requester.HOUSEHOLD and not payload.requester_name.strip():
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("請求する方の氏名を入力してください。"),
                               field="requester_name")
    subject = selectors.applicant(payload.name, payload.birth_date)
    req = service.IssueRequest(
        channel=Channel.POST_OFFICE, kind=payload.kind, subject_id=subject.pk,
        whole_household=payload.whole_household, options=frozenset(payload.options),
        fiscal_year=payload.fiscal_year, requester=payload.requester,
        requester_name=payload.requester_name or payload.name, requester_address=payload.requester_address,
        identity_document=payload.photo_id, seal_card_number=payload.seal_card_number.strip(),
        office_id=terminal.office_id, terminal=terminal.code,
        idempotency_key=key)
    try:
        issuance = service.issue(req, actor=terminal)
    except IssueHeld as held:
        return Status(202, {"status": "held", "reference": f"H{held.held.pk:08d}", "message": str(held.message)})
    return Status(200, _issued(issuance))

