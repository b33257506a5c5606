"""Staff accounts: administration, and what an administrator may lift (the failed-login throttle).

Failed logins are throttled by django-axes (``throttling.py``); the second factor is ``second_factor.py``."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from kuyakusho.audit.models import Kind
from kuyakusho.audit.services import append, diff, snapshot
from kuyakusho.core.errors import ApplicationError, ErrorCode

from .models import Staff
from .throttling import forget_failures


def login_succeeded(*, staff: Staff) -> None:
    """A member of staff whose role needs no second factor signed in with the password (those who need one are
    recorded when the factor is accepted: ``second_factor.verify``)."""
    append(actor=staff, kind=Kind.AUTH, action="login.succeeded", target=staff, detail={"method": "password"})


def unlock(*, actor: Staff, staff: Staff) -> None:
    """An administrator lifts the failed-login throttle on a username (from every address)."""
    with transaction.atomic():
        forgotten = forget_failures(username=staff.username)
        append(actor=actor, kind=Kind.WRITE, action="staff.unlock", target=staff,
               detail={"addresses_cleared": forgotten})


STAFF_FIELDS = ("display_name", "role", "is_active")


def _offices_of(staff: Staff) -> list[str]:
    return sorted(o.code for o in staff.offices.all())


def create_staff(*, actor: Staff | None, username: str, display_name: str, role: str, password: str,
                 offices: Iterable[Model] = ()) -> Staff:
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
        staff.offices.set([o.pk for o in offices])  # offices.Office (a layer up): set by key
        append(actor=actor, kind=Kind.WRITE, action="staff.create", target=staff,
               changes={"username": [None, username], "role": [None, role],
                        "offices": [None, _offices_of(staff)]})
    return staff


def update_staff(*, actor: Staff, staff: Staff, display_name: str, role: str, is_active: bool,
                 offices: Iterable[Model] = ()) -> Staff:
    if staff.pk == actor.pk and (not is_active or role != staff.role):
        raise ApplicationError(ErrorCode.REFUSED, _("自分自身の役割の変更や無効化はできません。"), field="role")
    with transaction.atomic():
        staff = Staff.objects.select_for_update().get(pk=staff.pk)
        before = {**snapshot(staff, STAFF_FIELDS), "offices": _offices_of(staff)}
        staff.display_name, staff.role, staff.is_active = display_name, role, is_active
        staff.save(update_fields=list(STAFF_FIELDS))
        staff.offices.set([o.pk for o in offices])  # offices.Office (a layer up): set by key
        after = {**snapshot(staff, STAFF_FIELDS), "offices": _offices_of(staff)}
        changes = diff(before, after)
        if changes:
            append(actor=actor, kind=Kind.WRITE, action="staff.update", target=staff, changes=changes)
    return staff
