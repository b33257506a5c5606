"""Staff accounts: login lockout (5 failures lock an account for 15 minutes) and administration."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuyakusho.audit.models import Kind
from kuyakusho.audit.services import append, diff, snapshot
from kuyakusho.core.errors import ApplicationError, ErrorCode

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


STAFF_FIELDS = ("display_name", "role", "is_active")


def _offices_of(staff: Staff) -> list[str]:
    return sorted(o.code for o in staff.offices.all())


def create_staff(*, actor: Staff, username: str, display_name: str, role: str, password: str,
                 offices=()) -> Staff:
    """An administrator creates an account. The password is checked by Django's validators."""
    from django.contrib.auth.password_validation import validate_password

    if Staff.objects.filter(username=username).exists():
        raise ApplicationError(ErrorCode.DUPLICATE, _("このユーザー名は既に使われています。"), field="username")
    staff = Staff(username=username, display_name=display_name, role=role)
    try:
        validate_password(password, staff)
    except DjangoValidationError as e:
        raise ApplicationError(ErrorCode.INVALID_INPUT, " ".join(e.messages), field="password") from None
    staff.set_password(password)
    with transaction.atomic():
        staff.save()
        staff.offices.set(offices)
        append(actor=actor, kind=Kind.WRITE, action="staff.create", target=staff,
               changes={"username": [None, username], "role": [None, role],
                        "offices": [None, _offices_of(staff)]})
    return staff


def update_staff(*, actor: Staff, staff: Staff, display_name: str, role: str, is_active: bool,
                 offices=()) -> Staff:
    if staff.pk == actor.pk and (not is_active or role != staff.role):
        raise ApplicationError(ErrorCode.REFUSED, _("自分自身の役割の変更や無効化はできません。"), field="role")
    with transaction.atomic():
        staff = Staff.objects.select_for_update().get(pk=staff.pk)
        before = {**snapshot(staff, STAFF_FIELDS), "offices": _offices_of(staff)}
        staff.display_name, staff.role, staff.is_active = display_name, role, is_active
        staff.save(update_fields=list(STAFF_FIELDS))
        staff.offices.set(offices)
        after = {**snapshot(staff, STAFF_FIELDS), "offices": _offices_of(staff)}
        changes = diff(before, after)
        if changes:
            append(actor=actor, kind=Kind.WRITE, action="staff.update", target=staff, changes=changes)
    return staff
