"""One unit's progress on several tasks in one sheet (“最多报一次”: upload once, not task by task).

The sheet has a header row (below any title rows) with a task column — 任务ID / task_id,
or 序号 / 编号 / seq within a task list — and a text column — 进展情况 / 落实情况 /
完成情况 / text; other columns (主要任务, 责任单位 …) are ignored. Each row below is one
report of the uploading unit for the upload's period. A 进展情况 cell copied from a
落实情况表 may start with the unit's own name (“区投促局:…”): that label is dropped.
Pure rules; reading xlsx/csv into rows is an adapter's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sanwei_kit.spreadsheets import formula_problem
from sanwei_kit.text import normalize_text, normalize_unit
from sanwei_progress.domain.sheet import match_unit

UPLOAD_HEADERS: dict[str, tuple[str, ...]] = {
    "task_id": ("任务id", "任务编码", "task_id", "taskid", "id"),
    "seq": ("序号", "编号", "任务序号", "seq"),
    "text": ("进展情况", "落实情况", "完成情况", "工作进展", "text", "progress"),
}
_LABEL = re.compile(r"^\s*(?P<name>[^:：\n]{2,40}?)\s*[:：](?P<text>.*)$", re.DOTALL)


@dataclass(frozen=True)
class UploadRow:
    row: int  # 1-based, as the spreadsheet shows it
    task_id: str | None
    seq: str | None
    text: str


@dataclass
class UploadRead:
    header_row: int | None
    rows: list[UploadRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _header(rows: list[list[object]]) -> tuple[int, dict[str, int]] | None:
    for index, row in enumerate(rows[:20]):
        columns: dict[str, int] = {}
        for col, value in enumerate(row):
            text = re.sub(r"\s+", "", _cell(value)).lower()
            for key, words in UPLOAD_HEADERS.items():
                if key not in columns and text in words:
                    columns[key] = col
                    break
        if "text" in columns and ("task_id" in columns or "seq" in columns):
            return index, columns
    return None


def own_text(unit: str, text: str) -> str:
    """The cell's text without a leading label naming the uploading unit itself."""
    found = _LABEL.match(text)
    if found and match_unit(found["name"], [unit]) is not None:
        return normalize_text(found["text"])
    return normalize_text(text)


def read_upload(rows: list[list[object]], unit: str) -> UploadRead:
    found = _header(rows)
    if found is None:
        return UploadRead(header_row=None, errors=[(
            0, "no header row with a task column (任务ID or 序号) and a text column (进展情况)")])
    header, columns = found
    read = UploadRead(header_row=header + 1)
    unit = normalize_unit(unit)

    def cell(row: list[object], key: str) -> str:
        col = columns.get(key)
        return _cell(row[col]) if col is not None and col < len(row) else ""

    for index in range(header + 1, len(rows)):
        row = rows[index]
        number = index + 1
        if not any(_cell(v) for v in row):
            continue
        if (formula := formula_problem(row, columns.values())) is not None:
            read.errors.append((number, formula))
            continue
        task_id, seq = cell(row, "task_id") or None, cell(row, "seq") or None
        text = own_text(unit, cell(row, "text"))
        if not task_id and not seq:
            read.errors.append((number, "no task: fill 任务ID or 序号"))
        elif not text:
            read.errors.append((number, "the 进展情况 cell is empty"))
        else:
            read.rows.append(UploadRow(row=number, task_id=task_id, seq=seq, text=text))
    return read
