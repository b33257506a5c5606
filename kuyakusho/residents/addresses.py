"""Addresses in the ward: Nerima's 町丁目 and the shape of 番地・号・方書.

The towns come from ``data/nerima-towns.csv`` (「Geolonia 住所データ」（株式会社Geolonia）CC BY 4.0 を
加工して作成（元データ: 国土交通省 位置参照情報）). An address in the ward is
``town`` (町名 without 丁目) + ``chome`` (an int, or None for the four towns without 丁目) +
``banchi`` (番地, e.g. ``12`` or ``1234-5``) + ``go`` (号, optional) + ``katagaki`` (方書: building, room).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.text import check_text
from kuyakusho.core.ward import ward

CREDIT = "「Geolonia 住所データ」（株式会社Geolonia）CC BY 4.0 を加工して作成（元データ: 国土交通省 位置参照情報）"

_BANCHI = re.compile(r"[0-9]{1,5}(-[0-9]{1,5}){0,2}", re.ASCII)
_GO = re.compile(r"[0-9]{1,5}(-[0-9]{1,5})?", re.ASCII)
_DASHES = re.compile(r"[‐‑–—―−ー－]")


@dataclass(frozen=True)
class Chome:
    town: str
    chome: int | None
    town_kana: str
    lat: float
    lon: float

    @property
    def label(self) -> str:
        return f"{self.town}{self.chome}丁目" if self.chome else self.town


def chome_table() -> dict[tuple[str, int | None], Chome]:
    """The ward's 町丁目 (from the ward profile's towns file)."""
    return _chome_table(ward().towns_csv)


@cache
def _chome_table(path: str) -> dict[tuple[str, int | None], Chome]:
    with Path(path).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return {
        (r["town"], int(r["chome"]) if r["chome"] else None): Chome(
            r["town"], int(r["chome"]) if r["chome"] else None, r["town_kana"], float(r["lat"]), float(r["lon"])
        )
        for r in rows
    }


@cache
def towns() -> dict[str, tuple[int, ...]]:
    """町名 → its 丁目 numbers (empty tuple for a town without 丁目), in kana order of the town."""
    result: dict[str, list[int]] = {}
    for town, chome in chome_table():
        result.setdefault(town, [])
        if chome is not None:
            result[town].append(chome)
    order = {c.town: c.town_kana for c in chome_table().values()}
    return {t: tuple(sorted(cs)) for t, cs in sorted(result.items(), key=lambda kv: order[kv[0]])}


def _number(value: str) -> str:
    return _DASHES.sub("-", unicodedata.normalize("NFKC", value)).replace(" ", "")


def validate_town(town: str, chome: int | None, *, field: str = "town") -> tuple[str, int | None]:
    """Refuse a 町名・丁目 that is not in Nerima."""
    town = ward().without_ward(unicodedata.normalize("NFKC", (town or "").strip()))
    if town not in towns():
        raise ApplicationError(ErrorCode.INVALID_INPUT,
                               _("%(ward)s内の町名を選んでください。") % {"ward": ward().name()}, field=field)
    if (town, chome) not in chome_table():
        raise ApplicationError(
            ErrorCode.INVALID_INPUT, _("その町名に存在しない丁目です。"), field="chome"
        )
    return town, chome


def validate_address(
    *, town: str, chome: int | None, banchi: str, go: str = "", katagaki: str = ""
) -> dict[str, object]:
    """Cleaned ward address fields, or an ApplicationError naming the field."""
    town, chome = validate_town(town, chome)
    banchi = _number(banchi or "")
    if not _BANCHI.fullmatch(banchi):
        raise ApplicationError(
            ErrorCode.INVALID_INPUT, _("番地は数字で入力してください（例：12、1234-5）。"), field="banchi"
        )
    go = _number(go or "")
    if go and not _GO.fullmatch(go):
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("号は数字で入力してください。"), field="go")
    katagaki = check_text(katagaki or "", field="katagaki", max_length=100)
    return {"town": town, "chome": chome, "banchi": banchi, "go": go, "katagaki": katagaki}


def format_address(town: str, chome: int | None, banchi: str, go: str = "", katagaki: str = "",
                   *, with_ward: bool = True) -> str:
    """東京都練馬区豊玉北6丁目12番1号 ○○マンション101 (番地 with a branch: 1234番地5)."""
    head = ward().full_name_ja if with_ward else ""
    place = f"{town}{chome}丁目" if chome else town
    if go:
        number = f"{banchi}番{go}号"
    elif "-" in banchi:
        first, rest = banchi.split("-", 1)
        number = f"{first}番地{rest}"
    else:
        number = f"{banchi}番地" if banchi else ""
    text = f"{head}{place}{number}"
    return f"{text}　{katagaki}" if katagaki else text
