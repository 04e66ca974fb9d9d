"""督查周报 / 专报 as files: xlsx (openpyxl, with native bar charts) and PDF (fpdf2, with
matplotlib charts). Chinese text in the PDF needs a CJK font file on the machine, e.g.
Debian's fonts-wqy-microhei; nothing is downloaded."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from sanwei_kit.errors import Conflict
from sanwei_kit.spreadsheets import writable_row
from sanwei_supervision.domain.reports import (
    NOTICE_HEADERS,
    RANKING_HEADERS,
    ReportData,
    notice_row,
    ranking_rows,
)

#: Lines a PDF table cell shows at most: a row must fit on one page.
MAX_CELL_LINES = 12

#: Where Debian and most distributions put a CJK font (first found wins).
CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)


def find_cjk_font(configured: str | None) -> Path:
    candidates = [configured] if configured else list(CJK_FONT_CANDIDATES)
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise Conflict("no CJK font for the PDF: install fonts-wqy-microhei (or fonts-noto-cjk), "
                   "or set SANWEI_REPORT_FONT_PATH to a .ttf/.ttc file")


# --- xlsx --------------------------------------------------------------------------------
def to_xlsx(data: ReportData) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference

    book = Workbook()
    sheet = book.active
    sheet.title = "概况"
    sheet.append(writable_row([data.title]))
    sheet.append(writable_row([data.period_label]))
    sheet.append(writable_row([data.summary()]))
    sheet.append([])
    sheet.append(["逾期未整改（按单位）", "次数"])
    first = sheet.max_row + 1
    for unit, count in data.missed_per_unit:
        sheet.append(writable_row([unit, count]))
    if data.missed_per_unit:
        chart = BarChart()
        chart.title = "逾期未整改次数"
        chart.add_data(Reference(sheet, min_col=2, min_row=first - 1, max_row=sheet.max_row), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=sheet.max_row))
        sheet.add_chart(chart, "D5")

    for name, notices in (("本期下发", data.issued), ("逾期未整改", data.missed), ("整改中", data.still_open)):
        ledger = book.create_sheet(name)
        ledger.append(NOTICE_HEADERS)
        for n in notices:
            ledger.append(writable_row(notice_row(n)))

    for scheme, ranking in data.rankings:
        table = book.create_sheet(f"排名{len(book.sheetnames)}")
        table.append(writable_row([f"{scheme} {ranking.period.label}"]))
        table.append(RANKING_HEADERS)
        top = table.max_row + 1
        for row in ranking_rows(ranking):
            table.append(writable_row(row))
        chart = BarChart()
        chart.type = "bar"
        chart.title = f"{scheme} 得分"
        chart.add_data(Reference(table, min_col=3, min_row=top - 1, max_row=table.max_row), titles_from_data=True)
        chart.set_categories(Reference(table, min_col=2, min_row=top, max_row=table.max_row))
        table.add_chart(chart, "H2")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- charts and PDF -------------------------------------------------------------------------
def _bar_png(labels: list[str], values: list[float], title: str, font: Path) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    props = font_manager.FontProperties(fname=str(font))
    figure = Figure(figsize=(7, max(2.0, 0.35 * len(labels) + 1)), dpi=110)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))
    axes.barh(positions, values, color="#b03a2e")
    axes.set_yticks(positions, labels, fontproperties=props)
    axes.invert_yaxis()
    axes.set_title(title, fontproperties=props)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def to_pdf(data: ReportData, font: Path) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("cjk", fname=str(font))
    pdf.add_font("cjk", style="B", fname=str(font))  # table headings are bold: the same face
    pdf.set_auto_page_break(auto=True, margin=15)

    def heading(text: str) -> None:
        pdf.set_font("cjk", size=14)
        pdf.multi_cell(0, 9, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=10)

    def clipped(text: str, width: float) -> str:
        """At most MAX_CELL_LINES lines of `text` in a column `width` mm wide: fpdf2 cannot break a
        table row across pages, so one very long 问题 would fail the whole report (the xlsx keeps it whole)."""
        lines = pdf.multi_cell(width, 5, text, dry_run=True, output="LINES")
        assert isinstance(lines, list)  # output="LINES" answers the lines alone
        if len(lines) <= MAX_CELL_LINES:
            return text
        return "\n".join(lines[:MAX_CELL_LINES]).rstrip() + "…"

    def table(headers: list[str], rows: Sequence[Sequence[object]], widths: list[int]) -> None:
        # The table spans the page: each column's share of the printable width, less its padding.
        columns = [w * pdf.epw / sum(widths) - 2 for w in widths]
        with pdf.table(col_widths=widths, text_align="LEFT") as t:
            t.row([str(h) for h in headers])
            for row in rows:
                t.row([clipped(str(cell), width) for cell, width in zip(row, columns, strict=True)])

    pdf.add_page()
    pdf.set_font("cjk", size=18)
    pdf.multi_cell(0, 12, data.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    pdf.multi_cell(0, 7, data.period_label, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.multi_cell(0, 7, data.summary(), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    heading("一、逾期未整改情况")
    if data.missed_per_unit:
        units, counts = zip(*data.missed_per_unit, strict=True)
        png = _bar_png(list(units), [float(c) for c in counts], "逾期未整改次数（按单位）", font)
        pdf.image(io.BytesIO(png), w=170)
        table(NOTICE_HEADERS, [notice_row(n) for n in data.missed], [22, 28, 70, 16, 24, 20])
    else:
        pdf.multi_cell(0, 7, "本期无逾期未整改的督办事项。", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    heading("二、本期下发的督办通知书")
    if data.issued:
        table(NOTICE_HEADERS, [notice_row(n) for n in data.issued], [22, 28, 70, 16, 24, 20])
    else:
        pdf.multi_cell(0, 7, "本期未下发督办通知书。", new_x="LMARGIN", new_y="NEXT")
    for scheme, ranking in data.rankings:
        pdf.add_page()
        heading(f"模拟测评排名：{scheme}（{ranking.period.label}）")
        lines = ranking.lines
        png = _bar_png([line.unit for line in lines], [float(line.score) for line in lines], f"{scheme} 得分", font)
        pdf.image(io.BytesIO(png), w=170)
        table(RANKING_HEADERS, ranking_rows(ranking), [14, 46, 22, 22, 18, 40])
    return bytes(pdf.output())
