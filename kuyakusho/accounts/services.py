"""Login lockout: 5 failures lock an account for 15 minutes."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kuyakusho.audit.models import Kind
from kuyakusho.audit.services import append

from .models import Staff

log = logging.getLogger("kuyakusho.accounts")


def login_failed(*, staff: Staff) -> Staff:
    """Count a wrong password; lock the account when the limit is reached."""
    with transaction.atomic():
        staff = Staff.objects.select_for_update().get(pk=staff.pk)
        staff.failed_logins += 1
        locked = staff.failed_logins >= settings.LOGIN_MAX_FAILURES
        if locked:
            staff.locked_until = timezone.now() + timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
            staff.failed_logins = 0
        staff.save(update_fields=["failed_logins", "locked_until"])
        append(actor=staff, kind=Kind.AUTH, action="login.locked" if locked else "login.failed",
               target=staff, detail={"locked_until": staff.locked_until} if locked else None)
    if locked:
        log.warning("staff login locked: staff_id=%s for %s minutes", staff.pk, settings.LOGIN_LOCK_MINUTES)
    return staff


def login_succeeded(*, staff: Staff) -> None:
    with transaction.atomic():
        Staff.objects.filter(pk=staff.pk).update(failed_logins=0, locked_until=None)
        append(actor=staff, kind=Kind.AUTH, action="login.succeeded", target=staff)


def unlock(*, actor: Staff, staff: Staff) -> None:
    with transaction.atomic():
        Staff.objects.filter(pk=staff.pk).update(failed_logins=0, locked_until=None)
        append(actor=actor, kind=Kind.WRITE, action="staff.unlock", target=staff)
