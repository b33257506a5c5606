"""The character policy for names, addresses and text: every refused class, the font's variants, the messages.

Property tests draw characters of each class from the whole of Unicode (as Python's ``unicodedata`` knows it)
and put them where users do: inside a name, at its start, after a space.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from kuyakusho.core import glyphs
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.text import (
    ORDINARY_SPACES,
    CharacterClass,
    character_name,
    check_printable,
    check_text,
    is_noncharacter,
    refused_characters,
)

no_db = hypothesis_settings(database=None, max_examples=200, deadline=None)
C = CharacterClass


def refused(value: str, *, multiline: bool = False) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        check_text(value, field="name", max_length=100, multiline=multiline)
    assert info.value.field == "name"
    return info.value


def kinds(value: str) -> list[CharacterClass]:
    return [r.kind for r in refused_characters(value)]


def _where(ch: str) -> st.SearchStrategy[str]:
    """``ch`` inside a name, at its start (after the strip), or at its end."""
    return st.sampled_from([f"山{ch}田", f"{ch}山田", f"山田{ch}", f"山田 {ch}太郎"])


# Everything but the class under test is ordinary text, so the first refusal is the character drawn.
def chars(*categories: Any) -> st.SearchStrategy[str]:  # Unicode category names
    return st.characters(categories=categories, exclude_characters="".join(ORDINARY_SPACES))


FONT = glyphs.coverage()
EMOJI = [chr(cp) for cp in range(0xA0, 0x1FB00)
         if unicodedata.category(chr(cp)) not in ("Cn", "Co", "Cs", "Cf") and
         C.EMOJI in kinds(chr(cp))]
NONCHARACTERS = [chr(cp) for cp in [*range(0xFDD0, 0xFDF0), *(p * 0x10000 + d for p in range(17)
                                                               for d in (0xFFFE, 0xFFFF))]]
MARKS = st.characters(categories=["Mn", "Mc", "Me"]).filter(lambda c: not glyphs.is_variation_selector(c))
SELECTORS = st.sampled_from([chr(cp) for cp in [*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)]])
IVS_IN_FONT = sorted((b, s) for b, s in FONT.sequences if s >= 0xE0100)
PLAIN_IN_FONT = sorted(chr(cp) for cp in FONT.codepoints if not refused_characters(chr(cp)))


# --- each class refused, wherever it stands ---------------------------------------------------------------------


@no_db
@given(chars("Cc"))
def test_control_characters_are_refused(ch: str) -> None:
    value = f"山{ch}田"
    assert kinds(value) == [C.CONTROL]
    error = refused(value)
    assert error.code == ErrorCode.CONTROL_CHARACTER and error.extra["character"] == f"U+{ord(ch):04X}"


@no_db
@given(chars("Cf").flatmap(_where))
def test_format_characters_are_refused(value: str) -> None:
    assert C.FORMAT in kinds(value)
    error = refused(value)
    assert error.code == ErrorCode.UNPRINTABLE_CHARACTER and error.extra["character_class"] == "format"


@pytest.mark.parametrize("ch", ["\u202e", "\u202d", "\u2066", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",
                                "\u00ad", "\U000e0041"])
def test_bidi_controls_and_zero_width_characters_are_refused(ch: str) -> None:
    error = refused(f"山{ch}田")
    assert error.extra == {"character": f"U+{ord(ch):04X}", "character_class": "format", "position": 2}


@no_db
@given(chars("Zl", "Zp", "Zs").flatmap(lambda c: st.just(f"山{c}田")))
def test_separators_other_than_the_ordinary_spaces_are_refused(value: str) -> None:
    assert kinds(value) == [C.SEPARATOR]
    assert refused(value).code == ErrorCode.UNPRINTABLE_CHARACTER


def test_ordinary_spaces_are_accepted() -> None:
    assert check_text("山田 太郎", field="name", max_length=10) == "山田 太郎"
    assert check_text("山田\u3000太郎", field="name", max_length=10) == "山田\u3000太郎"
    assert kinds("山田\u2028太郎") == [C.SEPARATOR] and kinds("山\u00a0田") == [C.SEPARATOR]


@no_db
@given(chars("Co").flatmap(_where))
def test_private_use_is_refused(value: str) -> None:
    assert kinds(value) == [C.PRIVATE_USE]
    assert refused(value).extra["character_class"] == "private_use"


@no_db
@given(chars("Cn").filter(lambda c: not is_noncharacter(ord(c))).flatmap(_where))
def test_unassigned_code_points_are_refused(value: str) -> None:
    assert kinds(value) == [C.UNASSIGNED]
    assert refused(value).extra["character_class"] == "unassigned"


@no_db
@given(st.sampled_from(NONCHARACTERS).flatmap(_where))
def test_noncharacters_are_refused(value: str) -> None:
    assert kinds(value) == [C.NONCHARACTER]


@no_db
@given(chars("Cs").flatmap(_where))
def test_lone_surrogates_are_refused(value: str) -> None:
    assert kinds(value) == [C.SURROGATE]
    assert refused(value).code == ErrorCode.CONTROL_CHARACTER


def test_emoji_come_from_unicode_properties() -> None:
    """Extended_Pictographic / Emoji_Presentation (UTS #51): faces, hearts, flags' letters, skin tones, ©."""
    for ch in "😀❤👍🏻🇯⌚©™🀄":
        assert ch in EMOJI, f"U+{ord(ch):04X}"
    for ch in "→々〒※★♪#1":
        assert ch not in EMOJI, f"U+{ord(ch):04X}"
    assert len(EMOJI) > 1300


@no_db
@given(st.sampled_from(EMOJI).flatmap(_where))
def test_emoji_are_refused(value: str) -> None:
    assert kinds(value)[0] == C.EMOJI
    assert refused(value).extra["character_class"] == "emoji"


@pytest.mark.parametrize("value", ["❤\ufe0f", "👨\u200d👩\u200d👧", "🇯🇵", "👍🏽", "1\ufe0f\u20e3"])
def test_emoji_sequences_are_refused(value: str) -> None:
    assert refused(f"山田{value}").code == ErrorCode.UNPRINTABLE_CHARACTER


@no_db
@given(SELECTORS, st.sampled_from(["{vs}山田", "山田 {vs}", "葛\U000e0102{vs}城", "か\u309a{vs}"]))
def test_variation_selectors_without_a_base_are_refused(vs: str, shape: str) -> None:
    value = shape.format(vs=vs)
    assert C.LONE_VARIATION_SELECTOR in kinds(value)
    assert refused(value).extra["character_class"] == "lone_variation_selector"


@no_db
@given(MARKS, st.sampled_from(["{m}山田", "山田 {m}", "山田\u3000{m}"]))
def test_combining_marks_without_a_base_are_refused(mark: str, shape: str) -> None:
    value = shape.format(m=mark)
    assert kinds(value) == [C.LONE_COMBINING_MARK]
    assert refused(value).extra["character_class"] == "lone_combining_mark"


def test_combining_mark_after_a_letter_is_accepted_when_the_font_prints_it() -> None:
    assert FONT.has_char("\u309a") and FONT.has_char("\u0301")
    assert check_text("か\u309a", field=None, max_length=5) == "か\u309a"  # JIS X 0213 か゚
    assert check_text("Jose\u0301", field=None, max_length=5) == "Jose\u0301"
    assert kinds("\u0301Jose") == [C.LONE_COMBINING_MARK]


# --- the certificate font: what it prints is accepted, what it lacks is refused -----------------------------------


@no_db
@given(st.lists(st.sampled_from(PLAIN_IN_FONT), min_size=1, max_size=20).map("".join))
def test_everything_the_font_prints_is_accepted(value: str) -> None:
    assert refused_characters(value) == []
    assert not glyphs.coverage().missing(value)


@no_db
@given(st.sampled_from(IVS_IN_FONT))
def test_ideographic_variation_sequences_of_the_font_are_accepted(sequence) -> None:
    base, selector = map(chr, sequence)
    value = f"{base}{selector}田"
    assert check_text(value, field="name", max_length=10) == value


@no_db
@given(st.sampled_from(sorted({b for b, _s in IVS_IN_FONT})), st.integers(0xE0100, 0xE01EF))
def test_ideographic_variation_sequences_the_font_lacks_are_refused(base: int, selector: int) -> None:
    value = f"{chr(base)}{chr(selector)}田"
    if (base, selector) in FONT.sequences:
        assert refused_characters(value) == []
    else:
        [only] = refused_characters(value)
        assert (only.kind, only.chars, only.position) == (C.VARIANT_NOT_IN_FONT, value[:2], 1)


def test_adobe_japan1_sequence_is_refused_but_the_moji_joho_one_is_accepted() -> None:
    error = refused("葛\U000e0100飾")
    assert error.extra == {"character": "U+845B U+E0100", "character_class": "variant_not_in_font", "position": 1}
    assert check_text("葛\U000e0102飾", field=None, max_length=5) == "葛\U000e0102飾"


@no_db
@given(st.characters(categories=["Lo", "Ll", "Lu", "Nd", "So", "Sm", "Po"]).filter(
    lambda c: not FONT.has_char(c) and not refused_characters(c, font=False)))
def test_characters_the_font_lacks_are_refused(ch: str) -> None:
    assert kinds(f"山{ch}") == [C.NOT_IN_FONT]
    assert refused(f"山{ch}").extra["character_class"] == "not_in_font"


def test_font_false_reads_without_the_font() -> None:
    assert refused_characters("㋿김", font=False) == []
    assert kinds("김") == [C.NOT_IN_FONT]
    assert refused_characters("山\u202e", font=False)[0].kind == C.FORMAT


def test_multiline_allows_newlines_and_tabs_only() -> None:
    assert check_text("一行目\n\t二行目", field=None, max_length=20, multiline=True) == "一行目\n\t二行目"
    assert refused("一行目\u2028二行目", multiline=True).extra["character_class"] == "separator"
    assert [r.kind for r in refused_characters("一行目\n\u0301", multiline=True)] == [C.LONE_COMBINING_MARK]


def test_the_policy_reports_every_refused_character_once() -> None:
    """Selectors and marks right after a refused character belong to it; a second selector is lone."""
    found = refused_characters("\u202e山田😀\ufe0f\U000e0100 \u0301葛\U000e0102\U000e0100")
    assert [(r.position, r.code_points, r.kind) for r in found] == [
        (1, "U+202E", C.FORMAT), (4, "U+1F600", C.EMOJI), (8, "U+0301", C.LONE_COMBINING_MARK),
        (11, "U+E0100", C.LONE_VARIATION_SELECTOR)]


# --- messages -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "ja", "en"),
    [
        ("山田\u202e郎", "3文字目の U+202E RIGHT-TO-LEFT OVERRIDE は使用できません：書式制御文字",
         "Character 3, U+202E RIGHT-TO-LEFT OVERRIDE, cannot be used: it is a format character"),
        ("山\ue000田", "2文字目の U+E000 は使用できません：私用領域の文字", "Character 2, U+E000, cannot be used"),
        ("山田😀", "U+1F600 GRINNING FACE は使用できません：絵文字です。", "it is an emoji."),
        ("葛\U000e0100", "U+845B U+E0100 CJK UNIFIED IDEOGRAPH-845B + VARIATION SELECTOR-17",
         "a variant (variation sequence) that the certificate font does not carry"),
    ],
)
def test_message_names_the_character_in_the_users_language(value: str, ja: str, en: str) -> None:
    with translation.override("ja"):
        assert ja in str(refused(value).message)
    with translation.override("en"):
        message = str(refused(value).message)
        assert en in message and not any("\u3040" <= ch <= "\u30ff" for ch in message)


def test_message_never_echoes_the_value() -> None:
    with translation.override("ja"):
        assert "山田" not in str(refused("山田\u202e郎").message)


def test_character_name() -> None:
    assert character_name("\u202e") == "U+202E RIGHT-TO-LEFT OVERRIDE"
    assert character_name("\x00") == "U+0000"
    assert character_name("葛\U000e0102") == "U+845B U+E0102 CJK UNIFIED IDEOGRAPH-845B + VARIATION SELECTOR-19"


def test_check_printable_names_code_points() -> None:
    check_printable("山田　太郎", "葛\U000e0102飾区", "一行目\n二行目")
    with pytest.raises(ApplicationError) as info, translation.override("ja"):
        check_printable("山田", "山\u202e田", "김", field="subject")
    error = info.value
    assert error.code == ErrorCode.UNPRINTABLE_CHARACTER and error.http_status == 400 and error.field == "subject"
    assert error.extra == {"characters": ["U+202E", "U+AE40"]}
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in str(error.message) and "山" not in str(error.message)
