"""Sections for each certificate type from plain data (no models): the issuance service fills these records
from the register, the seal registry or the tax ledger and decides which optional items may be printed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kuyakusho.core.wareki import format_wareki

from .model import Item, Section, Table, yen


def _d(value: date | None) -> str:
    return format_wareki(value) if value else ""


@dataclass(frozen=True, slots=True)
class PersonEntry:
    """One person as printed on 住民票の写し / 除票の写し / 住民票記載事項証明書."""

    name: str
    kana: str
    birth_date: date
    sex: str  # 男 / 女
    relationship: str  # 続柄: 世帯主, 妻, 子 …
    became_resident_on: date  # 住民となった年月日
    address_fixed_on: date  # 住所を定めた年月日
    notified_on: date | None = None  # 届出日
    previous_address: str = ""  # 前住所
    honseki: str = ""  # 本籍
    hitto: str = ""  # 筆頭者
    resident_code: str = ""  # 住民票コード
    my_number: str = ""  # 個人番号
    history: tuple[str, ...] = ()  # 記載事項の履歴
    removed_on: date | None = None  # 消除日 (除票)
    removal_reason: str = ""  # 転出・死亡 …


@dataclass(frozen=True, slots=True)
class JuminhyoOptions:
    """What may be printed: each defaults to off, as the law requires unless asked for and allowed."""

    relationship: bool = True  # 世帯主・続柄
    honseki: bool = False  # 本籍・筆頭者
    resident_code: bool = False  # 住民票コード
    my_number: bool = False  # 個人番号
    history: bool = False  # 履歴


def juminhyo_header(address: str, head_of_household: str, options: JuminhyoOptions) -> tuple[Item, ...]:
    items = [Item("住所", address, wide=True)]
    if options.relationship:
        items.append(Item("世帯主", head_of_household, wide=True))
    return tuple(items)


def person_section(index: int, person: PersonEntry, options: JuminhyoOptions) -> Section:
    items = [
        Item("氏名", person.name),
        Item("フリガナ", person.kana),
        Item("生年月日", _d(person.birth_date)),
        Item("性別", person.sex),
    ]
    if options.relationship:
        items.append(Item("続柄", person.relationship))
    items.append(Item("住民となった年月日", _d(person.became_resident_on)))
    fixed = _d(person.address_fixed_on)
    if person.notified_on:
        fixed += f"（{_d(person.notified_on)}届出）"
    items.append(Item("住所を定めた年月日", fixed, wide=True))
    if person.previous_address:
        items.append(Item("前住所", person.previous_address, wide=True))
    if options.honseki and person.honseki:
        items.append(Item("本籍", person.honseki, wide=True))
        items.append(Item("筆頭者", person.hitto))
    if options.resident_code and person.resident_code:
        items.append(Item("住民票コード", person.resident_code))
    if options.my_number and person.my_number:
        items.append(Item("個人番号", person.my_number))
    if person.removed_on:
        items.append(Item("消除", f"{_d(person.removed_on)}　{person.removal_reason}".strip(), wide=True))
    if options.history and person.history:
        items.append(Item("履歴", "\n".join(person.history), wide=True))
    return Section(heading=f"{index}　{person.name}", items=tuple(items))


def juminhyo_sections(persons: list[PersonEntry] | tuple[PersonEntry, ...], options: JuminhyoOptions
                      ) -> tuple[Section, ...]:
    return tuple(person_section(i, p, options) for i, p in enumerate(persons, start=1))


def seal_section(*, name: str, birth_date: date, address: str, seal_png: bytes, registration_number: str = ""
                 ) -> Section:
    """印鑑登録証明書: the impression with the registered person's name, birth date and address."""
    items = [Item("氏名", name), Item("生年月日", _d(birth_date)), Item("住所", address)]
    if registration_number:
        items.append(Item("登録番号", registration_number))
    return Section(items=tuple(items), image_png=seal_png, image_label="印影")


@dataclass(frozen=True, slots=True)
class TaxLine:
    label: str
    amount: int  # yen


def tax_sections(*, name: str, address: str, fiscal_year: int, lines: list[TaxLine] | tuple[TaxLine, ...],
                 note: str = "") -> tuple[Section, ...]:
    """課税・非課税・納税証明書: the taxpayer, then a table of amounts for one fiscal year (年度)."""
    person = Section(items=(Item("住所", address, wide=True), Item("氏名", name, wide=True),
                            Item("年度", f"{_era_year(fiscal_year)}年度（{fiscal_year - 1}年中の所得）", wide=True)))
    table = Table(columns=("区分", "金額"), rows=tuple((line.label, yen(line.amount)) for line in lines),
                  right=(False, True))
    return person, Section(table=table, notes=(note,) if note else ())


def _era_year(fiscal_year: int) -> str:
    text = format_wareki(date(fiscal_year, 4, 1))
    return text.split("年", 1)[0]


def moving_out_section(*, person: PersonEntry, moved_out_on: date, destination: str, notified_on: date
                       ) -> Section:
    """転出証明書: the person and the planned move (転出予定年月日, 転出先)."""
    items = (
        Item("氏名", person.name), Item("フリガナ", person.kana),
        Item("生年月日", _d(person.birth_date)), Item("性別", person.sex),
        Item("続柄", person.relationship), Item("届出日", _d(notified_on)),
        Item("転出予定年月日", _d(moved_out_on), wide=True),
        Item("転出先", destination, wide=True),
    )
    return Section(heading=person.name, items=items)
