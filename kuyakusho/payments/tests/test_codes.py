from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kuyakusho.core.errors import ApplicationError
from kuyakusho.payments import codes
from kuyakusho.payments.pdf import barcode_symbol


@pytest.mark.parametrize(("body", "digit"), [
    # GS1's modulus 10 (weights 3, 1 … from the right) is the GTIN check digit: published GTINs are vectors.
    ("400638133393", "1"),  # EAN-13 4006381333931
    ("03600029145", "2"),  # UPC-A 036000291452
    ("9501101530003"[:-1], "3"),  # GS1's own example 9501101530003
    ("0", "0"),
    ("1", "7"),  # 3·1 = 3 → 7
])
def test_check_digit_known_vectors(body, digit):
    assert codes.check_digit(body) == digit


def test_barcode_layout():
    b = codes.konbini_barcode(company_code="913120", bill_number="202600000001", amount=300, due_on=date(2026, 12, 31))
    d = b.digits()
    assert len(d) == 44
    assert d[:2] == "91" and d[2:8] == "913120"
    assert d[8:29] == "000000000202600000001"
    assert d[29] == "0" and d[30:36] == "261231" and d[36] == "0" and d[37:43] == "000300"
    assert d[43] == codes.check_digit(d[:43]) == "7"
    assert codes.konbini_barcode(company_code="913120", bill_number="1", amount=1, due_on=None).digits()[30:36] \
        == "999999"


digits44 = st.builds(
    lambda company, number, reissue, due, amount: codes.konbini_barcode(
        company_code=company, bill_number=number, amount=amount, due_on=due, reissue=reissue).digits(),
    st.from_regex(r"\A[0-9]{6}\Z"), st.from_regex(r"\A[1-9][0-9]{0,20}\Z"), st.integers(0, 9),
    st.none() | st.dates(date(2000, 1, 1), date(2099, 12, 31)), st.integers(1, 999_999))


@given(digits44, st.integers(0, 43), st.integers(1, 9))
def test_any_single_digit_change_is_caught(digits, position, delta):
    changed = digits[:position] + str((int(digits[position]) + delta) % 10) + digits[position + 1:]
    assert changed != digits
    assert codes.check_digit(changed[:43]) != changed[43]


@given(st.from_regex(r"\A[0-9]{6}\Z"), st.from_regex(r"\A[1-9][0-9]{0,20}\Z"), st.integers(0, 9),
       st.none() | st.dates(date(2000, 1, 1), date(2099, 12, 31)), st.integers(1, 999_999))
def test_barcode_round_trip(company, number, reissue, due, amount):
    b = codes.konbini_barcode(company_code=company, bill_number=number, amount=amount, due_on=due, reissue=reissue)
    back = codes.parse_konbini_barcode(b.digits())
    assert back == b
    assert back.bill_number == number


def test_parse_refuses_wrong_length_ai_and_check_digit():
    good = codes.konbini_barcode(company_code="913120", bill_number="5", amount=300, due_on=None).digits()
    for bad, code in [(good[:-1], "invalid_input"), ("92" + good[2:], "invalid_input"),
                      (good[:-1] + str((int(good[-1]) + 1) % 10), "invalid_check_digit")]:
        with pytest.raises(ApplicationError) as e:
            codes.parse_konbini_barcode(bad)
        assert e.value.code == code


def test_amount_beyond_the_stores_limit_is_refused():
    with pytest.raises(ApplicationError):
        codes.konbini_barcode(company_code="913120", bill_number="5", amount=1_000_000, due_on=None)


def test_the_symbol_is_gs1_128():
    """Code 128: start C (105), FNC1 (102), then the 44 digits as 22 pairs, the mod-103 check and stop."""
    b = codes.konbini_barcode(company_code="913120", bill_number="202600000001", amount=300, due_on=date(2026, 12, 31))
    symbol = barcode_symbol(b)
    symbol.validate()
    symbol.encode()
    values = symbol.encoded
    assert values[0] == 105 and values[1] == 102 and values[-1] == 106
    pairs = values[2:-2]
    assert "".join(f"{v:02d}" for v in pairs) == b.digits()
    assert values[-2] == (values[0] + sum(i * v for i, v in enumerate(values[1:-2], start=1))) % 103


def test_payeasy_numbers():
    p = codes.payeasy_numbers(biller_number="58021", bill_number="202600000001", kind="001")
    assert p.customer_number == "0000202600000001" and len(p.confirmation_number) == 6 and p.kind == "001"
    with pytest.raises(ApplicationError):
        codes.payeasy_numbers(biller_number="5802", bill_number="1", kind="001")


def test_a_barcode_reader_reads_the_symbol_as_gs1_with_ai_91():
    """An independent decoder (ZXing) reads the drawn bars back as GS1-128 (symbology ]C1): AI (91) and the
    42 digits that follow, check digit included."""
    import zxingcpp
    from PIL import Image, ImageDraw

    b = codes.konbini_barcode(company_code="913120", bill_number="202600000123", amount=4560, due_on=date(2027, 3, 31))
    symbol = barcode_symbol(b)
    symbol.validate()
    symbol.encode()
    symbol.decompose()
    module = 3  # pixels per module; upper case letters are bars, lower case spaces, a=1 … d=4 modules
    widths = [(c.isupper(), (ord(c.lower()) - ord("a") + 1) * module) for c in symbol.decomposed]
    image = Image.new("L", (sum(w for _, w in widths) + 40 * module, 120), 255)
    draw, x = ImageDraw.Draw(image), 20 * module
    for bar, width in widths:
        if bar:
            draw.rectangle([x, 10, x + width - 1, 110], fill=0)
        x += width
    (result,) = zxingcpp.read_barcodes(image)
    assert result.symbology_identifier == "]C1"
    assert result.text == f"(91){b.digits()[2:]}"
