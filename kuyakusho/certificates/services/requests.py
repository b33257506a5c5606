"""What a certificate request says, frozen: the one input of the issuance service for every channel."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ..models import Requester


@dataclass(frozen=True)
class CardIn:
    number: str
    pin: str = field(repr=False)


@dataclass(frozen=True)
class IssueRequest:
    channel: str
    kind: str
    subject_id: int | None = None  # counter, post office, post; card channels take it from the card
    card: CardIn | None = None
    members: tuple[int, ...] = ()  # chosen household members (default: the subject)
    whole_household: bool = False
    options: frozenset[str] = frozenset()
    fiscal_year: int | None = None
    requester: str = Requester.SELF
    requester_name: str = ""  # as the requester states it (letter, post-office form, counter)
    requester_address: str = ""  # as stated (the letter's return address; the post-office form)
    purpose: str = ""
    identity_document: str = ""  # the photo ID the clerk checked (窓口) / the ID copy (郵送)
    letter_of_authority: bool = False
    seal_card_number: str = ""  # 印鑑登録証 presented at a counter
    fee_exemption: str = ""
    #: The counter's confirmation step: the clerk verified the requester in person against the protection
    #: file (支援措置), as a protected person's own request at the counter needs.
    protection_file_checked: bool = False
    office_id: int | None = None
    terminal: str = ""
    idempotency_key: str | None = None
    #: A request held for a supervisor (支援措置) that the supervisor released: set only by the services
    #: that serve a released hold (``protections.release_held``, the postal desk), never from input.
    release_id: int | None = None
    #: An online request whose signature the online service verified (``services.online``): its signer is
    #: the card holder. Set only by that service, never from input.
    online_request_id: int | None = None

    def fingerprint(self) -> str:
        """The request's content: what a retry with the same idempotency key must repeat."""
        data = self.stored()
        data.pop("idempotency_key")
        data.pop("release_id")
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()

    def stored(self) -> dict[str, Any]:
        """The request as JSON-able data, never with the PIN (a held request keeps this)."""
        data = asdict(self)
        if data["card"]:
            data["card"] = {"number": data["card"]["number"]}
        data["options"] = sorted(self.options)
        data["members"] = list(self.members)
        return data

    @classmethod
    def from_stored(cls, data: dict[str, Any], **changes: Any) -> IssueRequest:
        """The request kept by :meth:`stored` (a card request comes back without its card: never served again
        from a terminal)."""
        values = {**data, "card": None, "options": frozenset(data.get("options") or ()),
                  "members": tuple(data.get("members") or ())}
        return replace(cls(**values), **changes)
