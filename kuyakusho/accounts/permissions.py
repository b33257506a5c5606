"""Object checks for staff: which offices a member of staff may work at."""

from __future__ import annotations

from .capabilities import Capability


def can_work_at_office(user, office) -> bool:
    """Staff limited to some offices may act only there; staff with no offices set may act anywhere."""
    if not getattr(user, "is_authenticated", False) or not user.has_capability(Capability.USE_CONSOLE):
        return False
    codes = {o.pk for o in user.offices.all()}
    return not codes or office.pk in codes
