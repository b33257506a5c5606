"""Why a member of staff looks at the register: asked once, then carried to the pages that follow.

Every page that shows register data records a read (who, whom, when, purpose, channel) and needs a purpose.
The console asks it with a form posted with its CSRF token; the answer travels on as a *grant*: a token signed
with the project's key that binds the member of staff, the purpose and a scope (a household, ``h<id>``, or a
notification, ``e<id>``), valid for a working day. A purpose typed into a URL (``?purpose=…``) only preselects
the answer: the question is still asked, so a link cannot make a clerk skip it or record a purpose they did
not give.

Within one form (a notification's input → confirmation, the counter's choose → identity → confirm) the people
already recorded as read travel in a second signed token (*flow*), so a person is recorded once per form, not
once per step, and a forged or missing token only means the reads are recorded again.

The full 個人番号 is shown only for its own purpose, :data:`MY_NUMBER_PURPOSE` (個人番号利用事務), on an
explicit action recorded with its own audit action.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.core import signing
from django.utils.translation import gettext_lazy as _

from .records import ViewPurpose

#: How long a grant or a flow stays valid: a working day (the session lasts as long).
MAX_AGE = 8 * 60 * 60
GRANT_PARAM = "pt"
FLOW_FIELD = "flow"
_GRANT_SALT = "kuyakusho.residents.purpose.grant"
_FLOW_SALT = "kuyakusho.residents.purpose.flow"

#: The purpose of seeing the full 個人番号 (番号法: only for the 個人番号利用事務).
MY_NUMBER_PURPOSE = "my_number_use"
MY_NUMBER_PURPOSE_LABEL = _("個人番号利用事務")


def household_scope(household_id: int) -> str:
    return f"h{int(household_id)}"


def event_scope(event_id: int) -> str:
    return f"e{int(event_id)}"


def grant(user, purpose: str, scope: str) -> str:
    """A token saying that ``user`` gave ``purpose`` for ``scope``."""
    if purpose not in ViewPurpose.values:
        raise ValueError(f"not a purpose: {purpose!r}")
    return signing.dumps([user.pk, purpose, scope], salt=_GRANT_SALT)


def granted_purpose(user, token: str | None, scopes: Collection[str]) -> str | None:
    """The purpose ``token`` grants ``user`` for one of ``scopes``; None if it grants nothing (absent, forged,
    expired, another member of staff's, another scope)."""
    if not token:
        return None
    try:
        user_id, purpose, scope = signing.loads(token, salt=_GRANT_SALT, max_age=MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if user_id != user.pk or scope not in scopes or purpose not in ViewPurpose.values:
        return None
    return purpose


@dataclass(frozen=True)
class Flow:
    """The people already recorded as read in one form, for one member of staff and one scope."""

    scope: str
    read: frozenset[str]

    def token(self, user) -> str:
        return signing.dumps([user.pk, self.scope, sorted(self.read)], salt=_FLOW_SALT)

    def unread(self, subject_ids: Iterable) -> list[str]:
        return [s for s in dict.fromkeys(str(i) for i in subject_ids) if s not in self.read]

    def plus(self, subject_ids: Iterable) -> Flow:
        return Flow(self.scope, self.read | {str(i) for i in subject_ids})


def flow_from(user, token: str | None, scope: str) -> Flow:
    """The flow ``token`` carries for ``user`` and ``scope``, or an empty one (nothing recorded yet)."""
    empty = Flow(scope, frozenset())
    if not token:
        return empty
    try:
        user_id, token_scope, read = signing.loads(token, salt=_FLOW_SALT, max_age=MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return empty
    if user_id != user.pk or token_scope != scope or not isinstance(read, list):
        return empty
    return Flow(scope, frozenset(str(r) for r in read))


def mask_my_number(value: str | None) -> str:
    """``********1234``: the last four digits of a 個人番号, the rest masked ("" stays "")."""
    if not value:
        return value or ""
    return "*" * (len(value) - 4) + value[-4:]
