"""Writing the 《主要工作任务落实情况表》 as an xlsx workbook, in the published table's shape.

Title row merged across the four columns, then 序号 / 主要任务 / 进展情况 / 责任单位,
one row per task, the 责任单位 cells of a run of rows with the same units merged (as the
市中区 2019 二季度 table has them), wrapped text, widths as in that table.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from sanwei_kit.spreadsheets import writable_row
from sanwei_progress.domain.sheet import HEADER, ReportSheet

_WIDTHS = {"A": 8, "B": 50, "C": 80, "D": 30}
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="center")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
FIRST_TASK_ROW = 3  # 1: title, 2: header


def _seq_cell(seq: str | None) -> int | str | None:
    return int(seq) if seq and seq.isdigit() else seq


def write_xlsx(sheet: ReportSheet) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.title = sheet.period
    ws.append(writable_row([sheet.title]))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = _CENTER
    ws.append(list(HEADER))
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = _CENTER
        cell.border = _BOX
    for row in sheet.rows:
        ws.append(writable_row([_seq_cell(row.seq), row.title, row.progress_text or None, row.units_text]))
        for cell in ws[ws.max_row]:
            cell.alignment = _CENTER if cell.column in (1, 4) else _WRAP
            cell.border = _BOX
    for first, last in sheet.merged_units:
        ws.merge_cells(start_row=FIRST_TASK_ROW + first, start_column=4,
                       end_row=FIRST_TASK_ROW + last, end_column=4)
    for column, width in _WIDTHS.items():
        ws.column_dimensions[column].width = width
    ws.freeze_panes = "A3"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
