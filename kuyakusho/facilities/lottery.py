"""The draw: a published, deterministic algorithm anyone can re-run (``manage.py facilities_redraw``).

**The seed** is fixed before the application window closes, as RFC 3797 asks: the round names public random
sources to be announced later (for example the winning numbers of a public lottery on a stated date). Once
they are known, their values form the key, canonically: within each source the numbers sorted ascending, each
written in decimal without leading zeros and followed by ``.``; each source followed by ``/`` (RFC 3797 §4).
So the key is the same whoever types the values in, and nobody could know it while applications were taken.

**The order.** Every application gets a score, ``SHA-256(key "|" slot "|" application reference)`` (RFC 3797
hashes the key with MD5 and an index; a hash per application keeps the result independent of the order the
applications are listed in, and SHA-256 is the stronger hash). Slots are drawn in the order of
``SHA-256(key "|slot|" slot)``. In each slot the applications are ranked by: eligible first (rules may exclude
applicants from outside the ward), then priority stage (registered ward groups before everyone), then score.
The first eligible applicant who has not already won a slot on the same day and period (when the kind's rules
say one win per period) wins; the others are ranked substitutes (補欠) in the same order.

The published data holds no personal data: applicants are pseudonyms (an HMAC of the registrant under the
ward's secret, different in every round), applications are opaque references.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

ALGORITHM = "kuyakusho-facilities-draw-1 (RFC 3797 key, SHA-256 scores)"


class SeedError(ValueError):
    """The seed values cannot be read (no numbers, or a source line without any)."""


@dataclass(frozen=True, slots=True)
class Ticket:
    ref: str  # the application's public reference
    applicant: str  # the registrant's pseudonym in this round
    slot: str  # "room/date/period"
    day_period: str  # "date/period": one win per registrant per day and period where the rules say so
    stage: int  # 0 first
    eligible: bool = True


@dataclass
class Result:
    outcomes: dict[str, tuple[str, int]] = field(default_factory=dict)  # ref → (won|substitute|excluded, rank)
    winners: dict[str, str] = field(default_factory=dict)  # slot → ref

    @functools.cached_property
    def digest(self) -> str:
        rows = sorted([ref, outcome, rank] for ref, (outcome, rank) in self.outcomes.items())
        return hashlib.sha256(json.dumps(rows, separators=(",", ":")).encode()).hexdigest()


def seed_key(values: str) -> str:
    """RFC 3797's canonical key from the announced values: one source a line, numbers separated by spaces,
    commas or other non-digits."""
    sources = []
    for line in values.splitlines():
        if not line.strip():
            continue
        numbers = [int(n) for n in re.findall(r"\d+", line)]
        if not numbers:
            raise SeedError(line)
        sources.append(numbers)
    if not sources:
        raise SeedError("")
    return "".join("".join(f"{n}." for n in sorted(nums)) + "/" for nums in sources)


def _h(*parts: str) -> bytes:
    return hashlib.sha256("|".join(parts).encode()).digest()


def draw(tickets: Iterable[Ticket], *, key: str, one_win_per_period: bool) -> Result:
    """Winners and ranked substitutes of every contested slot. Pure: same tickets and key, same result."""
    by_slot: dict[str, list[Ticket]] = defaultdict(list)
    for t in tickets:
        by_slot[t.slot].append(t)
    result = Result()
    won: set[tuple[str, str]] = set()
    for slot in sorted(by_slot, key=lambda s: _h(key, "slot", s)):
        ranked: Sequence[Ticket] = sorted(by_slot[slot], key=lambda t: (not t.eligible, t.stage, _h(key, slot, t.ref)))
        winner: Ticket | None = None
        rank = 0
        for t in ranked:
            if not t.eligible or (one_win_per_period and (t.applicant, t.day_period) in won):
                result.outcomes[t.ref] = ("excluded", 0)
                continue
            if winner is None:
                winner = t
                result.outcomes[t.ref] = ("won", 0)
                result.winners[slot] = t.ref
                won.add((t.applicant, t.day_period))
                continue
            rank += 1
            result.outcomes[t.ref] = ("substitute", rank)
    return result


def tickets_from_published(data: dict[str, Any]) -> list[Ticket]:
    return [Ticket(ref=r, applicant=a, slot=s, day_period=s.split("/", 1)[1], stage=int(st), eligible=bool(e))
            for r, a, s, st, e in data["tickets"]]


def redraw(data: dict[str, Any]) -> Result:
    """Re-run a published draw from its own data (the key is rebuilt from the announced values)."""
    key = seed_key(data["seed_values"])
    if key != data["key"]:
        raise SeedError("the published key does not follow from the published values")
    return draw(tickets_from_published(data), key=key, one_win_per_period=bool(data["rules"]["one_win_per_period"]))
