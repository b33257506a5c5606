"""個人番号 and 住民票コード check digits (no database)."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.identifiers import (
    my_number_check_digit,
    resident_code_check_digit,
    validate_my_number,
    validate_resident_code,
)

if not settings.configured and "DJANGO_SETTINGS_MODULE" not in os.environ:
    settings.configure(USE_I18N=False)  # ApplicationError renders its message

no_db = hypothesis_settings(database=None, max_examples=300)
DIGITS = "0123456789"


def refused(validate, value: str, code: ErrorCode, field: str) -> None:
    with pytest.raises(ApplicationError) as info:
        validate(value)
    assert info.value.code == code
    assert info.value.field == field


# --- 個人番号 -----------------------------------------------------------------


@pytest.mark.parametrize("number", ["123456789018", "621498320257"])  # the second is stdnum's example
def test_known_my_numbers(number: str) -> None:
    assert validate_my_number(number) == number
    assert my_number_check_digit(number[:11]) == number[11]


@pytest.mark.parametrize(
    "value", ["1234 5678 9018", "1234-5678-9018", "１２３４５６７８９０１８", " 123456789018 "]
)
def test_my_number_separators_and_full_width(value: str) -> None:
    assert validate_my_number(value) == "123456789018"


@pytest.mark.parametrize(
    "value", ["", "12345678901", "1234567890188", "12345678901X", "١٢٣٤٥٦٧٨٩٠١٨", "1" * 100]
)
def test_my_number_bad_format(value: str) -> None:
    refused(validate_my_number, value, ErrorCode.INVALID_INPUT, "my_number")


def test_my_number_wrong_check_digit() -> None:
    refused(validate_my_number, "123456789010", ErrorCode.INVALID_CHECK_DIGIT, "my_number")


def test_my_number_field_name_and_message() -> None:
    with pytest.raises(ApplicationError) as info:
        validate_my_number("123456789010", field="applicant_my_number")
    assert info.value.field == "applicant_my_number"
    assert "123456789010" not in str(info.value.message)


@pytest.mark.parametrize("value", ["1234567890", "123456789012", "1234567890A", "１２３４５６７８９０１"])
def test_my_number_check_digit_needs_11_ascii_digits(value: str) -> None:
    with pytest.raises(ApplicationError) as info:
        my_number_check_digit(value)
    assert info.value.code == ErrorCode.INVALID_INPUT


@no_db
@given(st.text(alphabet=DIGITS, min_size=11, max_size=11), st.sampled_from(DIGITS))
def test_my_number_check_digit_round_trip(first11: str, other: str) -> None:
    check = my_number_check_digit(first11)
    assert validate_my_number(first11 + check) == first11 + check
    if other != check:
        refused(validate_my_number, first11 + other, ErrorCode.INVALID_CHECK_DIGIT, "my_number")


# --- 住民票コード ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first10", "check"),
    [
        # 0987654321 read from the lowest digit, times 2,3,4,5,6,7,2,3,4,5:
        # 0+27+32+35+36+35+8+9+8+5 = 195; 195 mod 11 = 8; 11 - 8 = 3.
        ("1234567890", "3"),
        ("0000000000", "0"),  # remainder 0
        ("0000000006", "0"),  # 6 x 2 = 12, remainder 1
        ("0000000001", "9"),  # 1 x 2 = 2, remainder 2
        ("1000000000", "6"),  # 1 x 5 = 5
    ],
)
def test_resident_code_check_digit(first10: str, check: str) -> None:
    assert resident_code_check_digit(first10) == check
    assert validate_resident_code(first10 + check) == first10 + check


@pytest.mark.parametrize("value", ["1234 5678 903", "1234-5678-903", "１２３４５６７８９０３"])
def test_resident_code_separators_and_full_width(value: str) -> None:
    assert validate_resident_code(value) == "12345678903"


@pytest.mark.parametrize("value", ["", "1234567890", "123456789033", "1234567890X", "1" * 100])
def test_resident_code_bad_format(value: str) -> None:
    refused(validate_resident_code, value, ErrorCode.INVALID_INPUT, "resident_code")


def test_resident_code_wrong_check_digit() -> None:
    refused(validate_resident_code, "12345678904", ErrorCode.INVALID_CHECK_DIGIT, "resident_code")


@pytest.mark.parametrize("value", ["123456789", "12345678901", "123456789A"])
def test_resident_code_check_digit_needs_10_ascii_digits(value: str) -> None:
    with pytest.raises(ApplicationError) as info:
        resident_code_check_digit(value)
    assert info.value.code == ErrorCode.INVALID_INPUT


@no_db
@given(st.text(alphabet=DIGITS, min_size=10, max_size=10), st.sampled_from(DIGITS))
def test_resident_code_check_digit_round_trip(first10: str, other: str) -> None:
    check = resident_code_check_digit(first10)
    assert validate_resident_code(first10 + check) == first10 + check
    if other != check:
        refused(validate_resident_code, first10 + other, ErrorCode.INVALID_CHECK_DIGIT, "resident_code")


@no_db
@given(st.text(alphabet=DIGITS, min_size=10, max_size=10), st.integers(0, 9), st.sampled_from(DIGITS))
def test_resident_code_detects_single_digit_errors(first10: str, position: int, digit: str) -> None:
    code = first10 + resident_code_check_digit(first10)
    changed = code[:position] + digit + code[position + 1 :]
    if changed != code and resident_code_check_digit(changed[:10]) == changed[10]:
        # Modulus 11 maps remainders 0 and 1 to the same check digit, so a few
        # single-digit changes are not detected; all others must be.
        assert resident_code_check_digit(first10) == "0"
