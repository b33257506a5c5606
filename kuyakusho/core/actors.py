"""Who acts: the one type every service and selector takes as ``actor``, and the one way to ask what it is.

Five kinds of actor read and write the ward's records:

========  ===============================  ==========================================================
kind      what it is                       ``actor_label`` in the audit trail
========  ===============================  ==========================================================
staff     ``accounts.Staff``               the username (the audit row also links the member)
terminal  ``accounts.Terminal``            ``terminal:<code>`` (kiosk, store printer, post office, …)
resident  ``identity.PortalAccount``       ``portal:<id>`` (a resident signed in on the portal)
client    ``reports.ApiClient``            ``open311:<id>`` (a program sending reports by Open311)
system    ``None``                         ``system`` (commands, tasks, webhooks, the demo ward)
========  ===============================  ==========================================================

``core`` sits below the apps that define those models, so it declares only what an actor offers
(:class:`Principal`): each model says what it is with a class attribute ``actor_kind`` and gives its label.
Ask with :func:`actor_kind` (``actor_kind(actor) is ActorKind.STAFF``), never with ``isinstance`` on a model,
``getattr(actor, "username")``, ``hasattr(actor, "role")`` or ``is_authenticated`` (a terminal is
"authenticated" too). Where a service needs the model itself (a foreign key to the clerk, the member's
offices), ``accounts.actors.as_staff(actor)`` / ``as_terminal(actor)`` give it, typed, or ``None``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol, runtime_checkable

from django.http import HttpRequest


class ActorKind(StrEnum):
    STAFF = "staff"
    TERMINAL = "terminal"
    RESIDENT = "resident"
    CLIENT = "client"
    SYSTEM = "system"


@runtime_checkable
class Principal(Protocol):
    """Someone or something that acts and can be named in the audit trail (not the system: that is ``None``)."""

    @property
    def pk(self) -> int: ...

    @property
    def actor_kind(self) -> ActorKind: ...

    @property
    def actor_label(self) -> str:
        """The audit trail's name for this actor: no personal data beyond a member of staff's username."""
        ...


type Actor = Principal | None
"""What a service's ``actor`` parameter takes: a member of staff, a terminal, a resident's portal account, or
``None`` for the system."""


def actor_kind(actor: Actor) -> ActorKind:
    """What ``actor`` is: staff, terminal, resident, or the system (``None``)."""
    return ActorKind.SYSTEM if actor is None else actor.actor_kind


def actor_label(actor: Actor) -> str:
    """The audit trail's name for ``actor`` (``system`` for ``None``)."""
    return "system" if actor is None else actor.actor_label


def caller_kind(who: object) -> ActorKind | None:
    """:func:`actor_kind` of a request's caller (``request.user``, ``request.auth``), ``None`` when the caller
    is anonymous (Django's ``AnonymousUser``, no bearer token)."""
    return who.actor_kind if isinstance(who, Principal) else None


class ActorRequest(HttpRequest):
    """The request of a page or API operation declared ``@staff``/``@api_staff`` (``core.access``): by the time
    the view runs, its ``user`` is the member of staff signed in. Annotate such views' ``request`` with it (or
    with ``accounts.actors.StaffRequest`` where the view needs the ``Staff`` model itself)."""

    user: Principal  # type: ignore[assignment]  # narrower than Django's: the declaration let only staff in
