"""Text checks and search keys for Japanese names.

``check_text`` cleans one free-text value from a form or the API and applies the
character policy (``refused_characters``: only what the certificate font prints,
no invisible, control or emoji characters).  The
``fold_*`` functions build *search keys*: store the original value as typed and
the key beside it; never overwrite the original with the key.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING

import regex
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from . import glyphs
from .errors import ApplicationError, ErrorCode

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# --- the character policy ----------------------------------------------------------------------------------------
#
# One policy for every name, address and free-text value, whatever the entry point (forms, API schemas, postal
# desk, imports, corrections, the demo generator): the register holds only what the ward can print.


class CharacterClass(StrEnum):
    """Why a character is refused (the first that applies, in this order)."""

    CONTROL = "control"  # Cc: breaks single-line fields and logs
    SURROGATE = "surrogate"  # Cs: reachable through JSON "\ud800", not storable as UTF-8
    PRIVATE_USE = "private_use"  # Co: means nothing outside one vendor's font
    NONCHARACTER = "noncharacter"  # U+FDD0–FDEF and U+xxFFFE/xxFFFF
    UNASSIGNED = "unassigned"  # Cn: no character yet
    FORMAT = "format"  # Cf: bidi controls (U+202E), zero-width characters, soft hyphen, BOM, tags
    SEPARATOR = "separator"  # Zl, Zp and spaces other than U+0020 and U+3000
    EMOJI = "emoji"  # Extended_Pictographic or Emoji_Presentation (UTS #51), with their modifiers
    LONE_VARIATION_SELECTOR = "lone_variation_selector"  # a selector with no character to vary
    LONE_COMBINING_MARK = "lone_combining_mark"  # a combining mark with no base character
    VARIANT_NOT_IN_FONT = "variant_not_in_font"  # a variation sequence the certificate font does not carry
    NOT_IN_FONT = "not_in_font"  # a character the certificate font has no glyph for


_CLASS_MESSAGES = {
    CharacterClass.CONTROL: _("制御文字"),
    CharacterClass.SURROGATE: _("単独のサロゲート"),
    CharacterClass.PRIVATE_USE: _("私用領域の文字（外字）"),
    CharacterClass.NONCHARACTER: _("非文字"),
    CharacterClass.UNASSIGNED: _("Unicodeに割り当てられていない符号位置"),
    CharacterClass.FORMAT: _("書式制御文字（見えない文字や文字の向きを変える文字）"),
    CharacterClass.SEPARATOR: _("通常の空白以外の区切り文字・空白"),
    CharacterClass.EMOJI: _("絵文字"),
    CharacterClass.LONE_VARIATION_SELECTOR: _("前に文字のない異体字セレクタ"),
    CharacterClass.LONE_COMBINING_MARK: _("前に文字のない結合文字"),
    CharacterClass.VARIANT_NOT_IN_FONT: _("証明書の書体にない異体字（異体字シーケンス）"),
    CharacterClass.NOT_IN_FONT: _("証明書の書体にない文字"),
}

#: The ordinary spaces of names and addresses ("山田 太郎", "山田\u3000太郎").
ORDINARY_SPACES = frozenset(" \u3000")
_MULTILINE_ALLOWED = frozenset("\n\t")
# Emoji by the Unicode properties of UTS #51 (the `regex` module carries the Unicode data): pictographs, the
# characters shown as emoji by default (regional indicators, skin-tone modifiers among them).
_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Emoji_Presentation}\p{Emoji_Modifier}]")


def is_noncharacter(cp: int) -> bool:
    """The 66 noncharacters of Unicode (§23.7): U+FDD0–FDEF and the last two code points of every plane."""
    return 0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFE) == 0xFFFE


def character_name(chars: str) -> str:
    """``U+845B U+E0100 CJK UNIFIED IDEOGRAPH-845B + VARIATION SELECTOR-17``; unnamed code points by number only."""
    names = [unicodedata.name(c, "") for c in chars]
    shown = " + ".join(n for n in names if n)
    return f"{glyphs.code_points(chars)} {shown}" if shown else glyphs.code_points(chars)


@dataclass(frozen=True)
class RefusedCharacter:
    """One refused character (or base + variation selector) of a value; ``position`` counts from 1."""

    position: int
    chars: str
    kind: CharacterClass

    @property
    def code_points(self) -> str:
        return glyphs.code_points(self.chars)

    @property
    def message(self) -> StrOrPromise:
        return format_lazy(_("{position}文字目の {character} は使用できません：{reason}です。"),
                           position=self.position, character=character_name(self.chars),
                           reason=_CLASS_MESSAGES[self.kind])


def _class_of(ch: str) -> CharacterClass | None:
    """The class of a character refused wherever it stands (context-free classes), else None."""
    category = unicodedata.category(ch)
    if category == "Cc":
        return CharacterClass.CONTROL
    if category == "Cs":
        return CharacterClass.SURROGATE
    if category == "Co":
        return CharacterClass.PRIVATE_USE
    if category == "Cn":
        return CharacterClass.NONCHARACTER if is_noncharacter(ord(ch)) else CharacterClass.UNASSIGNED
    if category == "Cf":
        return CharacterClass.FORMAT
    if category in ("Zl", "Zp") or (category == "Zs" and ch not in ORDINARY_SPACES):
        return CharacterClass.SEPARATOR
    if _EMOJI.match(ch):
        return CharacterClass.EMOJI
    return None


@cache
def _plain_pattern(cov: glyphs.Coverage) -> re.Pattern[str]:
    """Matches a value made only of characters that the policy accepts wherever they stand (in the font, refused
    by no class, not a mark or selector): the usual value, which then needs no closer look."""
    plain = sorted({ord(ch) for ch in map(chr, cov.codepoints)
                    if _class_of(ch) is None and not unicodedata.category(ch).startswith("M")}
                   | set(map(ord, ORDINARY_SPACES)))
    ranges: list[list[int]] = []
    for cp in plain:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    members = "".join(re.escape(chr(lo)) + (f"-{re.escape(chr(hi))}" if hi > lo else "") for lo, hi in ranges)
    return re.compile(f"[{members}]*")


def plain_matcher() -> Callable[[str], re.Match[str] | None]:
    """``match(value)`` is truthy when ``value`` passes the policy at a glance (see :func:`refused_characters`)."""
    return _plain_pattern(glyphs.coverage()).fullmatch


def refused_characters(value: str, *, multiline: bool = False, font: bool = True) -> list[RefusedCharacter]:
    """Every character of ``value`` that the policy refuses, in order (empty when the value may be stored).

    A combining mark or variation selector right after a refused character belongs to it and is not reported
    again.  With ``multiline``, newlines and tabs are allowed.  ``font=False`` leaves out the certificate font's
    coverage, for input that is read but never stored or printed as typed (a date: ㋿ is read as 令和).
    """
    cov = glyphs.coverage()
    if font and _plain_pattern(cov).fullmatch(value):
        return []  # the usual value: every character printable on its own (no marks, selectors, spaces aside)
    out: list[RefusedCharacter] = []
    base: str | None = None  # the character a variation selector would vary (none after a mark or a selector)
    has_base = False  # whether a combining mark has a character to attach to
    after_refused = False
    for i, ch in enumerate(value):
        if multiline and ch in _MULTILINE_ALLOWED:
            base, has_base, after_refused = None, False, False
            continue
        kind = _class_of(ch)
        if kind is None and glyphs.is_variation_selector(ch):
            if after_refused:
                continue
            if base is None:
                kind = CharacterClass.LONE_VARIATION_SELECTOR
            elif font and not cov.has_sequence(base, ch):  # reported with its base, at the base's position
                out.append(RefusedCharacter(i, base + ch, CharacterClass.VARIANT_NOT_IN_FONT))
                base, after_refused = None, True
                continue
            else:
                base = None  # one selector per character: a second one is lone
                continue
        elif kind is None and unicodedata.category(ch) in ("Mn", "Mc", "Me"):
            if after_refused:
                continue
            if not has_base:
                kind = CharacterClass.LONE_COMBINING_MARK
            elif font and not cov.has_char(ch):
                kind = CharacterClass.NOT_IN_FONT
            else:
                base = None
                continue
        elif kind is None:
            is_space = ch in ORDINARY_SPACES
            nxt = value[i + 1] if i + 1 < len(value) else ""
            # A character varied by the selector after it prints as that sequence: the selector decides.
            if font and not is_space and not glyphs.is_variation_selector(nxt) and not cov.has_char(ch):
                kind = CharacterClass.NOT_IN_FONT
            else:
                base, has_base, after_refused = (None if is_space else ch), not is_space, False
                continue
        out.append(RefusedCharacter(i + 1, ch, kind))
        base, has_base, after_refused = None, True, True
    return out


def check_characters(value: str, *, field: str | None, multiline: bool = False, font: bool = True) -> str:
    """Refuse ``value`` if the policy refuses any of its characters; the message names the first one."""
    refused = refused_characters(value, multiline=multiline, font=font)
    if not refused:
        return value
    first = refused[0]
    control = first.kind in (CharacterClass.CONTROL, CharacterClass.SURROGATE)
    raise ApplicationError(ErrorCode.CONTROL_CHARACTER if control else ErrorCode.UNPRINTABLE_CHARACTER,
                           first.message, field=field,
                           extra={"character": first.code_points, "character_class": str(first.kind),
                                  "position": first.position})


def check_printable(*texts: str, field: str | None = None) -> None:
    """Refuse text that the certificate font cannot print (a record stored before the policy, at issuance).

    The message names the characters by code point and Unicode name, never the text around them.
    """
    missing = glyphs.missing_glyphs(*texts)
    if missing:
        raise ApplicationError(
            ErrorCode.UNPRINTABLE_CHARACTER,
            format_lazy(_("記録に証明書の書体で印刷できない文字（{characters}）があるため、交付できません。"
                          "記録の文字を確認してください。"), characters="、".join(map(character_name, missing))),
            field=field, extra={"characters": [glyphs.code_points(m) for m in missing]})


def check_text(value: str, *, field: str | None, max_length: int, multiline: bool = False,
               font: bool = True) -> str:
    """Strip ``value``, refuse characters the policy refuses (see :func:`refused_characters`) and over-long text.

    With ``multiline`` newlines and tabs are allowed (CRLF and CR become LF).
    The length is counted in code points after stripping.
    """
    cleaned = value.strip()
    if multiline:
        cleaned = cleaned.replace("\r\n", "\n").replace("\r", "\n")
    check_characters(cleaned, field=field, multiline=multiline, font=font)
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
