"""Japanese era (和暦) dates: formatting, parsing, fiscal year.

Era first days follow the convention of Japanese government systems:
明治 1868-01-25, 大正 1912-07-30, 昭和 1926-12-25, 平成 1989-01-08,
令和 2019-05-01.  Each era ends the day before the next one begins.

Supported range: from 1873-01-01 (明治6年1月1日), the day Japan adopted the
Gregorian calendar.  Earlier 明治 dates were lunisolar and cannot be mapped
day-for-day, so they are refused.

Decision on era boundaries: an era date must lie inside its era.  A year past
the era's end (平成32年) and a day after the next era began (平成31年5月1日,
昭和64年1月8日) are refused, as is a day before the era began (令和元年4月30日).
No silent conversion to the newer era: the user is asked to correct the date.

Accepted input (after NFKC, so full-width digits and ㍻/㋿ work; spaces are
ignored): 令和7年5月1日, 令和元年5月1日, R7.5.1, r07/05/01, R7-5-1 (letters
M T S H R), 2025-05-01, 2025/5/1, 2025.5.1, 2025年5月1日.  Numbers may be
written in kanji numerals as on paper, read like their digit forms:
令和七年五月一日, 昭和四十二年十二月三十一日, 平成元年, 二〇二五年五月一日
(with 十・百・千, or digit by digit with 〇).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .errors import ApplicationError, ErrorCode
from .text import check_text

MAX_INPUT_LENGTH = 40
MIN_DATE = date(1873, 1, 1)


@dataclass(frozen=True)
class Era:
    name: str
    letter: str
    start: date
    end: date | None  # last day; None for the current era

    def contains(self, d: date) -> bool:
        return self.start <= d and (self.end is None or d <= self.end)

    def year_of(self, d: date) -> int:
        return d.year - self.start.year + 1


ERAS: tuple[Era, ...] = (
    Era("明治", "M", date(1868, 1, 25), date(1912, 7, 29)),
    Era("大正", "T", date(1912, 7, 30), date(1926, 12, 24)),
    Era("昭和", "S", date(1926, 12, 25), date(1989, 1, 7)),
    Era("平成", "H", date(1989, 1, 8), date(2019, 4, 30)),
    Era("令和", "R", date(2019, 5, 1), None),
)
_BY_NAME = {era.name: era for era in ERAS}
_BY_LETTER = {era.letter: era for era in ERAS}

_ERA_NAMES = "|".join(_BY_NAME)
_ERA_LETTERS = "".join(_BY_LETTER)
# re.ASCII: \d is 0-9 only (NFKC has already turned full-width digits into ASCII).
_KANJI_ERA = re.compile(rf"({_ERA_NAMES})(元|\d{{1,4}})年(\d{{1,2}})月(\d{{1,2}})日", re.ASCII)
_LETTER_ERA = re.compile(rf"([{_ERA_LETTERS}])(\d{{1,4}})([./-])(\d{{1,2}})\3(\d{{1,2}})", re.ASCII)
_KANJI_WESTERN = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日", re.ASCII)
_WESTERN = re.compile(r"(\d{4})([./-])(\d{1,2})\2(\d{1,2})", re.ASCII)
_SPACES = re.compile(r"\s+")

_KANJI_DIGITS = {ch: str(i) for i, ch in enumerate("〇一二三四五六七八九")}
_KANJI_NUMBER = re.compile("[〇一二三四五六七八九十百千]+")
# 四十二, 十二, 三十一, 二千二十五: each power of ten at most once, in order, its digit 1 when omitted (十 = 10).
_POSITIONAL = re.compile("(?:([一二三四五六七八九])?千)?(?:([一二三四五六七八九])?百)?"
                         "(?:([一二三四五六七八九])?十)?([一二三四五六七八九])?")


def _kanji_number(m: re.Match[str]) -> str:
    """Digits for one run of kanji numerals; a run that is no number is left as it is (and refused later)."""
    run = m[0]
    if all(ch in _KANJI_DIGITS for ch in run):  # digit by digit: 二〇二五, 五
        return "".join(_KANJI_DIGITS[ch] for ch in run)
    if "〇" in run or not (p := _POSITIONAL.fullmatch(run)):
        return run
    value = int(_KANJI_DIGITS[p[4]]) if p[4] else 0
    for group, (mark, power) in zip(p.groups()[:3], (("千", 1000), ("百", 100), ("十", 10)), strict=True):
        if group is not None:
            value += int(_KANJI_DIGITS[group]) * power
        elif mark in run:
            value += power
    return str(value)


def kanji_numerals_to_digits(text: str) -> str:
    """令和七年五月一日 → 令和7年5月1日; 昭和四十二年 → 昭和42年; 二〇二五年 → 2025年."""
    return _KANJI_NUMBER.sub(_kanji_number, text)


def _as_date(d: date) -> date:
    return d.date() if isinstance(d, datetime) else d


def _before_min(field: str | None) -> ApplicationError:
    return ApplicationError(
        ErrorCode.INVALID_DATE, _("明治6年（1873年）1月1日より前の日付は扱えません。"), field=field
    )


def era_of(d: date) -> Era:
    """The era of ``d``; refuses dates before :data:`MIN_DATE`."""
    d = _as_date(d)
    if d < MIN_DATE:
        raise _before_min(None)
    return next(era for era in reversed(ERAS) if era.start <= d)


def format_wareki(d: date, *, gannen: bool = True) -> str:
    """Format as 令和7年5月1日; the first year is written 元年 unless ``gannen`` is False."""
    d = _as_date(d)
    era = era_of(d)
    year = era.year_of(d)
    year_text = "元" if year == 1 and gannen else str(year)
    return f"{era.name}{year_text}年{d.month}月{d.day}日"


def format_wareki_short(d: date) -> str:
    """Format as R7.5.1 (era letter, era year, month, day)."""
    d = _as_date(d)
    era = era_of(d)
    return f"{era.letter}{era.year_of(d)}.{d.month}.{d.day}"


def fiscal_year(d: date) -> int:
    """Japanese fiscal year (年度), which starts on April 1."""
    return d.year if d.month >= 4 else d.year - 1


def _make_date(year: int, month: int, day: int, field: str | None) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ApplicationError(ErrorCode.INVALID_DATE, _("存在しない日付です。"), field=field) from None


def _era_date(era: Era, year_text: str, month: int, day: int, field: str | None) -> date:
    era_year = 1 if year_text == "元" else int(year_text)
    if era_year == 0:
        raise ApplicationError(
            ErrorCode.INVALID_DATE,
            format_lazy(_("{era}0年という年はありません。"), era=era.name),
            field=field,
        )
    d = _make_date(era.start.year + era_year - 1, month, day, field)
    if not era.contains(d):
        raise ApplicationError(
            ErrorCode.INVALID_DATE,
            format_lazy(_("{era}の期間外の日付です。"), era=era.name),
            field=field,
        )
    return d


def _parse(text: str, field: str | None) -> date | None:
    if m := _KANJI_ERA.fullmatch(text):
        return _era_date(_BY_NAME[m[1]], m[2], int(m[3]), int(m[4]), field)
    if m := _LETTER_ERA.fullmatch(text.upper()):
        return _era_date(_BY_LETTER[m[1]], m[2], int(m[4]), int(m[5]), field)
    if m := _KANJI_WESTERN.fullmatch(text):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), field)
    if m := _WESTERN.fullmatch(text):
        return _make_date(int(m[1]), int(m[3]), int(m[4]), field)
    return None


def parse_date(text: str, *, field: str | None = None) -> date:
    """Parse a date typed in 和暦 or 西暦 (see the module docstring for the shapes)."""
    cleaned = check_text(text, field=field, max_length=MAX_INPUT_LENGTH, font=False)
    if not cleaned:
        raise ApplicationError(ErrorCode.INVALID_DATE, _("日付を入力してください。"), field=field)
    normalized = kanji_numerals_to_digits(_SPACES.sub("", unicodedata.normalize("NFKC", cleaned)))
    d = _parse(normalized, field)
    if d is None:
        raise ApplicationError(
            ErrorCode.INVALID_DATE,
            _("日付の形式が正しくありません（例：令和7年5月1日、R7.5.1、2025-05-01）。"),
            field=field,
        )
    if d < MIN_DATE:
        raise _before_min(field)
    return d
