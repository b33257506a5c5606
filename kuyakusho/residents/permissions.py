"""Object checks for the register (capabilities: ``kuyakusho.accounts.capabilities``)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from kuyakusho.accounts.actors import as_staff
from kuyakusho.accounts.capabilities import Capability

from .models import Resident


def _has(user: object, capability: Capability) -> bool:
    staff = as_staff(user)
    return staff is not None and staff.has_capability(capability)


def can_search(user) -> bool:
    return _has(user, Capability.VIEW_RESIDENT)


def can_view_removed(user) -> bool:
    """除票 (removed records) are shown only to staff holding VIEW_REMOVED_RESIDENT."""
    return _has(user, Capability.VIEW_RESIDENT) and _has(user, Capability.VIEW_REMOVED_RESIDENT)


def can_view_resident(user, resident: Resident, on: date | None = None) -> bool:
    if not _has(user, Capability.VIEW_RESIDENT):
        return False
    if resident.is_removed_on(on or timezone.localdate()):
        return can_view_removed(user)
    return True


def can_file_notification(user) -> bool:
    return _has(user, Capability.FILE_NOTIFICATION)


def can_correct_record(user) -> bool:
    return _has(user, Capability.CORRECT_RECORD)


def can_cancel_notification(user) -> bool:
    return _has(user, Capability.CANCEL_NOTIFICATION)


def can_view_my_number(user, resident: Resident, on: date | None = None) -> bool:
    """The full 個人番号: staff who may open the record, for the 個人番号利用事務 (asked and audited by
    ``selectors.open_my_number``); everywhere else it is masked to its last four digits."""
    return can_view_resident(user, resident, on)
