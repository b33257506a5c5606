"""Check digits of the personal identifiers a ward office handles.

* 個人番号 (My Number): 11 digits + 1 check digit, computed by python-stdnum
  (``stdnum.jp.in_``, 総務省令第八十五号 第五条).
* 住民票コード (resident record code): 10 random digits + 1 check digit
  (住民基本台帳法施行規則 第一条, 算式は平成14年総務省告示第436号): weights
  2, 3, 4, 5, 6, 7, 2, 3, 4, 5 from the lowest digit; r = sum mod 11;
  check digit = 0 if r <= 1 else 11 - r.

Input may contain spaces, hyphens and full-width digits; the functions return
the bare ASCII digits.  Messages never repeat the number.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext_lazy as _
from stdnum.jp import in_ as my_number

from .errors import ApplicationError, ErrorCode

MY_NUMBER_LENGTH = 12
RESIDENT_CODE_LENGTH = 11
_RESIDENT_WEIGHTS = (2, 3, 4, 5, 6, 7, 2, 3, 4, 5)

# Separators people type between digit groups (after NFKC: ASCII space and hyphen,
# plus dashes and the long-vowel mark an IME may produce).
_SEPARATORS = re.compile(r"[\s\-‐‑–—―−ー]+")
_ASCII_DIGITS = re.compile(r"[0-9]+", re.ASCII)


def _digits(value: str, length: int) -> str | None:
    """``value`` without separators if it is exactly ``length`` ASCII digits, else None."""
    if len(value) > 4 * length:  # no need to normalise a pasted page
        return None
    digits = _SEPARATORS.sub("", unicodedata.normalize("NFKC", value))
    return digits if len(digits) == length and _ASCII_DIGITS.fullmatch(digits) else None


def my_number_check_digit(first11: str) -> str:
    """Check digit of a My Number given its first 11 ASCII digits."""
    if len(first11) != MY_NUMBER_LENGTH - 1 or not _ASCII_DIGITS.fullmatch(first11):
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("個人番号の先頭11桁は半角数字11桁です。"))
    return my_number.calc_check_digit(first11)


def validate_my_number(value: str, *, field: str = "my_number") -> str:
    """Return the 12 digits of a valid My Number; refuse bad length, non-digits and a wrong check digit."""
    digits = _digits(value, MY_NUMBER_LENGTH)
    if digits is None:
        raise ApplicationError(
            ErrorCode.INVALID_INPUT, _("個人番号は12桁の数字で入力してください。"), field=field
        )
    if not my_number.is_valid(digits):
        raise ApplicationError(
            ErrorCode.INVALID_CHECK_DIGIT,
            _("個人番号の検査用数字が一致しません。入力した番号を確かめてください。"),
            field=field,
        )
    return digits


def resident_code_check_digit(first10: str) -> str:
    """Check digit of a 住民票コード given its first 10 ASCII digits."""
    if len(first10) != RESIDENT_CODE_LENGTH - 1 or not _ASCII_DIGITS.fullmatch(first10):
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("住民票コードの先頭10桁は半角数字10桁です。"))
    total = sum(
        int(digit) * weight for digit, weight in zip(reversed(first10), _RESIDENT_WEIGHTS, strict=True)
    )
    remainder = total % 11
    return "0" if remainder <= 1 else str(11 - remainder)


def validate_resident_code(value: str, *, field: str = "resident_code") -> str:
    """Return the 11 digits of a valid 住民票コード; refuse bad length, non-digits and a wrong check digit."""
    digits = _digits(value, RESIDENT_CODE_LENGTH)
    if digits is None:
        raise ApplicationError(
            ErrorCode.INVALID_INPUT, _("住民票コードは11桁の数字で入力してください。"), field=field
        )
    if resident_code_check_digit(digits[:-1]) != digits[-1]:
        raise ApplicationError(
            ErrorCode.INVALID_CHECK_DIGIT,
            _("住民票コードの検査数字が一致しません。入力したコードを確かめてください。"),
            field=field,
        )
    return digits
