"""The one-page planning report (PDF, A4) for the ward's planning meetings: coverage and the peak, from
aggregates only. Drawn with fpdf2 and the certificates' font (``settings.CERTIFICATE_FONT``), Japanese whatever
the language of the page that asked for it, like every document of the ward."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from fpdf import FPDF

from kuyakusho.core.ward import ward
from kuyakusho.core.wareki import format_wareki

from .coverage import Coverage
from .models import SimulationRun
from .suppression import suppress

# fontTools logs every subsetting step at INFO (glyph names of the document): not for the server's log.
logging.getLogger("fontTools").setLevel(logging.WARNING)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def build(*, date_from: datetime.date, date_to: datetime.date, coverage: Coverage | None,
          recorded: dict[str, dict[str, float]], run: SimulationRun | None) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    pdf.add_font("mincho", "", str(settings.CERTIFICATE_FONT))
    pdf.set_font("mincho", size=16)
    w = ward()
    pdf.set_xy(15, 15)
    pdf.cell(0, 9, f"{w.name_ja} 窓口の配置と繁忙期の検討資料", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("mincho", size=9)
    pdf.set_x(15)
    made = format_wareki(datetime.date.today())
    pdf.cell(0, 5, f"対象期間 {format_wareki(date_from)}〜{format_wareki(date_to)}　作成 {made}"
                   "　（集計値のみ。少数のセルは秘匿）", new_x="LMARGIN", new_y="NEXT")

    def heading(text: str) -> None:
        pdf.ln(3)
        pdf.set_x(15)
        pdf.set_font("mincho", size=12)
        pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("mincho", size=9)

    def table(header: list[str], rows: list[list[str]], widths: list[float]) -> None:
        pdf.set_x(15)
        for h, wd in zip(header, widths, strict=True):
            pdf.cell(wd, 6, h, border=1, align="C")
        pdf.ln(6)
        for row in rows:
            pdf.set_x(15)
            for i, (v, wd) in enumerate(zip(row, widths, strict=True)):
                pdf.cell(wd, 5.5, v, border=1, align="L" if i == 0 else "R")
            pdf.ln(5.5)

    heading("1. 事務所からの距離（直線距離、町丁目の代表点による）")
    if coverage is not None:
        rows = [[f"{b.km:g}km以内", _pct(b.share), _pct(b.elderly_share)] for b in coverage.bands]
        rows.append(["3kmを超える", _pct(coverage.beyond_share), _pct(coverage.beyond_elderly_share)])
        table(["距離", "住民の割合", "65歳以上の割合"], rows, [50, 40, 40])
        pdf.ln(2)
        table(["事務所", "最寄りとする住民", "うち65歳以上"],
              [[c.site.name, f"{suppress(c.total) or '秘匿'}", f"{suppress(c.elderly) or '秘匿'}"]
               for c in coverage.catchments], [60, 40, 40])
        far = sorted(coverage.rows, key=lambda r: -r.distance_km)[:5]
        pdf.set_x(15)
        pdf.multi_cell(180, 5, "最寄りの事務所から最も遠い町丁目: " + "、".join(
            f"{r.town.label}（{r.distance_km:.1f}km）" for r in far), new_x="LMARGIN", new_y="NEXT")
    heading("2. 記録された待ち時間（番号札の発券から呼出まで、分）")
    table(["事務所", "番号札", "平均", "90%値", "最大", "30分超の時間帯", "60分超の時間帯"],
          [[code, str(suppress(int(r["tickets"])) or "秘匿"), f"{r['mean_wait']:.1f}", f"{r['p90_wait']:.1f}",
            f"{r['max_wait']:.0f}", str(int(r["hours_over_30"])), str(int(r["hours_over_60"]))]
           for code, r in sorted(recorded.items())], [36, 22, 20, 20, 20, 31, 31])
    heading("3. シミュレーション（保存された実行）")
    if run is None:
        pdf.set_x(15)
        pdf.cell(0, 6, "この期間の保存されたシミュレーションはありません。", new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.set_x(15)
        pdf.multi_cell(180, 5, f"{run.name}（実行番号 {run.pk}、乱数の種 {run.seed}）", new_x="LMARGIN", new_y="NEXT")
        offices = run.results.get("offices", [])
        table(["事務所", "平均", "90%値", "最大", "稼働率", "30分超", "60分超"],
              [[str(o["name"]), f"{o['mean_wait']:.1f}", f"{o['p90_wait']:.1f}", f"{o['max_wait']:.0f}",
                f"{100 * float(o['utilisation']):.0f}%", str(o["hours_over_30"]), str(o["hours_over_60"])]
               for o in offices], [50, 20, 20, 20, 22, 24, 24])
    pdf.set_xy(15, 280)
    pdf.set_font("mincho", size=7)
    pdf.cell(0, 4, "地図データ: 国土数値情報（行政区域データ）（国土交通省）、"
                   "「Geolonia 住所データ」CC BY 4.0 を加工して作成", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
