"""Turning an uploaded xlsx or csv file into rows of cells."""

from __future__ import annotations

import csv
import io
from zipfile import BadZipFile

import openpyxl

from sanwei_kit.errors import Invalid


def rows_from_file(filename: str, content: bytes) -> list[list[object]]:
    name = filename.lower()
    if name.endswith(".xlsx"):
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (BadZipFile, KeyError, ValueError, OSError) as exc:
            raise Invalid(f"not a readable xlsx file: {exc}", field="file") from exc
        try:
            return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
        finally:
            workbook.close()
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return [list(row) for row in csv.reader(io.StringIO(content.decode(encoding)))]
            except UnicodeDecodeError:
                continue
        raise Invalid("csv is neither UTF-8 nor GB18030 text", field="file")
    raise Invalid(f"unsupported file type {filename!r}: send .xlsx or .csv", field="file")
