"""Reading an uploaded xlsx or csv sheet (任务清单, 落实情况表, 一表报送) into rows of cells, safely.

A sheet comes from outside: it may be broken, not a spreadsheet at all, a zip bomb, far
larger than any real 清单, or hold formulas whose text must not pass for data. So:

- an xlsx is opened as a zip first and its entries checked (total uncompressed size, and
  the compression ratio of the big ones) before openpyxl reads a byte of it; openpyxl
  parses its XML through defusedxml (entity expansion refused);
- rows and columns are capped (`SheetLimits`, from the service's settings): reading stops
  at the first row or column past the cap and the sheet is refused with the numbers;
- a formula cell is read as a `Formula`, never as its text nor as the value Excel cached
  (a stale cache, or none at all when a program wrote the file): the sheet readers report
  its row unreadable when the formula sits in a column they import (`formula_problem`);
- anything else a file can do wrong answers 422 with the reason, never 500.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sanwei_kit.errors import Invalid, TooLarge

# Entries smaller than this may compress as well as they like: they cannot hurt.
_RATIO_FLOOR_BYTES = 1024 * 1024

# Characters a worksheet cannot hold (XML 1.0 control characters; tab and line ends are fine).
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def writable_row(values: Iterable[object]) -> list[object]:
    """A row as a written sheet can hold it: control characters dropped from its text.

    Report text comes from forms and events; one stray control character in a unit's
    report must not make the whole 周报 or 报送表 export fail (openpyxl refuses it).
    """
    return [_UNWRITABLE.sub("", value) if isinstance(value, str) else value for value in values]


@dataclass(frozen=True)
class SheetLimits:
    max_rows: int = 10_000
    max_columns: int = 100
    max_uncompressed_bytes: int = 64 * 1024 * 1024
    max_compression_ratio: float = 100.0

    @classmethod
    def from_settings(cls, settings: Any) -> SheetLimits:
        return cls(max_rows=settings.sheet_max_rows, max_columns=settings.sheet_max_columns,
                   max_uncompressed_bytes=settings.sheet_max_uncompressed_bytes,
                   max_compression_ratio=settings.sheet_max_compression_ratio)


@dataclass(frozen=True)
class Formula:
    """A cell holding a formula (公式): shown by the sheet readers, never imported."""

    coordinate: str
    text: str

    def __str__(self) -> str:
        return self.text


def formula_problem(row: list[object], columns: Iterable[int] | None = None) -> str | None:
    """Why a row cannot be read when one of its cells (among `columns`, the ones imported) is a formula."""
    cells = row if columns is None else [row[c] for c in columns if c < len(row)]
    found = next((cell for cell in cells if isinstance(cell, Formula)), None)
    if found is None:
        return None
    return (f"formula in cell {found.coordinate} ({found.text[:80]}): formulas are not imported, "
            "enter the value itself (copy, paste values)")


def rows_from_file(filename: str, content: bytes, limits: SheetLimits | None = None) -> list[list[object]]:
    """The first sheet's rows (0-indexed, trailing empty cells dropped); formula cells as `Formula`."""
    limits = limits or SheetLimits()
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _xlsx_rows(content, limits)
    if name.endswith(".csv"):
        return _csv_rows(content, limits)
    raise Invalid(f"unsupported file type {filename!r}: send .xlsx or .csv", field="file")


def check_zip(content: bytes, limits: SheetLimits) -> None:
    """Refuse an xlsx that is no zip, no workbook, or would expand beyond the limits (a zip bomb)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise Invalid(f"not a readable xlsx file (not a zip archive: {exc}); an .xls or a password-protected "
                      "workbook must be saved as a plain .xlsx first", field="file") from exc
    with archive:
        entries = archive.infolist()
        names = {entry.filename for entry in entries}
        if "xl/workbook.xml" not in names:
            raise Invalid("not an xlsx workbook: the archive holds no xl/workbook.xml", field="file")
        total = sum(entry.file_size for entry in entries)
        if total > limits.max_uncompressed_bytes:
            raise TooLarge(f"the xlsx expands to {total} bytes; at most {limits.max_uncompressed_bytes} are read "
                           "(a zip bomb, or a sheet far larger than a task list)", field="file")
        for entry in entries:
            ratio = entry.file_size / max(entry.compress_size, 1)
            if entry.file_size >= _RATIO_FLOOR_BYTES and ratio > limits.max_compression_ratio:
                raise TooLarge(f"the xlsx entry {entry.filename} expands {ratio:.0f} times (at most "
                               f"{limits.max_compression_ratio:.0f}): refused as a zip bomb", field="file")


def _too_many_rows(limits: SheetLimits) -> TooLarge:
    return TooLarge(f"the sheet has more than {limits.max_rows} rows; at most {limits.max_rows} are read "
                    "(split it)", field="file")


def _too_many_columns(row_number: int, limits: SheetLimits) -> TooLarge:
    return TooLarge(f"row {row_number} has cells beyond column {limits.max_columns}; at most "
                    f"{limits.max_columns} columns are read", field="file")


def _trimmed(row: list[object]) -> list[object]:
    end = len(row)
    while end and row[end - 1] in (None, ""):
        end -= 1
    return row[:end]


def _xlsx_rows(content: bytes, limits: SheetLimits) -> list[list[object]]:
    import openpyxl
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    check_zip(content, limits)
    # Any failure inside openpyxl means a malformed file (its errors are of many types:
    # KeyError, IndexError, TypeError, XML parse errors, defusedxml refusals ...).
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as exc:
        raise Invalid(f"not a readable xlsx file: {type(exc).__name__}: {exc}", field="file") from exc
    try:
        if not workbook.worksheets:
            raise Invalid("the xlsx holds no worksheet", field="file")
        sheet = workbook.worksheets[0]
        rows: list[list[object]] = []
        # Explicit bounds: openpyxl pads every row to the widest (declared) column and
        # fills missing rows, so a cell at XFD1048576 must not make it build a million rows.
        for cells in sheet.iter_rows(max_row=limits.max_rows + 1, max_col=limits.max_columns + 1):
            if len(rows) == limits.max_rows:
                raise _too_many_rows(limits)
            row: list[object] = []
            for cell in cells:
                value = cell.value
                if cell.data_type == "f" or isinstance(value, ArrayFormula | DataTableFormula):
                    text = value.text if isinstance(value, ArrayFormula) else value
                    value = Formula(coordinate=cell.coordinate, text=text if isinstance(text, str) else "=TABLE(…)")
                row.append(value)
            if len(row) > limits.max_columns and row[limits.max_columns] not in (None, ""):
                raise _too_many_columns(len(rows) + 1, limits)
            rows.append(_trimmed(row[: limits.max_columns]))
        return rows
    except (Invalid, TooLarge):
        raise
    except Exception as exc:
        raise Invalid(f"not a readable xlsx file: {type(exc).__name__}: {exc}", field="file") from exc
    finally:
        workbook.close()


def _csv_rows(content: bytes, limits: SheetLimits) -> list[list[object]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Invalid("csv is neither UTF-8 nor GB18030 text", field="file")
    rows: list[list[object]] = []
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
            if number > limits.max_rows:
                raise _too_many_rows(limits)
            if len(cells) > limits.max_columns and any(c.strip() for c in cells[limits.max_columns:]):
                raise _too_many_columns(number, limits)
            # A csv has no formulas, but a cell written as one would become one again when the
            # text is exported to xlsx or opened in Excel (formula injection): treated alike.
            rows.append(_trimmed([
                Formula(coordinate=f"{_column_letter(col)}{number}", text=cell) if cell.startswith("=") else cell
                for col, cell in enumerate(cells[: limits.max_columns], start=1)
            ]))
    except csv.Error as exc:
        raise Invalid(f"not a readable csv file: {exc}", field="file") from exc
    return rows


def _column_letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column)
