"""My data as a PDF (fpdf2), in the certificate font: the register accepts only what that font prints
(``core.text``), so every name and address prints as registered. Not a certificate: no seal, no number."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from fpdf import FPDF

from kuyakusho.core.wareki import format_wareki


def render(data: dict) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("mincho", fname=str(settings.CERTIFICATE_FONT))
    pdf.add_page()

    def heading(text: str) -> None:
        pdf.set_font("mincho", size=14)
        pdf.ln(3)
        pdf.multi_cell(0, 9, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("mincho", size=10)

    def line(text: str) -> None:
        pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")

    r = data["resident"]
    heading(_("わたしのデータ"))
    line(_("この書類は証明書ではありません。"))
    heading(_("住民票の記載事項"))
    line(f"{_('氏名')}: {r['name']}（{r['name_kana']}）")
    line(f"{_('生年月日')}: {format_wareki(r['birth_date'])}")
    line(f"{_('住所')}: {r['address']}")
    line(f"{_('世帯主との続柄')}: {r['relationship']}")
    line(f"{_('住民となった年月日')}: {format_wareki(r['became_resident_on'])}")
    line(f"{_('住所を定めた年月日')}: {format_wareki(r['address_since'])}")
    if r.get("honseki"):
        line(f"{_('本籍')}: {r['honseki']}")
    heading(_("世帯"))
    for m in data["household"]:
        line(f"{m['name']}　{m['relationship']}　{format_wareki(m['birth_date'])}")
    heading(_("わたしの記録を見た人"))
    for e in data["access_log"]:
        line("　".join(v for v in (e["at"][:16].replace("T", " "), e["kind"], e["who"], e["office"], e["role"],
                                  e["purpose"], e["channel"]) if v))
    heading(_("交付された証明書"))
    for i in data["certificates"]:
        line("　".join(v for v in (i["issued_at"][:16].replace("T", " "), i["kind"], i["channel"], i["requester"])
                      if v))
    return bytes(pdf.output())
