"""The quarterly 《主要工作任务落实情况表》: reading its 进展情况 cells and laying it out again.

The table (seed 002, 市中区 2019 二季度) has four columns, 序号 / 主要任务 / 进展情况 /
责任单位, under a title row. The 进展情况 cell holds one paragraph per reporting unit,
each starting with the unit's name and a colon (“区投促局:对楼宇信息全面掌握…”); a
paragraph may run over several lines, and some cells carry no unit name at all (the lead
unit wrote the whole cell). 责任单位 cells of consecutive rows with the same units are
merged into one.

Reading a cell (`split_progress`) gives one line per unit; laying out a period
(`build_report_sheet`) gives the rows back from the reports, so a table read this way,
reported and laid out again is the same table: the same rows, the same text per unit,
the same units per row. Pure functions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sanwei_kit.text import normalize_text, normalize_unit

# A paragraph's label: a short name before the first colon, full- or half-width.
_LABEL = re.compile(r"^\s*(?P<name>[^:：\n]{2,40}?)\s*[:：](?P<text>.*)$", re.DOTALL)
# How names of government units end; a label ending otherwise (“领仁路南段:”, “指挥平台建设方面:”)
# is a heading inside a unit's paragraph, not a unit.
_UNIT_ENDING = re.compile(
    r"(局|办|委|中心|院|会|队|大队|所|部|办事处|公司|集团|站|处|室|团|行|投|社|馆|科|组|政府|法院|检察院)$"
)
_LEVEL_PREFIXES = ("市中区", "区", "市")
LABEL_SEPARATOR = ":"  # as the published table writes it: “区投促局:…”
UNITS_SEPARATOR = "、"


@dataclass(frozen=True)
class ProgressLine:
    """One unit's paragraph of a 进展情况 cell.

    `listed` is False for a unit the cell names that is neither the task's lead unit nor
    one of its co-units (the published table has a few: a unit reporting on a task it
    helps with informally, or a name typed differently from the 责任单位 cell).
    """

    unit: str
    text: str
    listed: bool = True


def _bare(name: str) -> str:
    name = normalize_unit(name)
    for prefix in _LEVEL_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix) + 1:
            return name[len(prefix):]
    return name


def match_unit(name: str, units: Sequence[str]) -> str | None:
    """The unit of `units` that `name` means, or None.

    Same name once normalized; or the same without the level prefix (“区经开投” is
    经开投, “投促局” is 区投促局); or one a shortening of the other (“市中控股” is
    市中控股有限公司). A shortening must be unambiguous.
    """
    wanted = normalize_unit(name)
    if not wanted:
        return None
    normalized = [normalize_unit(u) for u in units]
    if wanted in normalized:
        return units[normalized.index(wanted)]
    bare = _bare(wanted)
    same = [u for u, n in zip(units, normalized, strict=True) if _bare(n) == bare]
    if len(same) == 1:
        return same[0]
    shortened = [u for u, n in zip(units, normalized, strict=True) if _shortening(wanted, n)]
    if len(shortened) == 1:
        return shortened[0]
    return None


def _shortening(a: str, b: str) -> bool:
    """One name starts the other, with at least four characters in common."""
    for x, y in ((a, b), (_bare(a), _bare(b))):
        short, long = sorted((x, y), key=len)
        if len(short) >= 4 and long.startswith(short):
            return True
    return False


def looks_like_unit(name: str) -> bool:
    return bool(_UNIT_ENDING.search(normalize_unit(name)))


def _label(line: str, units: Sequence[str]) -> tuple[str, bool, str] | None:
    """(unit, listed, rest of the line) when the line starts a unit's paragraph."""
    found = _LABEL.match(line)
    if not found:
        return None
    name = found["name"]
    matched = match_unit(name, units)
    if matched is not None:
        return matched, True, found["text"]
    if looks_like_unit(name):
        return normalize_unit(name), False, found["text"]
    return None


def split_progress(cell: str | None, units: Sequence[str]) -> list[ProgressLine]:
    """The paragraphs of a 进展情况 cell, one per unit, in the order the cell names them.

    `units` are the task's responsible units, the lead unit first. Lines before any
    unit's name belong to the lead unit; a unit named twice gets its paragraphs joined.
    """
    text = normalize_text(unicodedata.normalize("NFC", cell or ""))
    if not text or not units:
        return []
    order: list[str] = []
    paragraphs: dict[str, list[str]] = {}
    listed: dict[str, bool] = {}
    current = units[0]
    for line in text.split("\n"):
        labelled = _label(line, units)
        if labelled is not None:
            current, is_listed, line = labelled
            listed.setdefault(current, is_listed)
        elif current not in listed:
            listed[current] = True
        if current not in paragraphs:
            order.append(current)
            paragraphs[current] = []
        paragraphs[current].append(line)
    lines = []
    for unit in order:
        body = normalize_text("\n".join(paragraphs[unit]))
        if body:
            lines.append(ProgressLine(unit=unit, text=body, listed=listed[unit]))
    return lines


def join_progress(lines: Iterable[ProgressLine]) -> str:
    """The 进展情况 cell: one “unit:text” paragraph per unit."""
    return "\n".join(f"{line.unit}{LABEL_SEPARATOR}{line.text}" for line in lines)


# --- the table of a period ------------------------------------------------------------
_QUARTERS = "一二三四"
_TITLE_QUARTER = re.compile(r"第[一二三四]季度")
TABLE_SUFFIX = "落实情况表"
HEADER = ("序号", "主要任务", "进展情况", "责任单位")


def period_label(period: str) -> tuple[str, str]:
    """(year, the period as the title says it): 2019Q2 → (2019, 第二季度). `period` is normalized."""
    year, rest = period[:4], period[4:]
    if rest.startswith("Q"):
        return year, f"第{_QUARTERS[int(rest[1]) - 1]}季度"
    if rest.startswith("H"):
        return year, "上半年" if rest == "H1" else "下半年"
    if rest.startswith("-W"):
        return year, f"第{int(rest[2:])}周"
    if rest.startswith("-"):
        return year, f"{int(rest[1:])}月"
    return year, "全年"


def sheet_title(task_list_title: str, period: str) -> str:
    """“2019年《政府工作报告》主要工作任务” for 2019Q2 → “2019年第二季度《政府工作报告》主要工作任务落实情况表”.

    A list imported from such a table keeps its title with the quarter replaced.
    """
    year, label = period_label(period)
    title = _TITLE_QUARTER.sub("", normalize_text(task_list_title).removesuffix(TABLE_SUFFIX), count=1)
    if title.startswith(f"{year}年"):
        title = f"{year}年{label}{title.removeprefix(f'{year}年')}"
    else:
        title = f"{year}年{label}{title}"
    return title + TABLE_SUFFIX


@dataclass(frozen=True)
class SheetTask:
    """A task as the table needs it."""

    id: str
    seq: str | None
    title: str
    units: list[str]
    units_merged_above: bool | None = None  # as the source sheet had it, when the task came from one


@dataclass(frozen=True)
class SheetReport:
    task_id: str
    unit: str
    text: str
    listed: bool = True


@dataclass(frozen=True)
class SheetRow:
    task_id: str
    seq: str | None
    title: str
    progress: list[ProgressLine]
    units: list[str]

    @property
    def progress_text(self) -> str:
        return join_progress(self.progress)

    @property
    def units_text(self) -> str:
        return UNITS_SEPARATOR.join(self.units)


@dataclass(frozen=True)
class ReportSheet:
    title: str
    period: str
    rows: list[SheetRow] = field(default_factory=list)
    # (first, last) row indexes, 0-based, of each run of rows whose 责任单位 cell is merged.
    merged_units: list[tuple[int, int]] = field(default_factory=list)

    @property
    def reports(self) -> int:
        return sum(len(r.progress) for r in self.rows)


def seq_key(seq: str | None, title: str) -> tuple[int, tuple[int | str, ...], str]:
    """Natural order of 序号: 2 before 10, 3.1 after 3; tasks without one last."""
    if not seq:
        return 1, (), title
    parts = re.split(r"[.\-．、]", normalize_unit(seq))
    return 0, tuple(int(p) if p.isdigit() else p for p in parts), title


def build_report_sheet(title: str, period: str, tasks: Sequence[SheetTask],
                       reports: Sequence[SheetReport]) -> ReportSheet:
    """The table of a period: every task of the list in 序号 order, its reports in the order given.

    `reports` come in the order they were submitted; a task nobody reported on has an
    empty 进展情况 cell. Rows next to each other with the same units share one merged
    责任单位 cell, except where the source sheet did not merge them (`units_merged_above`
    False): then the table keeps the source's grouping.
    """
    by_task: dict[str, list[ProgressLine]] = {}
    for report in reports:
        by_task.setdefault(report.task_id, []).append(
            ProgressLine(unit=report.unit, text=report.text, listed=report.listed))
    ordered = sorted(tasks, key=lambda t: seq_key(t.seq, t.title))
    rows = [SheetRow(task_id=t.id, seq=t.seq, title=t.title, progress=by_task.get(t.id, []), units=list(t.units))
            for t in ordered]
    merged: list[tuple[int, int]] = []
    start = 0
    for index in range(1, len(rows) + 1):
        joins = index < len(rows) and rows[index].units == rows[index - 1].units and (
            ordered[index].units_merged_above is not False)
        if not joins:
            if index - 1 > start:
                merged.append((start, index - 1))
            start = index
    return ReportSheet(title=title, period=period, rows=rows, merged_units=merged)
