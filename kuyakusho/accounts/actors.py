"""The staff and terminal actors as their models, for services that need them (``kuyakusho.core.actors``).

``actor_kind(actor)`` says what an actor is; these two give the model behind it, typed, where a service
stores it (``issued_by``, ``clerk``) or reads it (the member's offices, the terminal's code), and ``None`` for
every other kind of actor.
"""

from __future__ import annotations

from django.http import HttpRequest

from kuyakusho.core.actors import ActorKind, caller_kind

from .models import Staff, Terminal


class StaffRequest(HttpRequest):
    """The request of a view declared ``@staff``/``@api_staff``: its ``user`` is the member of staff signed in."""

    user: Staff  # narrower than Django's: the declaration let only staff in


def as_staff(who: object) -> Staff | None:
    """The member of staff acting, or ``None`` (a terminal, a resident, the system, an anonymous visitor)."""
    if caller_kind(who) is ActorKind.STAFF and isinstance(who, Staff):
        return who
    return None


def as_terminal(who: object) -> Terminal | None:
    """The terminal acting, or ``None`` (a member of staff, a resident, the system, an anonymous visitor)."""
    if caller_kind(who) is ActorKind.TERMINAL and isinstance(who, Terminal):
        return who
    return None


class DeviceRequest(HttpRequest):
    """The request of an API operation declared ``@api_device``: ``auth`` is the terminal that called."""

    auth: Terminal
