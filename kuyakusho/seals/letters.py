"""The 照会書 (confirmation letter) sent to the resident's registered address, and its deadline."""

from __future__ import annotations

import calendar
from datetime import date

from kuyakusho.core.ward import ward as ward_profile
from kuyakusho.core.wareki import format_wareki


def add_months(d: date, months: int) -> date:
    """The same day ``months`` later (the month's last day if it has no such day: 1/31 + 1 → 2/28)."""
    month_index = d.month - 1 + months
    year, month = d.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def letter_text(*, reference: str, name: str, address: str, applied_on: date, issued_on: date, deadline: date,
                proxy_name: str = "") -> str:
    """The letter in Japanese (an official document: printed as stored, whatever the clerk's language)."""
    ward = ward_profile().name_ja
    applicant = f"代理人 {proxy_name} さん" if proxy_name else "あなた"
    return "\n".join([
        f"照会番号 {reference}",
        f"{format_wareki(issued_on)}",
        "",
        f"{address}",
        f"{name} 様",
        "",
        f"{ward}長",
        "",
        "印鑑登録についての照会書",
        "",
        f"{format_wareki(applied_on)}に、{applicant}から、あなたの印鑑登録の申請がありました。",
        "この申請があなたご本人の意思によるものであるかを確認するため、この照会書をお送りします。",
        "",
        "申請に間違いがない場合は、下の回答書に記入し、登録する印鑑を押して、",
        f"{format_wareki(deadline)}までに、この照会書と本人確認書類を持って{ward}の窓口へお越しください。",
        "（代理人が持参する場合は、委任の旨を回答書に記入してください。）",
        "期限までに回答書の提出がないときは、この申請はなかったものとして取り扱います。",
        "申請に心当たりがない場合は、至急、区民事務所へご連絡ください。",
        "",
        "――――――――――――――――――――――――――――――――――――",
        "回答書",
        "",
        f"照会番号 {reference}",
        f"{ward}長 あて",
        "上記の印鑑登録の申請は、私の意思に基づくものに相違ありません。",
        "",
        "　　年　　月　　日",
        "住所",
        "氏名（自署）",
        "登録する印鑑",
    ])
