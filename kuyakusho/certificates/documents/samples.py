"""Sample documents (synthetic people) for the benchmark, tests and previews."""

from __future__ import annotations

from datetime import date

from .builders import JuminhyoOptions, PersonEntry, juminhyo_header, juminhyo_sections
from .model import CertificateDocument, CertificateKind

BASE_URL = "https://kuyakusho.example.jp"
ADDRESS = "東京都練馬区豊玉北六丁目12番1号"


def household() -> list[PersonEntry]:
    return [
        PersonEntry(
            name="髙橋　一郎", kana="タカハシ　イチロウ", birth_date=date(1978, 4, 12), sex="男",
            relationship="世帯主", became_resident_on=date(2009, 3, 30), address_fixed_on=date(2015, 6, 1),
            notified_on=date(2015, 6, 8), previous_address="東京都杉並区阿佐谷南一丁目15番1号",
            honseki="東京都葛\U000e0102飾区立石五丁目13番1号", hitto="髙橋　一郎",
            resident_code="12345678901", my_number="123456789018",
            history=("平成27年6月1日　練馬区内転居（平成27年6月8日届出）",),
        ),
        PersonEntry(
            name="髙橋　美咲", kana="タカハシ　ミサキ", birth_date=date(1981, 11, 3), sex="女",
            relationship="妻", became_resident_on=date(2009, 3, 30), address_fixed_on=date(2015, 6, 1),
            notified_on=date(2015, 6, 8), previous_address="東京都杉並区阿佐谷南一丁目15番1号",
            honseki="東京都葛\U000e0102飾区立石五丁目13番1号", hitto="髙橋　一郎",
            resident_code="23456789012",
        ),
        PersonEntry(
            name="髙橋　𠮷太", kana="タカハシ　キチタ", birth_date=date(2019, 5, 1), sex="男",
            relationship="子", became_resident_on=date(2019, 5, 1), address_fixed_on=date(2019, 5, 1),
            notified_on=date(2019, 5, 10), honseki="東京都葛\U000e0102飾区立石五丁目13番1号", hitto="髙橋　一郎",
            resident_code="34567890123",
        ),
    ]


def sample_juminhyo(*, number: int = 1, options: JuminhyoOptions | None = None,
                    persons: list[PersonEntry] | None = None) -> CertificateDocument:
    """A typical 住民票の写し: one household of three, 世帯主・続柄 printed."""
    options = options or JuminhyoOptions()
    persons = persons if persons is not None else household()
    return CertificateDocument(
        kind=CertificateKind.JUMINHYO,
        issue_date=date(2025, 5, 1),
        issue_number=f"R7-{number:06d}",
        verification_code=f"K7QM-{number:04d}-ZX3P",
        base_url=BASE_URL,
        channel_label="コンビニ交付（セブン-イレブン練馬豊玉北店）",
        mayor_name="豊玉　光男",
        header=juminhyo_header(ADDRESS, persons[0].name, options),
        sections=juminhyo_sections(persons, options),
    )
