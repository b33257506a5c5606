"""The printed bill (納付書): amount, purpose, due date, the Pay-easy numbers and the convenience stores'
GS1-128 barcode (ReportLab: the PDF and its Code 128 symbol with FNC1). Pure: data in, PDF bytes out.

Japanese text uses the certificates' font (``settings.CERTIFICATE_FONT``), embedded as a subset by ReportLab,
so that the bill prints the same on any reader (about 20 ms a bill once the font is loaded).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from kuyakusho.core.wareki import format_wareki

from .codes import KonbiniBarcode, PayEasy

FONT = "KuyakushoBill"
_registered: str | None = None


def _font() -> str:
    """The font registered with ReportLab once per process (again if the setting changes)."""
    global _registered
    path = str(settings.CERTIFICATE_FONT)
    if _registered != path:
        pdfmetrics.registerFont(TTFont(FONT, path))
        _registered = path
    return FONT


@dataclass(frozen=True)
class BillDocument:
    ward_name: str
    number: str
    purpose: str
    amount: int
    due_on: date | None
    payeasy: PayEasy
    barcode: KonbiniBarcode | None  # None above the stores' limit
    elqr: bool


def barcode_symbol(barcode: KonbiniBarcode) -> Code128:
    """The GS1-128 symbol: Code 128 starting in code set C with FNC1, then the 44 digits in pairs."""
    return Code128(barcode.code128_data(), barWidth=0.33 * mm, barHeight=12 * mm, humanReadable=False,
                   quiet=True, lquiet=10 * 0.33 * mm, rquiet=10 * 0.33 * mm)


def render(doc: BillDocument) -> bytes:
    out = io.BytesIO()
    font = _font()
    c = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    c.setTitle(f"納付書 {doc.number}")
    width, height = A4
    x, y = 20 * mm, height - 25 * mm
    c.setFont(font, 20)
    c.drawString(x, y, "納付書（兼領収証書）")
    c.setFont(font, 11)
    c.drawRightString(width - 20 * mm, y, doc.ward_name)
    y -= 15 * mm
    due = format_wareki(doc.due_on) if doc.due_on else "なし"
    for label, value in (("請求番号", doc.number), ("件名", doc.purpose), ("金額", f"{doc.amount:,}円"),
                         ("納期限", due)):
        c.drawString(x, y, label)
        c.drawString(x + 30 * mm, y, value)
        y -= 8 * mm
    y -= 6 * mm
    c.setFont(font, 13)
    c.drawString(x, y, "ペイジー（Pay-easy）でのお支払い")
    c.setFont(font, 11)
    y -= 8 * mm
    for label, value in (("収納機関番号", doc.payeasy.biller_number), ("納付番号", doc.payeasy.customer_number),
                         ("確認番号", doc.payeasy.confirmation_number), ("納付区分", doc.payeasy.kind)):
        c.drawString(x, y, label)
        c.drawString(x + 30 * mm, y, value)
        y -= 7 * mm
    y -= 8 * mm
    c.setFont(font, 13)
    c.drawString(x, y, "コンビニエンスストアでのお支払い")
    c.setFont(font, 11)
    y -= 4 * mm
    if doc.barcode is not None:
        symbol = barcode_symbol(doc.barcode)
        y -= 14 * mm
        symbol.drawOn(c, x, y)
        y -= 5 * mm
        c.setFont("Courier", 9)
        c.drawString(x, y, doc.barcode.human_readable())
        c.setFont(font, 11)
    else:
        y -= 8 * mm
        c.drawString(x, y, "この金額はコンビニエンスストアではお支払いできません（上限999,999円）。")
    if doc.elqr:
        y -= 12 * mm
        c.drawString(x, y, "この請求は地方税統一QRコード（eL-QR）による納付の対象です。")
    y -= 16 * mm
    c.setFont(font, 9)
    c.drawString(x, y, "オンライン（クレジットカード・コード決済）でのお支払いは、区からお知らせしたリンクからどうぞ。")
    c.showPage()
    c.save()
    return out.getvalue()
