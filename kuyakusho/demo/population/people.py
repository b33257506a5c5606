"""Turning household members into registered people: names, readings, 本籍・筆頭者, identifiers,
and for foreign residents nationality, 在留資格, period of stay and residence card.

A kanji name is written family name, an ideographic space, given name (山田　太郎); its reading
with an ordinary space (ヤマダ タロウ), as the services store a reading after NFKC.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from kuyakusho.core.identifiers import my_number_check_digit, resident_code_check_digit

from . import foreign, given_names, surnames
from .ages import birth_date

SEX = {"M": "male", "F": "female"}
NAME_SPACE = "\u3000"
KANA_SPACE = " "
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


@dataclass(slots=True)
class Person:
    """One resident's 住民票 (field names as ``residents.models.Resident``)."""

    name: str
    name_kana: str
    birth_date: date
    sex: str
    is_head: bool
    relationship: str
    honseki: str = ""
    hittosha: str = ""
    nationality: str = ""
    residence_status: str = ""
    period_of_stay: str = ""
    stay_expires_on: date | None = None
    residence_card_number: str = ""
    resident_code: str = ""
    my_number: str = ""
    became_resident_on: date | None = None
    became_resident_reason: str = "move_in"
    address_since: date | None = None
    address_notified_on: date | None = None
    previous_address: str = ""
    status: str = "active"
    removed_on: date | None = None
    removal_reason: str = ""
    destination: str = ""
    kin: str = ""
    surname: tuple[str, str] = ("", "")  # (as written, reading) for relatives


class Codes:
    """Unique identifiers without a set: an affine bijection of the running index.

    ``(a * i + b) mod 10**k`` with ``a`` prime to 10 visits every k-digit number once, so the
    first 10 digits of a 住民票コード (11 of a 個人番号, 8 of a card number) never repeat; ``a``
    and ``b`` come from the seed.  The check digits are the register's own (``core.identifiers``).
    """

    def __init__(self, rng: random.Random):
        def multiplier(k: int) -> int:
            while True:
                a = rng.randrange(10 ** (k - 1), 10**k)
                if a % 2 and a % 5:
                    return a

        self._rc = (multiplier(10), rng.randrange(10**10))
        self._mn = (multiplier(11), rng.randrange(10**11))
        self._card = (multiplier(8), rng.randrange(10**8))
        self.people = 0
        self.cards = 0

    def person(self) -> tuple[str, str]:
        i = self.people
        self.people += 1
        first10 = f"{(self._rc[0] * i + self._rc[1]) % 10**10:010d}"
        first11 = f"{(self._mn[0] * i + self._mn[1]) % 10**11:011d}"
        return first10 + resident_code_check_digit(first10), first11 + my_number_check_digit(first11)

    def card(self, rng: random.Random) -> str:
        i = self.cards
        self.cards += 1
        digits = f"{(self._card[0] * i + self._card[1]) % 10**8:08d}"
        return "".join(rng.choices(LETTERS, k=2)) + digits + "".join(rng.choices(LETTERS, k=2))


def surname(rng: random.Random) -> tuple[str, str]:
    entries, cum = surnames.weighted()
    return rng.choices(entries, cum_weights=cum)[0]


def given_name(rng: random.Random, sex: str, born: date, avoid: set[str]) -> tuple[str, str]:
    names, cum = given_names.pool(sex, born.year)
    for _ in range(4):
        choice = rng.choices(names, cum_weights=cum)[0]
        if choice[0] not in avoid:
            break
    avoid.add(choice[0])
    return choice


def japanese(rng: random.Random, family: tuple[str, str], sex: str, age: int, today: date,
             avoid: set[str]) -> tuple[str, str, date]:
    born = birth_date(rng, age, today)
    given, given_kana = given_name(rng, sex, born, avoid)
    return f"{family[0]}{NAME_SPACE}{given}", f"{family[1]}{KANA_SPACE}{given_kana}", born


def relative_name(rng: random.Random, family: tuple[str, str], sex: str, born_year: int) -> str:
    """The name of a relative who is not in the household (a 筆頭者: a father, a late husband)."""
    names, cum = given_names.pool(sex, born_year)
    return f"{family[0]}{NAME_SPACE}{rng.choices(names, cum_weights=cum)[0][0]}"


def residence(rng: random.Random, codes: Codes, person: Person, nat: foreign.Nationality, status: str,
              today: date) -> None:
    """Fill the foreign-resident items of ``person``."""
    person.nationality = nat.name
    person.residence_status = status
    person.residence_card_number = codes.card(rng)
    if status in ("永住者", "特別永住者"):
        return
    months = foreign.period_months(rng, status)
    person.period_of_stay = foreign.period_label(months)
    person.stay_expires_on = today + timedelta(days=rng.randint(1, months * 30))


def family_status(head_status: str, rng: random.Random) -> str:
    """The status of a foreign head's spouse or child."""
    if head_status in ("永住者", "特別永住者"):
        return head_status if head_status == "特別永住者" or rng.random() < 0.6 else "永住者の配偶者等"
    if head_status in ("日本人の配偶者等", "定住者"):
        return "定住者"
    return "家族滞在"
