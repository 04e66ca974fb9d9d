"""Uploaded sheets are read safely: broken files, zip bombs, huge sheets and formulas are refused."""

from __future__ import annotations

import io
import random
import zipfile

import openpyxl
import pytest

from sanwei_kit.errors import Invalid, TooLarge
from sanwei_kit.spreadsheets import Formula, SheetLimits, formula_problem, rows_from_file
from sanwei_kit.testing import with_zip_entry, xlsx_bytes

pytestmark = pytest.mark.unit


def test_a_plain_sheet_reads_values_with_trailing_empty_cells_dropped():
    rows = rows_from_file("s.xlsx", xlsx_bytes([["序号", "主要任务", "责任单位", None], [1, "完善社会救助体系。", "区民政局"]]))
    assert rows == [["序号", "主要任务", "责任单位"], [1, "完善社会救助体系。", "区民政局"]]


def test_a_formula_cell_is_read_as_a_formula_never_as_its_text_or_cached_value():
    rows = rows_from_file("s.xlsx", xlsx_bytes([["序号", "主要任务"], ["=ROW()-1", '=CONCATENATE("完善","救助")']]))
    assert rows[1] == [Formula("A2", "=ROW()-1"), Formula("B2", '=CONCATENATE("完善","救助")')]
    problem = formula_problem(rows[1])
    assert problem is not None and problem.startswith("formula in cell A2 (=ROW()-1)")
    assert formula_problem(rows[1], columns=[1]).startswith("formula in cell B2")
    assert formula_problem(rows[1], columns=[5]) is None  # a formula in a column not imported is no problem
    assert formula_problem(rows[0]) is None


def test_a_csv_cell_written_as_a_formula_is_treated_as_one():
    rows = rows_from_file("s.csv", '主要任务,责任单位\n=HYPERLINK("http://x"),区民政局\n'.encode())
    assert rows[1] == [Formula("A2", '=HYPERLINK("http://x")'), "区民政局"]


@pytest.mark.parametrize(("name", "content", "match"), [
    ("x.xlsx", b"PK\x03\x04 broken", "not a zip archive"),
    ("x.xlsx", b"\xd0\xcf\x11\xe0 an old .xls", "not a zip archive"),
    ("x.pdf", b"%PDF", "unsupported file type"),
    ("x.csv", "序号\n".encode("utf-16"), "neither UTF-8 nor GB18030"),
    ("x.csv", b"a," + b"x" * 200_000 + b"\n", "not a readable csv file: field larger than field limit"),
])
def test_files_that_are_no_sheet_are_refused_with_a_reason(name, content, match):
    with pytest.raises(Invalid, match=match):
        rows_from_file(name, content)


def test_a_zip_that_is_no_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(Invalid, match="no xl/workbook.xml"):
        rows_from_file("x.xlsx", out.getvalue())


def test_a_workbook_with_a_broken_part_is_refused_not_crashed():
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes([["a"]]))) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info, b"<worksheet><sheetData><row" if info.filename.endswith("sheet1.xml") else data)
    with pytest.raises(Invalid, match="not a readable xlsx"):
        rows_from_file("x.xlsx", broken.getvalue())


def test_an_entry_expanding_too_many_times_is_refused_as_a_zip_bomb_before_openpyxl_reads_it():
    bomb = with_zip_entry(xlsx_bytes([["a"]]), "xl/media/image1.bin", b"\0" * (4 * 1024 * 1024))
    assert len(bomb) < 64 * 1024
    with pytest.raises(TooLarge, match=r"expands \d+ times \(at most 100\): refused as a zip bomb"):
        rows_from_file("x.xlsx", bomb)


def test_a_workbook_expanding_beyond_the_total_is_refused():
    incompressible = random.Random(7).randbytes(2 * 1024 * 1024)
    big = with_zip_entry(xlsx_bytes([["a"]]), "xl/media/image1.bin", incompressible)
    with pytest.raises(TooLarge, match=r"expands to \d+ bytes; at most 1048576"):
        rows_from_file("x.xlsx", big, SheetLimits(max_uncompressed_bytes=1024 * 1024))
    assert rows_from_file("x.xlsx", big) == [["a"]]


def test_rows_and_columns_past_the_caps_are_refused_with_the_numbers():
    limits = SheetLimits(max_rows=5, max_columns=3)
    assert len(rows_from_file("x.xlsx", xlsx_bytes([["a", "b", "c"]] * 5), limits)) == 5
    with pytest.raises(TooLarge, match="more than 5 rows; at most 5 are read"):
        rows_from_file("x.xlsx", xlsx_bytes([["a"]] * 6), limits)
    with pytest.raises(TooLarge, match="row 2 has cells beyond column 3"):
        rows_from_file("x.xlsx", xlsx_bytes([["a"], ["a", "b", "c", "d"]]), limits)
    with pytest.raises(TooLarge, match="more than 5 rows"):
        rows_from_file("x.csv", b"a\n" * 6, limits)
    with pytest.raises(TooLarge, match="row 1 has cells beyond column 3"):
        rows_from_file("x.csv", b"a,b,c,d\n", limits)


def test_a_single_far_away_cell_does_not_make_openpyxl_build_a_million_rows():
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "序号"
    workbook.active["XFD1048576"] = "far"
    out = io.BytesIO()
    workbook.save(out)
    with pytest.raises(TooLarge, match="more than 10000 rows"):
        rows_from_file("x.xlsx", out.getvalue())
