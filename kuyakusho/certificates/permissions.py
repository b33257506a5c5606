"""Who may do what with certificates, where the answer depends on the object (an office, an issuance).

Capabilities (``accounts.capabilities``) say what a role may do at all; these say where. The issuance
service checks :func:`check_office` itself, so no caller can issue at an office its staff may not work at.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kuyakusho.accounts.models import Staff
from kuyakusho.accounts.permissions import can_work_at_office
from kuyakusho.core.capabilities import Capability
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.offices.models import Office

from .models import Issuance, Status

#: Who may see the statistics: counter supervisors and policy administrators.
STATS_CAPABILITIES = (Capability.SUPERVISE_COUNTER, Capability.MANAGE_POLICY)


def allowed_offices(user: Staff) -> QuerySet[Office]:
    """The offices this member of staff may issue at: theirs, or all if not limited."""
    own = user.offices.all()
    return own if own.exists() else Office.objects.all()


def check_office(user: Staff, office: Office | None) -> None:
    """Refuse unless ``user`` may issue certificates at ``office``."""
    if office is None or not can_work_at_office(user, office):
        raise ApplicationError(ErrorCode.PERMISSION_DENIED,
                               _("この事務所では証明書を交付できません（勤務する事務所ではありません）。"),
                               field="office")


def can_see_issuance(user: Staff, issuance: Issuance) -> bool:
    """Staff limited to offices see the certificates issued at their offices (and those of no office: the
    self-service and postal channels)."""
    return issuance.office is None or can_work_at_office(user, issuance.office)


def can_revoke(user: Staff, issuance: Issuance) -> bool:
    """Counter supervisors revoke certificates that are still valid."""
    return user.has_capability(Capability.SUPERVISE_COUNTER) and issuance.status == Status.ISSUED


def can_see_stats(user: Staff) -> bool:
    return any(user.has_capability(c) for c in STATS_CAPABILITIES)
