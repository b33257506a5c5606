"""Object checks for staff: which offices a member of staff may work at."""

from __future__ import annotations

from django.db.models import Model

from .actors import as_staff
from .capabilities import Capability


def can_work_at_office(user: object, office: Model) -> bool:
    """Staff limited to some offices may act only there; staff with no offices set may act anywhere.

    ``office`` is an ``offices.Office``, typed as a model: accounts sits below offices (``core.layers``)."""
    staff = as_staff(user)
    if staff is None or not staff.has_capability(Capability.USE_CONSOLE):
        return False
    codes = {o.pk for o in staff.offices.all()}
    return not codes or office.pk in codes
