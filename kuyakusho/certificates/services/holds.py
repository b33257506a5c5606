"""Requests held for a supervisor (支援措置): release (issue, mailed to the registered address only) or decline.

``protections.check_support_measures`` holds a remote request by a protected person herself; a supervisor
decides it from the alerts page. Each decision: one transaction with its audit event.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuyakusho.accounts.models import Staff
from kuyakusho.audit.services import record_write
from kuyakusho.core.actors import Actor
from kuyakusho.core.errors import ApplicationError, ErrorCode

from ..models import HeldRequest, HoldStatus, Issuance, PostalRequest, PostalStatus
from .issuance import issue
from .protections import NEUTRAL_REFUSAL
from .requests import IssueRequest


def _decidable(held_id: int) -> HeldRequest:
    held = HeldRequest.objects.select_for_update().select_related("subject__household").filter(pk=held_id).first()
    if held is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("その保留中の請求はありません。"))
    if held.status != HoldStatus.HELD:
        raise ApplicationError(ErrorCode.CONFLICT, _("この請求はすでに処理されています。"))
    return held


def release_held(*, actor: Staff, held_id: int) -> HeldRequest:
    """A supervisor lets a held request be served: mailed to the registered address only.

    A post-office request is issued at once (by the supervisor, the envelope addressed to ``mail_to``); a
    postal request goes back to the desk (審査済) with ``mail_to`` set, and the desk issues and mails it.
    """
    with transaction.atomic():
        held = _decidable(held_id)
        held.status = HoldStatus.RELEASED
        held.decided_by, held.decided_at = actor, timezone.now()
        held.mail_to = held.subject.household.address
        held.save(update_fields=["status", "decided_by", "decided_at", "mail_to"])
        record_write(actor=actor, action="certificates.hold_release", target=held, subject_id=held.subject_id,
                     changes={"status": [HoldStatus.HELD, HoldStatus.RELEASED]})
        if held.postal_request_id is not None:
            _postal_back(held, actor=actor, status=PostalStatus.CHECKED, mail_to=held.mail_to)
    if held.postal_request_id is None:
        serve_released(actor=actor, held=held)
    return held


def serve_released(*, actor: Staff, held: HeldRequest) -> Issuance:
    """Issue a released request that is not the postal desk's (again, if an earlier attempt failed)."""
    req = IssueRequest.from_stored(held.request, release_id=held.pk, idempotency_key=f"held:{held.pk}")
    issuance = issue(req, actor=actor)
    HeldRequest.objects.filter(pk=held.pk, issuance__isnull=True).update(issuance=issuance)
    held.issuance = issuance
    return issuance


def decline_held(*, actor: Staff, held_id: int) -> HeldRequest:
    """A supervisor refuses a held request (a postal request is returned with a neutral reason)."""
    with transaction.atomic():
        held = _decidable(held_id)
        held.status = HoldStatus.DECLINED
        held.decided_by, held.decided_at = actor, timezone.now()
        held.save(update_fields=["status", "decided_by", "decided_at"])
        record_write(actor=actor, action="certificates.hold_decline", target=held, subject_id=held.subject_id,
                     changes={"status": [HoldStatus.HELD, HoldStatus.DECLINED]})
        if held.postal_request_id is not None:
            _postal_back(held, actor=actor, status=PostalStatus.RETURNED,
                         returned_reason=str(NEUTRAL_REFUSAL))
    return held


def _postal_back(held: HeldRequest, *, actor: Actor, status: str, **fields: Any) -> None:
    """The held postal request leaves 保留 (the desk sees a new version)."""
    if held.postal_request_id is None:
        return
    updated = (PostalRequest.objects.filter(pk=held.postal_request_id, status=PostalStatus.HELD)
               .update(status=status, version=F("version") + 1, updated_at=timezone.now(), **fields))
    if updated:
        record_write(actor=actor, action="certificates.postal_hold_decided", target=held.postal_request,
                     subject_id=held.subject_id, changes={"status": [PostalStatus.HELD, status]},
                     detail={"held": held.pk})
