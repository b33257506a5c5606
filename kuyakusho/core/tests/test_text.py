"""Text checks and search keys (no database)."""

from __future__ import annotations

import os
import unicodedata

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.text import (
    NAME_VARIANTS,
    check_text,
    fold_kana_for_search,
    fold_name_for_search,
    is_katakana_reading,
    to_katakana,
)

if not settings.configured and "DJANGO_SETTINGS_MODULE" not in os.environ:
    settings.configure(USE_I18N=False)  # ApplicationError renders its message

no_db = hypothesis_settings(database=None, max_examples=500)


def _half_width_table() -> dict[str, str]:
    """Full-width katakana (and ー) -> half-width spelling, derived from NFKC."""
    table: dict[str, str] = {}
    for cp in range(0xFF66, 0xFF9E):
        table.setdefault(unicodedata.normalize("NFKC", chr(cp)), chr(cp))
    for base, half in list(table.items()):
        for mark, half_mark in (("\u3099", "ﾞ"), ("\u309a", "ﾟ")):
            composed = unicodedata.normalize("NFC", base + mark)
            if len(composed) == 1:
                table[composed] = half + half_mark
    return table


HALF_WIDTH = _half_width_table()
# Katakana with a hiragana counterpart (ァ..ヶ) and ー.
KATAKANA = [chr(cp) for cp in range(0x30A1, 0x30F7)] + ["ー"]
katakana_words = st.text(alphabet=KATAKANA, min_size=1, max_size=12)
katakana_words_with_half_width = st.text(alphabet=sorted(HALF_WIDTH), min_size=1, max_size=12)


def to_hiragana(s: str) -> str:
    return "".join(chr(ord(ch) - 0x60) if "ァ" <= ch <= "ヶ" else ch for ch in s)


# --- check_text ---------------------------------------------------------------


def test_check_text_strips_and_returns() -> None:
    assert check_text("  山田\u3000", field="name", max_length=10) == "山田"
    assert check_text("", field="name", max_length=10) == ""


def test_check_text_length_counts_after_strip() -> None:
    assert check_text(" " + "あ" * 5 + " ", field="name", max_length=5) == "あ" * 5
    with pytest.raises(ApplicationError) as info:
        check_text("あ" * 6, field="name", max_length=5)
    assert info.value.code == ErrorCode.TOO_LONG
    assert info.value.field == "name"
    assert info.value.extra == {"max_length": 5}


@pytest.mark.parametrize(
    "value", ["山\n田", "山\t田", "山\x00田", "山\x7f田", "山\x85田", "\x1b[31m", "山\r田"]
)
def test_check_text_refuses_control_characters(value: str) -> None:
    with pytest.raises(ApplicationError) as info:
        check_text(value, field="name", max_length=50)
    assert info.value.code == ErrorCode.CONTROL_CHARACTER
    assert info.value.field == "name"


def test_check_text_multiline() -> None:
    assert check_text("一行目\r\n二行目\r三行目\n\t字下げ", field="note", max_length=50, multiline=True) == (
        "一行目\n二行目\n三行目\n\t字下げ"
    )
    with pytest.raises(ApplicationError) as info:
        check_text("一行目\x00", field="note", max_length=50, multiline=True)
    assert info.value.code == ErrorCode.CONTROL_CHARACTER


def test_check_text_refuses_lone_surrogates() -> None:
    with pytest.raises(ApplicationError) as info:
        check_text("山\ud800", field="name", max_length=50)
    assert info.value.code == ErrorCode.CONTROL_CHARACTER


# --- kana -----------------------------------------------------------------------


def test_to_katakana() -> None:
    assert to_katakana("さとう") == "サトウ"
    assert to_katakana("ｻﾄｳ") == "サトウ"
    assert to_katakana("ｶﾞｯｺｳ") == "ガッコウ"
    assert to_katakana("ゝゞゔゕゖ") == "ヽヾヴヵヶ"
    assert to_katakana("ＡＢＣ１２３") == "ABC123"


@pytest.mark.parametrize(
    "value", ["サトウ", "さとう", "ｻﾄｳ", "スズキ　イチロー", "ジョン・スミス", "ヴァイオリン"]
)
def test_is_katakana_reading_accepts(value: str) -> None:
    assert is_katakana_reading(value)


@pytest.mark.parametrize("value", ["", "  ", "ー", "佐藤", "サトウ1", "Sato", "サトウ-", "サトウ\n"])
def test_is_katakana_reading_refuses(value: str) -> None:
    assert not is_katakana_reading(value)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ｻﾄｳ", "さとう"),
        ("さとう", "サトウ"),
        ("ヴァイオリン", "バイオリン"),
        ("ヴァイオリン", "ゔぁいおりん"),
        ("ヴィーナス", "ビーナス"),
        ("ヴェネツィア", "ベネツイア"),
        ("ヴォーカル", "ボーカル"),
        ("ヴュー", "ビュー"),
        ("スズキ　イチロー", "すずき いちろ"),
        ("ジョン・スミス", "ジョンスミス"),
        ("キャット", "キヤツト"),
        ("ヰヱヲ", "イエオ"),
        ("ケーキ", "ケ‐キ"),
        ("カ゛ッコウ", "ガッコウ"),
    ],
)
def test_fold_kana_equal(a: str, b: str) -> None:
    assert fold_kana_for_search(a) == fold_kana_for_search(b)


@pytest.mark.parametrize(("a", "b"), [("ガ", "カ"), ("パン", "ハン"), ("バン", "ハン"), ("ヅ", "ツ")])
def test_fold_kana_keeps_voicing(a: str, b: str) -> None:
    assert fold_kana_for_search(a) != fold_kana_for_search(b)


def test_fold_kana_examples() -> None:
    assert fold_kana_for_search("ヴァイオリン") == "バイオリン"
    assert fold_kana_for_search("スズキ　イチロー") == "スズキイチロ"
    assert fold_kana_for_search("ｼﾞｮﾝ･ｽﾐｽ") == "ジヨンスミス"


@no_db
@given(st.text(max_size=30))
def test_fold_kana_is_idempotent(s: str) -> None:
    once = fold_kana_for_search(s)
    assert fold_kana_for_search(once) == once


@no_db
@given(st.text(alphabet=[*KATAKANA, "ヴ", "ヷ", "ヺ", " ", "・", "\u3099", "゛", "ﾞ"], max_size=20))
def test_fold_kana_is_idempotent_on_kana(s: str) -> None:
    once = fold_kana_for_search(s)
    assert fold_kana_for_search(once) == once


@no_db
@given(katakana_words)
def test_hiragana_and_katakana_fold_the_same(word: str) -> None:
    assert fold_kana_for_search(to_hiragana(word)) == fold_kana_for_search(word)


@no_db
@given(katakana_words_with_half_width)
def test_half_width_and_full_width_fold_the_same(word: str) -> None:
    half = "".join(HALF_WIDTH[ch] for ch in word)
    assert fold_kana_for_search(half) == fold_kana_for_search(word)
    assert fold_kana_for_search(to_hiragana(word)) == fold_kana_for_search(word)


# --- names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variant", "common"),
    [
        ("髙橋", "高橋"),
        ("山﨑", "山崎"),
        ("𠮷田", "吉田"),
        ("葛\U000e0101飾", "葛飾"),
        ("辻\ufe00", "辻"),
        ("渡邊", "渡辺"),
        ("渡邉", "渡辺"),
        ("齋藤", "斎藤"),
        ("濱田", "浜田"),
        ("\uf9dc", "隆"),
        ("SMITH John", "smith john"),
        ("ＳＭＩＴＨ　Ｊｏｈｎ", "smithjohn"),
        ("山田　太郎", "山田太郎"),
    ],
)
def test_fold_name_equal(variant: str, common: str) -> None:
    assert fold_name_for_search(variant) == fold_name_for_search(common)


def test_fold_name_keeps_distinct_kanji() -> None:
    assert fold_name_for_search("斎藤") != fold_name_for_search("斉藤")
    assert fold_name_for_search("高橋") == "高橋"


def test_fold_name_returns_a_new_key() -> None:
    original = "髙橋\u3000一郎"
    assert fold_name_for_search(original) == "高橋一郎"
    assert original == "髙橋\u3000一郎"


def test_variant_table_is_consistent() -> None:
    for variant, common in NAME_VARIANTS.items():
        assert len(variant) == 1
        assert len(common) == 1
        assert unicodedata.normalize("NFKC", variant) == variant, variant
        assert common not in NAME_VARIANTS, common


@no_db
@given(st.text(max_size=30))
def test_fold_name_is_idempotent(s: str) -> None:
    once = fold_name_for_search(s)
    assert fold_name_for_search(once) == once


@no_db
@given(st.text(alphabet=[*NAME_VARIANTS, *NAME_VARIANTS.values(), " ", "\u3000", "\ufe00", "A", "ｂ"]))
def test_fold_name_is_idempotent_on_names(s: str) -> None:
    once = fold_name_for_search(s)
    assert fold_name_for_search(once) == once
