"""The identifiers a bill carries for paying outside the platform (pure functions, no database).

* **Convenience stores** (コンビニ収納, 料金代理収納): a GS1-128 barcode of 44 digits::

      91 | company code (6) | free field (21) | 再発行区分 (1) | 支払期限 YYMMDD (6) | 印紙フラグ (1)
         | 金額 (6) | CD (1)

  The check digit is modulus 10 with weights 3, 1, 3, 1 … from the rightmost of the first 43 digits:
  ``CD = (10 − Σ mod 10) mod 10``. The barcode itself is Code 128 with FNC1 after the start character
  (GS1-128), the application identifier ``(91)`` then the 42 digits that follow it.
* **Pay-easy** (ペイジー): 収納機関番号 (5 digits, the biller), 納付番号 (up to 20 digits, the bill) and
  確認番号 (a secret the resident types to prove they hold the bill), with the 納付区分 (3 digits) of the fee.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from kuyakusho.core.errors import ApplicationError, ErrorCode

AI = "91"
BARCODE_LENGTH = 44
FREE_FIELD_LENGTH = 21
MAX_BARCODE_AMOUNT = 999_999
NO_DUE_DATE = "999999"


def check_digit(digits: str) -> str:
    """Modulus 10, weights 3, 1, 3, 1 … from the rightmost digit of ``digits`` (the first 43 of a barcode)."""
    if not digits.isascii() or not digits.isdigit():
        raise ValueError("digits only")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


@dataclass(frozen=True)
class KonbiniBarcode:
    company_code: str  # the biller's 6-digit code at the collection agent
    free_field: str  # 21 digits: our bill number, zero-padded on the left
    reissue: int  # 再発行区分 0–9
    due_on: date | None  # 支払期限 (None: 999999)
    stamp: int  # 印紙フラグ: 1 if a revenue stamp is due (always 0 for public fees)
    amount: int  # yen, 1–999,999

    @property
    def bill_number(self) -> str:
        return self.free_field.lstrip("0") or "0"

    def digits(self) -> str:
        """The 44 digits (AI 91 first, check digit last)."""
        due = self.due_on.strftime("%y%m%d") if self.due_on else NO_DUE_DATE
        body = f"{AI}{self.company_code}{self.free_field}{self.reissue}{due}{self.stamp}{self.amount:06d}"
        return body + check_digit(body)

    def human_readable(self) -> str:
        """As printed under the bar code: ``(91)`` then the 42 digits in groups."""
        d = self.digits()
        return f"({d[:2]}){d[2:8]}-{d[8:29]}-{d[29]}-{d[30:36]}-{d[36]}-{d[37:43]}-{d[43]}"

    def code128_data(self) -> str:
        """The data of the Code 128 symbol: FNC1 (``\\xf1``, which makes it GS1-128) and the 44 digits."""
        return "\xf1" + self.digits()


def konbini_barcode(*, company_code: str, bill_number: str, amount: int, due_on: date | None, reissue: int = 0,
                    stamp: int = 0) -> KonbiniBarcode:
    if len(company_code) != 6 or not company_code.isdigit():
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("収納企業コードは6桁の数字です。"), field="company_code")
    if not bill_number.isdigit() or len(bill_number) > FREE_FIELD_LENGTH:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("請求番号は21桁以内の数字です。"), field="number")
    if not 1 <= amount <= MAX_BARCODE_AMOUNT:
        raise ApplicationError(ErrorCode.INVALID_INPUT,
                               _("コンビニで納付できる金額は1円から999,999円までです。"), field="amount")
    if not 0 <= reissue <= 9 or stamp not in (0, 1):
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("再発行区分または印紙フラグが正しくありません。"))
    return KonbiniBarcode(company_code, bill_number.zfill(FREE_FIELD_LENGTH), reissue, due_on, stamp, amount)


def parse_konbini_barcode(digits: str) -> KonbiniBarcode:
    """Read 44 digits back; refuses a wrong length, a wrong AI or a wrong check digit."""
    digits = digits.strip()
    if len(digits) != BARCODE_LENGTH or not digits.isascii() or not digits.isdigit():
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("バーコードは44桁の数字です。"), field="barcode")
    if digits[:2] != AI:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("バーコードのAIが91ではありません。"), field="barcode")
    if check_digit(digits[:43]) != digits[43]:
        raise ApplicationError(ErrorCode.INVALID_CHECK_DIGIT, _("バーコードのチェックデジットが一致しません。"),
                               field="barcode")
    due = digits[30:36]
    due_on = None
    if due != NO_DUE_DATE:
        try:
            due_on = date(2000 + int(due[:2]), int(due[2:4]), int(due[4:6]))
        except ValueError:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("バーコードの支払期限が正しくありません。"),
                                   field="barcode") from None
    return KonbiniBarcode(company_code=digits[2:8], free_field=digits[8:29], reissue=int(digits[29]), due_on=due_on,
                          stamp=int(digits[36]), amount=int(digits[37:43]))


@dataclass(frozen=True)
class PayEasy:
    biller_number: str  # 収納機関番号, 5 digits
    customer_number: str  # 納付番号
    confirmation_number: str  # 確認番号
    kind: str  # 納付区分


def payeasy_numbers(*, biller_number: str, bill_number: str, kind: str) -> PayEasy:
    """The bill's Pay-easy identifiers: the 納付番号 is the bill number (16 digits, zero-padded), the 確認番号
    six random digits kept with the bill (so that knowing a bill number is not enough to pay or look it up)."""
    if len(biller_number) != 5 or not biller_number.isdigit():
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("収納機関番号は5桁の数字です。"), field="biller_number")
    if len(kind) != 3 or not kind.isdigit():
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("納付区分は3桁の数字です。"), field="kind")
    return PayEasy(biller_number, bill_number.zfill(16), f"{secrets.randbelow(1_000_000):06d}", kind)
