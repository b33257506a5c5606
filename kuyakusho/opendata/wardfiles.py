"""The standard datasets the ward keeps as CSV files (AED設置箇所一覧, 指定緊急避難場所一覧, 公衆無線LAN…) in
``OPENDATA_CSV_DIR``: published as they are once their header is exactly the definition's and their code,
coordinate and time values have the definition's formats; otherwise refused, and the published file kept."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from kuyakusho.core.ward import local_government_code_check_digit, ward

from .definitions import Definition
from .sources import GeneratedResource, GenerationContext, Table

_CODE_COLUMNS = ("全国地方公共団体コード", "都道府県コード又は市区町村コード", "所在地_全国地方公共団体コード")
_TIME_COLUMNS = ("開始時間", "終了時間")
_HHMM = re.compile(r"([01][0-9]|2[0-4]):[0-5][0-9]", re.ASCII)
_CODE = re.compile(r"[0-9]{6}", re.ASCII)


def valid_local_government_code(value: str) -> bool:
    """Six digits whose last is the check digit of the first five (131202 for 練馬区)."""
    return bool(_CODE.fullmatch(value)) and local_government_code_check_digit(value[:5]) == int(value[5])


def _bad_value(column: str, value: str) -> bool:
    if not value:
        return False
    if column in _CODE_COLUMNS:
        return not valid_local_government_code(value)
    if column in ("緯度", "経度"):
        try:
            degrees = Decimal(value)
        except InvalidOperation:
            return True
        limit = 90 if column == "緯度" else 180
        return not (degrees.is_finite() and -limit <= degrees <= limit) or "e" in value.lower()
    if column in _TIME_COLUMNS:
        return not _HHMM.fullmatch(value)
    return False


def check_rows(file_name: str, columns: tuple[str, ...], rows: list[list[str]]) -> None:
    """Refuse a file whose rows do not fit its header or whose code, coordinate or time values are malformed
    (全国地方公共団体コード: six digits with the check digit; 緯度・経度: decimal degrees; times: hh:mm)."""
    for n, row in enumerate(rows, start=2):
        if len(row) != len(columns):
            raise ValueError(_("%(file)s の%(n)d行目は項目の数が見出しと違います（%(got)d／%(want)d）。")
                             % {"file": file_name, "n": n, "got": len(row), "want": len(columns)})
        for column, value in zip(columns, row, strict=True):
            if _bad_value(column, value.strip()):
                raise ValueError(_("%(file)s の%(n)d行目「%(column)s」の値「%(value)s」は定義の形式ではありません。")
                                 % {"file": file_name, "n": n, "column": column, "value": value})


def csv_file_generator(file_stem: str, definition: Definition
                       ) -> Callable[[GenerationContext], list[GeneratedResource]]:
    columns = definition.columns

    def generate(context: GenerationContext) -> list[GeneratedResource]:
        path = Path(settings.OPENDATA_CSV_DIR) / f"{file_stem}.csv"
        text = path.read_bytes().decode("utf-8-sig")
        reader = csv.reader(io.StringIO(text))
        header = tuple(next(reader, ()))
        if header != columns:
            raise ValueError(_("%(file)s の見出し行が「%(title)s」の定義（%(want)d項目）と違います（%(got)d項目）。")
                             % {"file": path.name, "title": definition.title, "want": len(columns),
                                "got": len(header)})
        rows = [row for row in reader if any(cell.strip() for cell in row)]
        check_rows(path.name, columns, rows)
        table = Table(columns, rows)
        return [GeneratedResource(file_name=f"{ward().code}_{file_stem}.csv", name=definition.title,
                                  generated_from=f"区が管理するファイル {path.name}: {len(rows)}件", table=table)]

    return generate
