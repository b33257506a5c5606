"""Text checks and search keys for Japanese names.

``check_text`` cleans one free-text value from a form or the API.  The
``fold_*`` functions build *search keys*: store the original value as typed and
the key beside it; never overwrite the original with the key.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .errors import ApplicationError, ErrorCode

# Control characters (Cc) break single-line fields and logs; lone surrogates
# (Cs, reachable through JSON "\ud800") cannot be stored as UTF-8.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs"})
_MULTILINE_ALLOWED = frozenset("\n\t")


def check_text(value: str, *, field: str | None, max_length: int, multiline: bool = False) -> str:
    """Strip ``value`` and refuse control characters and over-long text.

    With ``multiline`` newlines and tabs are allowed (CRLF and CR become LF).
    The length is counted in code points after stripping.
    """
    cleaned = value.strip()
    if multiline:
        cleaned = cleaned.replace("\r\n", "\n").replace("\r", "\n")
    for ch in cleaned:
        if unicodedata.category(ch) in _REFUSED_CATEGORIES and not (multiline and ch in _MULTILINE_ALLOWED):
            raise ApplicationError(
                ErrorCode.CONTROL_CHARACTER, _("使用できない制御文字が含まれています。"), field=field
            )
    if len(cleaned) > max_length:
        raise ApplicationError(
            ErrorCode.TOO_LONG,
            format_lazy(_("{max_length}文字以内で入力してください。"), max_length=max_length),
            field=field,
            extra={"max_length": max_length},
        )
    return cleaned


# --- kana -----------------------------------------------------------------

_HIRAGANA_TO_KATAKANA = {cp: cp + 0x60 for cp in range(0x3041, 0x3097)} | {0x309D: 0x30FD, 0x309E: 0x30FE}
_READING_SYMBOLS = frozenset("ー・ ")


def _is_katakana_letter(ch: str) -> bool:
    return "\u30a1" <= ch <= "\u30fa" or ch in "ヽヾ"


def to_katakana(s: str) -> str:
    """NFKC (half-width kana to full width, full-width ASCII to ASCII), then hiragana to katakana."""
    return unicodedata.normalize("NFKC", s).translate(_HIRAGANA_TO_KATAKANA)


def is_katakana_reading(s: str) -> bool:
    """True if ``s`` (after :func:`to_katakana`) is katakana, ー, ・ and spaces, with one kana at least."""
    kana = to_katakana(s)
    return any(_is_katakana_letter(ch) for ch in kana) and all(
        _is_katakana_letter(ch) or ch in _READING_SYMBOLS for ch in kana
    )


# Separators and long-vowel marks that a reading may or may not contain.
_KANA_DROPPED = dict.fromkeys(map(ord, "・·゠=ー‐‑–—―−-"))
_SMALL_TO_LARGE = str.maketrans(
    "ァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ",
    "アイウエオツヤユヨワカケクシストヌハヒフヘホムラリルレロ",
)
# ヴ spellings fold to the バ row so that ヴァイオリン and バイオリン meet.
_VU_SEQUENCES = re.compile("ヴ[アイエオユ]?")
_VU_FOLD = {"ヴア": "バ", "ヴイ": "ビ", "ヴエ": "ベ", "ヴオ": "ボ", "ヴユ": "ビユ", "ヴ": "ブ"}
_OLD_KANA = str.maketrans("ヷヸヹヺヰヱヲ", "バビベボイエオ")
_WHITESPACE = re.compile(r"\s+")


def fold_kana_for_search(s: str) -> str:
    """Search key for a フリガナ: katakana, no spaces/dots/long vowels, small kana made large.

    Voiced marks are kept (ガ ≠ カ); ヴ is folded to the バ row; ヰヱヲ to イエオ.
    Idempotent.
    """
    kana = _WHITESPACE.sub("", to_katakana(s)).translate(_KANA_DROPPED).translate(_SMALL_TO_LARGE)
    # Dropping a space can bring a lone voiced mark next to its kana: compose it.
    kana = unicodedata.normalize("NFC", kana)
    kana = _VU_SEQUENCES.sub(lambda m: _VU_FOLD[m.group()], kana)
    return kana.translate(_OLD_KANA)


# --- kanji names ----------------------------------------------------------

#: Variant kanji (異体字) and the common form used in search keys.  Keys must
#: be stable under NFKC and no value may itself be a key.  CJK compatibility
#: ideographs such as U+F9DC (隆) are handled by NFKC and need no entry.
NAME_VARIANTS: dict[str, str] = {
    "髙": "高",
    "﨑": "崎",
    "嵜": "崎",
    "𠮷": "吉",
    "濵": "浜",
    "濱": "浜",
    "邊": "辺",
    "邉": "辺",
    "齋": "斎",
    "齊": "斉",
    "澤": "沢",
    "櫻": "桜",
    "廣": "広",
    "國": "国",
    "德": "徳",
    "惠": "恵",
    "眞": "真",
    "藪": "薮",
    "冨": "富",
    "槇": "槙",
    "曻": "昇",
    "嶋": "島",
    "嶌": "島",
    "瀧": "滝",
    "瀨": "瀬",
    "榮": "栄",
    "龍": "竜",
    "舘": "館",
}
_NAME_TABLE = str.maketrans(NAME_VARIANTS)
_VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def fold_name_for_search(s: str) -> str:
    """Search key for a name: no variation selectors or spaces, variant kanji unified, Latin casefolded.

    "SMITH John", "smith john" and "ＳＭＩＴＨ　Ｊｏｈｎ" give the same key.  Idempotent.
    """
    key = unicodedata.normalize("NFKC", _VARIATION_SELECTORS.sub("", s))
    key = _WHITESPACE.sub("", unicodedata.normalize("NFKC", key.casefold()))
    # Dropping a space can bring a lone combining mark next to a letter: compose it.
    return unicodedata.normalize("NFC", key).translate(_NAME_TABLE)
