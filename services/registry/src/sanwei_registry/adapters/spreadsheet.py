"""Turning an uploaded xlsx or csv file into rows of cells for the sheet reader."""

from __future__ import annotations

import csv
import io

from sanwei_kit.errors import Invalid


def rows_from_file(filename: str, content: bytes) -> list[list[object]]:
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _xlsx_rows(content)
    if name.endswith(".csv"):
        return _csv_rows(content)
    raise Invalid(f"unsupported file type {filename!r}: send .xlsx or .csv", field="file")


def _xlsx_rows(content: bytes) -> list[list[object]]:
    from zipfile import BadZipFile

    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError) as exc:
        raise Invalid(f"not a readable xlsx file: {exc}", field="file") from exc
    try:
        sheet = workbook.worksheets[0]
        # Merged cells read as None below their top-left cell; the sheet reader inherits them.
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _csv_rows(content: bytes) -> list[list[object]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Invalid("csv is neither UTF-8 nor GB18030 text", field="file")
    return [list(row) for row in csv.reader(io.StringIO(text))]
