"""印鑑登録証 numbers: 9 random digits and a Luhn check digit, so that a mistyped number is caught."""

from __future__ import annotations

import re
import secrets
import unicodedata

from django.utils.translation import gettext_lazy as _

from kuyakusho.core.errors import ApplicationError, ErrorCode

CARD_NUMBER_LENGTH = 10
FIELD = "card_number"
_SEPARATORS = re.compile(r"[\s\-‐‑–—―−ー]+")


def luhn_check_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # the digit next to the check digit is doubled
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def new_card_number() -> str:
    first9 = str(secrets.randbelow(900_000_000) + 100_000_000)
    return first9 + luhn_check_digit(first9)


def validate_card_number(value: str, *, field: str = FIELD) -> str:
    """The 10 ASCII digits of a well-formed card number (spaces, hyphens, full-width digits allowed)."""
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", (value or "")[:40]))
    if not re.fullmatch(rf"[0-9]{{{CARD_NUMBER_LENGTH}}}", text, flags=re.ASCII):
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("印鑑登録証の番号は10桁の数字で入力してください。"),
                               field=field)
    if luhn_check_digit(text[:-1]) != text[-1]:
        raise ApplicationError(ErrorCode.INVALID_CHECK_DIGIT,
                               _("印鑑登録証の番号に誤りがあります。入力した番号を確かめてください。"), field=field)
    return text
