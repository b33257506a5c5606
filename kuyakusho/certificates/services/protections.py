"""Refusals that protect people: support measures (支援措置) and 本人通知."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kuyakusho.audit.services import record_refusal
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.ward import ward
from kuyakusho.core.wareki import format_wareki

from ..documents.model import TITLES
from ..models import SELF_SERVICE, Alert, AlertKind, Issuance, Notice, NoticeRegistration, Requester
from . import statements

#: The neutral message: it must not reveal that the person is protected.
NEUTRAL_REFUSAL = _("この証明書はここでは交付できません。お手数ですが区民事務所の窓口にお問い合わせください。")


def check_support_measures(*, resident_ids: list[int], requester: str, requester_resident_id: int | None,
                           channel: str, on: date, actor, terminal: str = "") -> None:
    """Nothing to anyone else and nothing through self-service for a protected person.

    Call it outside the issuance transaction: the refusal is recorded and an alert raised for supervisors
    (committed), then a neutral message is raised that does not reveal the protection.
    """
    protected = statements.under_support_measure(resident_ids, on)
    own = {requester_resident_id} if requester == Requester.SELF else set()
    if not protected or (channel not in SELF_SERVICE and protected <= own):
        return
    with transaction.atomic():
        for pid in sorted(protected):
            Alert.objects.create(kind=AlertKind.SUPPORT_MEASURE, resident_id=pid, channel=channel,
                                 detail={"requester": requester, "terminal": terminal})
            record_refusal(actor=actor, action="certificates.support_measure_refused", subject_id=pid,
                           detail={"channel": channel, "requester": requester, "terminal": terminal})
    raise ApplicationError(ErrorCode.REFUSED, NEUTRAL_REFUSAL)


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
        f"証明書：{TITLES.get(issuance.kind, issuance.kind)}\n"
        f"通数：1通\n"
        f"請求者の種別：{requester_kind}\n"
        f"交付番号：{issuance.number}\n\n"
        f"お心当たりのない場合は、{ward().contact_ja}へご連絡ください。\n"
    )
    return Notice.objects.create(registration=registration, issuance=issuance, letter=letter)
