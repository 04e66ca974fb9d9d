"""Reading a task sheet (主要工作任务落实情况表) given as rows of cells.

The header row is found by its words, in any column order, below any title rows.
A row whose 责任单位 cell is empty inherits the units of the row above: that is what a
merged cell looks like once flattened, and how these sheets really come.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sanwei_kit.spreadsheets import formula_problem
from sanwei_kit.text import NAME_MAX_LENGTH
from sanwei_registry.domain.units import split_units

SEQ_MAX_LENGTH = 50  # tasks.seq

# Chinese headers as the sheets carry them; English ones as exports from other systems do.
HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "编号", "seq"),
    "title": ("主要任务", "工作任务", "任务内容", "重点任务", "任务", "task", "title"),
    "units": ("牵头单位及配合单位", "责任单位", "牵头单位", "责任部门", "units"),
    "deadline": ("完成时限", "时限", "完成时间", "deadline"),
    "progress": ("进展情况", "完成情况", "落实情况", "progress"),
}


@dataclass(frozen=True)
class SheetTask:
    row: int
    seq: str | None
    title: str
    units: list[str]
    progress: str | None = None
    deadline_text: str | None = None
    inherited_units: bool = False

    @property
    def lead_unit(self) -> str:
        return self.units[0]

    @property
    def co_units(self) -> list[str]:
        return self.units[1:]


@dataclass(frozen=True)
class RowError:
    row: int
    reason: str


@dataclass
class SheetRead:
    title: str | None
    header_row: int | None
    tasks: list[SheetTask] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _text(cell: object) -> str:
    return "" if cell is None else str(cell).strip()


def _find_header(rows: list[list[object]]) -> tuple[int, dict[str, int]] | None:
    for index, row in enumerate(rows[:20]):
        columns: dict[str, int] = {}
        for col, cell in enumerate(row):
            text = re.sub(r"\s+", "", _text(cell)).lower()
            for key, words in HEADER_WORDS.items():
                if key not in columns and any(text == w or text.startswith(w) for w in words):
                    columns[key] = col
                    break
        if "title" in columns and "units" in columns:
            return index, columns
    return None


def read_sheet(rows: list[list[object]]) -> SheetRead:
    """Rows are 0-indexed here; reported row numbers are 1-based, as a spreadsheet shows them."""
    found = _find_header(rows)
    if found is None:
        return SheetRead(
            title=None,
            header_row=None,
            errors=[RowError(0, "no header row with a task column (主要任务/工作任务) and a unit column (责任单位/牵头单位)")],
        )
    header_index, columns = found
    title = next((_text(r[0]) for r in rows[:header_index] if r and _text(r[0])), None)
    result = SheetRead(title=title, header_row=header_index + 1)
    previous_units: list[str] = []

    def cell(row: list[object], key: str) -> str:
        col = columns.get(key)
        return _text(row[col]) if col is not None and col < len(row) else ""

    for index in range(header_index + 1, len(rows)):
        row = rows[index]
        number = index + 1
        if not any(_text(c) for c in row):
            continue
        if (formula := formula_problem(row, columns.values())) is not None:
            result.errors.append(RowError(number, formula))
            continue
        task_title = cell(row, "title")
        if not task_title:
            result.errors.append(RowError(number, "the task cell (主要任务) is empty"))
            continue
        units_text = cell(row, "units")
        inherited = not units_text
        units = previous_units if inherited else split_units(units_text)
        if not units:
            result.errors.append(RowError(number, "no responsible unit (责任单位), and none above to inherit"))
            continue
        previous_units = units
        if problem := _too_long(units, cell(row, "seq")):
            result.errors.append(RowError(number, problem))
            continue
        result.tasks.append(
            SheetTask(
                row=number,
                seq=cell(row, "seq") or None,
                title=task_title,
                units=list(units),
                progress=cell(row, "progress") or None,
                deadline_text=cell(row, "deadline") or None,
                inherited_units=inherited,
            )
        )
    return result


def _too_long(units: list[str], seq: str) -> str | None:
    """Why a row's unit names or 序号 cannot be stored (a name or number that long is a misplaced cell)."""
    long_names = [u for u in units if len(u) > NAME_MAX_LENGTH]
    if long_names:
        return f"a unit name (责任单位) longer than {NAME_MAX_LENGTH} characters: {long_names[0][:20]}…"
    if len(seq) > SEQ_MAX_LENGTH:
        return f"the 序号 is longer than {SEQ_MAX_LENGTH} characters"
    return None


# Identity of an imported sheet, so that importing the same sheet again changes nothing.
# A task list from a sheet is known by its title (the title given, else the sheet's title
# row, else the file name); a task by its 序号 when the sheet numbers its rows uniquely,
# else by its row number. A re-import updates what changed and creates what is new.
SHEET_LIST_PREFIX = "sheet:"


def sheet_list_key(title: str) -> str:
    return SHEET_LIST_PREFIX + re.sub(r"\s+", "", title)


def sheet_task_keys(tasks: list[SheetTask]) -> list[str]:
    seqs = [t.seq for t in tasks]
    unique = all(seqs) and len(set(seqs)) == len(seqs)
    return [f"序号:{t.seq}" if unique else f"row:{t.row}" for t in tasks]
