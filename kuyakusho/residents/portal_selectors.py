"""Reads of the register for the resident site (the person herself, signed in with her card).

Kept apart from the staff selectors: nothing here checks a member of staff's permission, and callers record
the read as the resident's own (``channel=portal``). Every function takes the resident's own id or the
基本4情報 of her signing certificate, never a search a resident could widen to other people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from kuyakusho.core.text import fold_name_for_search

from .addresses import format_address
from .models import Resident
from .selectors import household_members, resident_q

#: More than one is enough to refuse a match; never read further.
_MATCH_LIMIT = 2


@dataclass(frozen=True)
class BasicFour:
    """基本4情報 as a signing certificate carries them."""

    name: str
    birth_date: date
    sex: str
    address: str


def address_key(address: str) -> str:
    """Folding for addresses: the names' folding (NFKC, no spaces, variant kanji), hyphens unified."""
    return fold_name_for_search(address).replace("－", "-").replace("‐", "-").replace("ー", "-")


def residents_matching(four: BasicFour, *, on: date | None = None) -> list[Resident]:
    """Current residents whose 氏名・生年月日・性別・住所 are those of the certificate (at most two)."""
    key = fold_name_for_search(four.name)
    if not key:
        return []
    wanted = address_key(four.address)
    qs = (Resident.objects.select_related("household")
          .filter(resident_q(on or timezone.localdate()), name_key=key, birth_date=four.birth_date, sex=four.sex)
          .order_by("id"))
    found = []
    for r in qs[:50]:
        h = r.household
        if address_key(format_address(h.town, h.chome, h.banchi, h.go, h.katagaki)) == wanted:
            found.append(r)
            if len(found) >= _MATCH_LIMIT:
                break
    return found


def own_record(resident_id: int) -> tuple[Resident, list[Resident]]:
    """The resident and the current members of her household (the read is recorded by the caller)."""
    resident = Resident.objects.select_related("household").get(pk=resident_id)
    return resident, household_members(resident.household, include_removed=False)


def basic_four_of(resident: Resident) -> BasicFour:
    h = resident.household
    return BasicFour(name=resident.name, birth_date=resident.birth_date, sex=resident.sex,
                     address=format_address(h.town, h.chome, h.banchi, h.go, h.katagaki))
