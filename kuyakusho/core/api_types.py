"""What the OpenAPI description states about the shared input types of ``core.schemas``.

The validators there apply the rules; these are the JSON-schema inputs they announce, so that a client (and
the schemathesis run in the tests) knows which values are accepted: text without control characters and
within its length, ISO dates from 明治6年 (1873-01-01; 和暦 forms are accepted too, but not described), and
identifiers with their check digits (custom formats ``my-number`` and ``resident-code``).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

# Control characters (C0, DEL, C1) are refused; multi-line text may hold newlines and tabs.
SINGLE_LINE = r"^[^\x00-\x1f\x7f-\x9f]*$"
MULTI_LINE = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
# 1873-01-01 … 2999-12-28 (days up to 28 so that every month has them: a description never promises a date
# that does not exist).
ISO_DATE_FROM_MEIJI_6 = r"^(187[3-9]|18[89][0-9]|19[0-9]{2}|2[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$"


def text_input(max_length: int, *, multiline: bool = False) -> Any:
    return Annotated[str, Field(max_length=max_length, pattern=MULTI_LINE if multiline else SINGLE_LINE,
                                description="制御文字なし / no control characters")]


DATE_INPUT = Annotated[str, Field(pattern=ISO_DATE_FROM_MEIJI_6,
                                  description="YYYY-MM-DD（1873-01-01以降。和暦も可）/ from 1873-01-01; 和暦 accepted")]
MY_NUMBER_INPUT = Annotated[str, Field(pattern=r"^[0-9]{12}$", json_schema_extra={"format": "my-number"},
                                       description="個人番号（12桁・検査用数字つき）/ My Number with its check digit")]
RESIDENT_CODE_INPUT = Annotated[str, Field(pattern=r"^[0-9]{11}$", json_schema_extra={"format": "resident-code"},
                                           description="住民票コード（11桁・検査用数字つき）/ with its check digit")]
