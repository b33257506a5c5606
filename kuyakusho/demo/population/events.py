"""What the synthetic ward is made of: households, their events (異動) and each person's entry in one.

Plain data, shared by the generator (``generator.Ward``) and the history builder (``registry``), which
therefore need not import each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .households import Member
    from .people import Person
    from .places_in_ward import Place, WardPlaces


@dataclass(slots=True)
class Entry:
    person: Person
    overrides: dict = field(default_factory=dict)


@dataclass(slots=True)
class Event:
    kind: str
    moved_on: date
    notified_on: date
    notifier_type: str
    entries: list[Entry]
    notifier_name: str = ""
    letter_of_authority: bool = False
    reason: str = ""
    late: bool = False
    details: dict = field(default_factory=dict)
    certificate: tuple[date, date, str] | None = None  # 転出証明書: issued_on, planned_move_on, destination


@dataclass(slots=True)
class Household:
    place: Place
    established_on: date
    members: list[Person]
    events: list[Event] = field(default_factory=list)
    closed_on: date | None = None

    @property
    def head(self) -> Person:
        return next(p for p in self.members if p.is_head and p.status == "active") if self.closed_on is None \
            else next(p for p in self.members if p.is_head)

    def active_count(self) -> int:
        return sum(p.status == "active" for p in self.members)


class People(Protocol):
    """What the history builder needs of the ward: its places and a new relative drawn like everyone else."""

    places: WardPlaces

    def new_person(self, member: Member, family: tuple[str, str], avoid: set[str]) -> Person: ...
