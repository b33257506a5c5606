"""和暦: era boundaries, round trips, accepted shapes and refusals (no database)."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from itertools import pairwise

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.wareki import (
    ERAS,
    MIN_DATE,
    era_of,
    fiscal_year,
    format_wareki,
    format_wareki_short,
    kanji_numerals_to_digits,
    parse_date,
)

if not settings.configured and "DJANGO_SETTINGS_MODULE" not in os.environ:
    settings.configure(USE_I18N=False)  # ApplicationError renders its message

no_db = hypothesis_settings(database=None, max_examples=300)
supported_dates = st.dates(min_value=MIN_DATE, max_value=date(2100, 12, 31))


def refused(text: str, code: ErrorCode = ErrorCode.INVALID_DATE) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        parse_date(text, field="birth_date")
    assert info.value.code == code
    assert info.value.field == "birth_date"
    return info.value


# --- boundaries -------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "long", "short"),
    [
        (date(1873, 1, 1), "明治6年1月1日", "M6.1.1"),
        (date(1912, 7, 29), "明治45年7月29日", "M45.7.29"),
        (date(1912, 7, 30), "大正元年7月30日", "T1.7.30"),
        (date(1926, 12, 24), "大正15年12月24日", "T15.12.24"),
        (date(1926, 12, 25), "昭和元年12月25日", "S1.12.25"),
        (date(1989, 1, 7), "昭和64年1月7日", "S64.1.7"),
        (date(1989, 1, 8), "平成元年1月8日", "H1.1.8"),
        (date(2019, 4, 30), "平成31年4月30日", "H31.4.30"),
        (date(2019, 5, 1), "令和元年5月1日", "R1.5.1"),
        (date(2025, 5, 1), "令和7年5月1日", "R7.5.1"),
    ],
)
def test_boundary_days(d: date, long: str, short: str) -> None:
    assert format_wareki(d) == long
    assert format_wareki_short(d) == short
    assert parse_date(long) == d
    assert parse_date(short) == d


def test_each_era_first_and_last_day() -> None:
    for era, following in pairwise(ERAS):
        assert era.end == following.start - timedelta(days=1)
        assert era_of(era.end) is era
        assert era_of(following.start) is following
    assert ERAS[-1].end is None
    for era in ERAS[1:]:
        assert era_of(era.start).year_of(era.start) == 1


def test_gannen_flag() -> None:
    assert format_wareki(date(2019, 5, 1), gannen=False) == "令和1年5月1日"
    assert format_wareki(date(2020, 5, 1), gannen=False) == "令和2年5月1日"


def test_datetime_is_accepted_as_date() -> None:
    assert format_wareki(datetime(1989, 1, 7, 23, 59)) == "昭和64年1月7日"


def test_era_of_refuses_dates_before_the_gregorian_calendar() -> None:
    with pytest.raises(ApplicationError) as info:
        era_of(date(1872, 12, 31))
    assert info.value.code == ErrorCode.INVALID_DATE


# --- round trips -------------------------------------------------------------


@no_db
@given(supported_dates, st.booleans())
def test_format_parse_round_trip(d: date, gannen: bool) -> None:
    assert parse_date(format_wareki(d, gannen=gannen)) == d


@no_db
@given(supported_dates)
def test_short_format_round_trip(d: date) -> None:
    assert parse_date(format_wareki_short(d)) == d
    assert parse_date(d.isoformat()) == d


@no_db
@given(supported_dates)
def test_fiscal_year(d: date) -> None:
    fy = fiscal_year(d)
    assert date(fy, 4, 1) <= d < date(fy + 1, 4, 1)


# --- accepted shapes ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "令和7年5月1日",
        "令和７年５月１日",
        "令和07年05月01日",
        "令和 7年 5月 1日",
        "R7.5.1",
        "r7.5.1",
        "R07/05/01",
        "R7-5-1",
        "Ｒ７．５．１",
        "2025-05-01",
        "2025/5/1",
        "2025.5.1",
        "2025年5月1日",
        "２０２５年５月１日",
        "  R7.5.1\u3000",
        "㋿7年5月1日",
    ],
)
def test_accepted_shapes(text: str) -> None:
    assert parse_date(text) == date(2025, 5, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和元年5月1日", date(2019, 5, 1)),
        ("H31.4.30", date(2019, 4, 30)),
        ("㍻31年4月30日", date(2019, 4, 30)),
        ("S64.1.7", date(1989, 1, 7)),
        ("T15.12.24", date(1926, 12, 24)),
        ("M45.7.29", date(1912, 7, 29)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("1873-01-01", date(1873, 1, 1)),
    ],
)
def test_accepted_era_dates(text: str, expected: date) -> None:
    assert parse_date(text) == expected


# --- refusals -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "令和0年5月1日",
        "R0.5.1",
        "令和元年4月30日",  # 令和 had not begun
        "平成31年5月1日",  # 令和 had begun
        "平成32年1月1日",
        "H32.1.1",
        "昭和64年1月8日",
        "昭和65年1月1日",
        "大正元年7月29日",
        "大正15年12月25日",
        "明治45年7月30日",
        "令和7年2月29日",
        "2025-02-30",
        "2025年13月1日",
        "2024-02-30",
        "1872-12-31",  # before the Gregorian calendar
        "明治5年12月2日",
        "M6.1.0",
    ],
)
def test_refused_dates(text: str) -> None:
    refused(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\u3000",
        "令和",
        "令和7年5月",
        "R7.5",
        "R7.5/1",  # mixed separators
        "X7.5.1",
        "慶応3年1月1日",
        "25-05-01",
        "2025-5-1-1",
        "20250501",
        "令和十十年一月一日",  # no number
        "令和〇十年一月一日",
        "令和七年五月",
        "2025-٠٥-01",  # non-ASCII digits
        "tomorrow",
    ],
)
def test_malformed_text(text: str) -> None:
    refused(text)


def test_too_long() -> None:
    refused("令和7年5月1日" + " " * 20 + "x" * 40, ErrorCode.TOO_LONG)


@pytest.mark.parametrize("text", ["R7.5.1\x00", "令和7年\n5月1日", "R7\t.5.1", "2025-05-01\x1b"])
def test_control_characters(text: str) -> None:
    refused(text, ErrorCode.CONTROL_CHARACTER)


def test_message_does_not_echo_input() -> None:
    error = refused("平成31年5月1日")
    assert "31" not in str(error.message)
    assert "5月1日" not in str(error.message)


@no_db
@given(st.text(max_size=40))
def test_parse_never_crashes(text: str) -> None:
    try:
        d = parse_date(text)
    except ApplicationError as error:
        assert error.code in {ErrorCode.INVALID_DATE, ErrorCode.CONTROL_CHARACTER, ErrorCode.TOO_LONG,
                              ErrorCode.UNPRINTABLE_CHARACTER}
    else:
        assert d >= MIN_DATE


# --- kanji numerals, as residents write dates on paper --------------------------------------------------------

_KANJI = "〇一二三四五六七八九"


def kanji_positional(n: int) -> str:
    """四十二, 十二, 三十一, 二千二十五 (十・百・千 without a leading 一)."""
    out = ""
    for power, mark in ((1000, "千"), (100, "百"), (10, "十")):
        digit, n = divmod(n, power)
        if digit:
            out += ("" if digit == 1 else _KANJI[digit]) + mark
    return out + (_KANJI[n] if n else "")


def kanji_digits(n: int) -> str:
    """二〇二五: digit by digit."""
    return "".join(_KANJI[int(c)] for c in str(n))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和七年五月一日", date(2025, 5, 1)),
        ("昭和四十二年十二月三十一日", date(1967, 12, 31)),
        ("平成元年一月八日", date(1989, 1, 8)),
        ("令和十年十月十日", date(2028, 10, 10)),
        ("昭和六十四年一月七日", date(1989, 1, 7)),
        ("二〇二五年五月一日", date(2025, 5, 1)),
        ("二千二十五年五月一日", date(2025, 5, 1)),
        ("令和 七年 五月 一日", date(2025, 5, 1)),
    ],
)
def test_kanji_numerals_read_like_digits(text: str, expected: date) -> None:
    assert parse_date(text) == expected


def test_kanji_numerals_keep_era_rules() -> None:
    refused("平成三十二年一月一日")
    refused("令和〇年一月一日")
    refused("令和七年二月三十日")


@pytest.mark.parametrize(("text", "digits"), [("令和十年", "令和10年"), ("平成元年", "平成元年"), ("百一", "101"),
                                              ("千", "1000"), ("十十", "十十"), ("二〇二五", "2025")])
def test_kanji_numerals_to_digits(text: str, digits: str) -> None:
    assert kanji_numerals_to_digits(text) == digits


@no_db
@given(supported_dates, st.booleans())
def test_kanji_numeral_round_trip(d: date, gannen: bool) -> None:
    """A 和暦 date with its numbers written in kanji numerals is read as the same date."""
    era = era_of(d)
    year = era.year_of(d)
    year_text = "元" if year == 1 and gannen else kanji_positional(year)
    assert parse_date(f"{era.name}{year_text}年{kanji_positional(d.month)}月{kanji_positional(d.day)}日") == d
    assert parse_date(f"{kanji_digits(d.year)}年{kanji_positional(d.month)}月{kanji_positional(d.day)}日") == d
    assert parse_date(f"{kanji_positional(d.year)}年{d.month}月{kanji_positional(d.day)}日") == d
