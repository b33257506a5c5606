"""Refusals that protect people: support measures (支援措置) and 本人通知.

支援措置 on every channel, decided here once for all of them (``models.SUPPORT_MEASURE_HANDLING``):
a request whose document would show a protected person — the subject, or a household member printed on
it — is refused with a neutral message and an alert, unless it is the protected person's own request
through a channel that handles it (issued at the counter, where staff verify her identity in person
against the protection file after the confirmation step; held for a supervisor on remote channels, who
releases it to be mailed to the registered address only, or declines it). Every alert records who asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kuyakusho.accounts.actors import as_staff, as_terminal
from kuyakusho.audit.services import record_refusal
from kuyakusho.core.actors import Actor
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.ward import ward
from kuyakusho.core.wareki import format_wareki
from kuyakusho.residents.models import Resident

from ..documents.model import TITLES, CertificateKind
from ..models import (
    SUPPORT_MEASURE_HANDLING,
    Alert,
    AlertKind,
    HeldRequest,
    HoldStatus,
    Issuance,
    Notice,
    NoticeRegistration,
    ProtectionHandling,
    Requester,
    SupportMeasure,
)
from .requests import IssueRequest

#: The neutral message: it must not reveal that the person is protected.
NEUTRAL_REFUSAL = _("この証明書はここでは交付できません。お手数ですが区民事務所の窓口にお問い合わせください。")
#: To the clerk at the counter (never to the requester): the in-person check the rule asks for.
#: Worded so that a requester reading the screen over the counter learns nothing.
PROTECTION_FILE_CHECK = _("交付の前に、照合記録と照らしてご本人であることを確認し、確認欄にチェックしてください。")
#: A held request: what the applicant is told (nothing about why).
HELD_MESSAGE = _("このご請求は区で確認したうえで、証明書を住民登録のある住所へ郵送します。この場ではお渡しできません。")


class Outcome(StrEnum):
    ISSUE = "issue"
    REFUSE = "refuse"
    HOLD = "hold"


class IssueHeld(ApplicationError):
    """The request is kept for a supervisor (not an error of the applicant's; channels that hold answer it)."""

    def __init__(self, held: HeldRequest) -> None:
        super().__init__(ErrorCode.REFUSED, HELD_MESSAGE, extra={"held": held.pk, "status": "held"})
        self.held = held


def protected_among(resident_ids: Sequence[int], on: date) -> set[int]:
    """Who among ``resident_ids`` is under a support measure on ``on``."""
    if not resident_ids:
        return set()
    return set(SupportMeasure.objects.filter(resident_id__in=resident_ids, starts_on__lte=on)
               .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on)).values_list("resident_id", flat=True))


def decide(*, channel: str, requester: str, requester_resident_id: int | None, protected: set[int]) -> Outcome:
    """Issue, refuse or hold: the rule, without the database (``protected``: who printed is protected)."""
    if not protected:
        return Outcome.ISSUE
    handling = SUPPORT_MEASURE_HANDLING.get(channel, ProtectionHandling.REFUSE)
    own = requester == Requester.SELF and requester_resident_id is not None and protected <= {requester_resident_id}
    if not own or handling == ProtectionHandling.REFUSE:
        return Outcome.REFUSE
    return Outcome.ISSUE if handling == ProtectionHandling.IN_PERSON else Outcome.HOLD


def needs_protection_file_check(*, channel: str, requester: str, subject_id: int, printed: Sequence[int],
                                on: date) -> bool:
    """Whether the counter's confirmation step must ask the clerk for the in-person check (her own request)."""
    protected = protected_among(printed, on)
    requester_resident_id = subject_id if requester == Requester.SELF else None
    return bool(protected) and decide(channel=channel, requester=requester,
                                      requester_resident_id=requester_resident_id,
                                      protected=protected) == Outcome.ISSUE


def who_asked(req: IssueRequest, *, actor: Actor, holder: Resident | None, subject: Resident,
              printed: Sequence[int]) -> dict[str, Any]:
    """What an alert records: who asked (card holder or stated name and address), where, and for what."""
    staff = as_staff(actor)
    device = as_terminal(actor)
    terminal = req.terminal or (device.code if device is not None else "")
    return {
        "requester": req.requester,
        "card_holder_id": holder.pk if holder is not None else None,
        "requester_name": req.requester_name,
        "requester_address": req.requester_address,
        "identity_document": req.identity_document,
        "terminal": terminal,
        "staff_id": staff.pk if staff else None,
        "staff": staff.username if staff else "",
        "office_id": req.office_id,
        "channel": req.channel,
        "document": req.kind,
        "whole_household": req.whole_household,
        "subject_id": subject.pk,
        "printed": list(printed),
    }


def check_support_measures(req: IssueRequest, *, subject: Resident, printed: Sequence[int],
                           holder: Resident | None, actor: Actor, on: date) -> None:
    """Return if the request may be issued; else record the refusal or the hold (committed, with the alert
    and its audit event) and raise the neutral refusal or :class:`IssueHeld`.

    Call it outside the issuance transaction: what it records must stay when the request is refused.
    """
    protected = protected_among(printed, on)
    requester_resident_id = holder.pk if holder is not None else (
        subject.pk if req.requester == Requester.SELF else None)
    outcome = decide(channel=req.channel, requester=req.requester, requester_resident_id=requester_resident_id,
                     protected=protected)
    if outcome == Outcome.ISSUE:
        if protected and not req.protection_file_checked:  # her own request, where staff see her in person
            raise ApplicationError(ErrorCode.REFUSED, PROTECTION_FILE_CHECK, field="protection_file_checked")
        return
    if outcome == Outcome.HOLD and _released(req, subject):
        return
    detail = who_asked(req, actor=actor, holder=holder, subject=subject, printed=printed)
    if outcome == Outcome.HOLD:
        raise IssueHeld(_hold(req, subject=subject, detail=detail, actor=actor))
    with transaction.atomic():
        for pid in sorted(protected):
            Alert.objects.create(kind=AlertKind.SUPPORT_MEASURE, resident_id=pid, channel=req.channel,
                                 detail={**detail, "outcome": "refused"})
            record_refusal(actor=actor, action="certificates.support_measure_refused", subject_id=pid,
                           detail={**detail, "outcome": "refused"})
    raise ApplicationError(ErrorCode.REFUSED, NEUTRAL_REFUSAL)


def _released(req: IssueRequest, subject: Resident) -> bool:
    """A supervisor released this very request (same content) and it has not been served yet."""
    if req.release_id is None:
        return False
    return HeldRequest.objects.filter(pk=req.release_id, status=HoldStatus.RELEASED, channel=req.channel,
                                      subject_id=subject.pk, request_fingerprint=req.fingerprint(),
                                      issuance__isnull=True).exists()


def _hold(req: IssueRequest, *, subject: Resident, detail: dict[str, Any], actor: Actor) -> HeldRequest:
    """The held request (the one already kept for a retry of the same request, or a new one with its alert)."""
    if req.idempotency_key:
        found = HeldRequest.objects.filter(channel=req.channel, terminal=req.terminal,
                                           idempotency_key=req.idempotency_key).first()
        if found is not None:
            return found
    with transaction.atomic():
        alert = Alert.objects.create(kind=AlertKind.SUPPORT_MEASURE, resident_id=subject.pk, channel=req.channel,
                                     detail={**detail, "outcome": "held"})
        held = HeldRequest.objects.create(
            alert=alert, channel=req.channel, terminal=req.terminal, idempotency_key=req.idempotency_key,
            subject=subject, request=req.stored(), request_fingerprint=req.fingerprint())
        record_refusal(actor=actor, action="certificates.support_measure_held", subject_id=subject.pk,
                       detail={**detail, "outcome": "held", "held": held.pk})
    return held


def notice_for(issuance: Issuance, *, subject_name: str) -> Notice | None:
    """本人通知: a notice record and its letter when a certificate went to a proxy or a third party."""
    if issuance.requester not in (Requester.PROXY, Requester.THIRD_PARTY):
        return None
    registration = NoticeRegistration.objects.filter(resident_id=issuance.subject_id, active=True).first()
    if registration is None:
        return None
    requester_kind = Requester(issuance.requester).label
    letter = (
        f"{subject_name} 様\n\n"
        f"本人通知制度に基づき、あなたの証明書が交付されたことをお知らせします。\n\n"
        f"交付日：{format_wareki(issuance.issued_at.date())}\n"
        f"証明書：{TITLES.get(CertificateKind(issuance.kind), issuance.kind)}\n"
        f"通数：1通\n"
        f"請求者の種別：{requester_kind}\n"
        f"交付番号：{issuance.number}\n\n"
        f"お心当たりのない場合は、{ward().contact_ja}へご連絡ください。\n"
    )
    return Notice.objects.create(registration=registration, issuance=issuance, letter=letter)
