"""Who may act on which queue, where the answer depends on the object (an office, a ticket machine's place).

The capability ``CALL_TICKETS`` says a role calls tickets at all; these say where. The calling services check
:func:`check_counter` themselves, so no caller can call at an office its staff may not work at.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from kuyakusho.accounts.models import Terminal
from kuyakusho.accounts.permissions import can_work_at_office
from kuyakusho.core.actors import Actor
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.offices.models import Counter, Office


def can_call_at(user: Actor, office: Office) -> bool:
    """Staff limited to offices call tickets there only; no other kind of actor calls tickets."""
    return can_work_at_office(user, office)


def check_counter(user: Actor, counter: Counter) -> None:
    """Refuse unless ``user`` may work at the counter's office."""
    if not can_call_at(user, counter.office):
        raise ApplicationError(ErrorCode.PERMISSION_DENIED,
                               _("%(office)sで窓口業務を行う権限がありません。") % {"office": counter.office.name})


def check_ticket_machine(terminal: Terminal, office: Office) -> None:
    """A ticket machine placed at an office issues that office's tickets only."""
    if terminal.office_id is not None and terminal.office_id != office.pk:
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("この発券機はこの事務所の番号札を発券できません。"))
