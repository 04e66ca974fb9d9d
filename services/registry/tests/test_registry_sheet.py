"""Reading real task sheets: the 2019 Q2 市中区 落实情况表, as xlsx (merged cells) and csv."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from sanwei_kit.errors import Invalid
from sanwei_registry.adapters.spreadsheet import rows_from_file
from sanwei_registry.domain.sheet import read_sheet
from sanwei_registry.domain.units import split_units

pytestmark = pytest.mark.unit

DATA = Path(str(resources.files("sanwei") / "data"))


@pytest.mark.parametrize("name", ["shizhong-2019q2.xlsx", "shizhong-2019q2.csv"])
def test_the_quarterly_sheet_reads_completely(name: str) -> None:
    read = read_sheet(rows_from_file(name, (DATA / name).read_bytes()))
    assert len(read.tasks) == 110
    assert read.errors == []
    assert sum(1 for t in read.tasks if t.inherited_units) == 20
    first = read.tasks[0]
    assert (first.seq, first.lead_unit, first.co_units) == ("1", "区投促局", ["大观园街道办事处"])


def test_the_xlsx_title_row_and_header_are_found() -> None:
    read = read_sheet(rows_from_file("s.xlsx", (DATA / "shizhong-2019q2.xlsx").read_bytes()))
    assert read.title == "2019年第二季度《政府工作报告》主要工作任务落实情况表"
    assert read.header_row == 2


def test_a_merged_units_cell_is_inherited_by_the_rows_below() -> None:
    read = read_sheet(rows_from_file("s.xlsx", (DATA / "shizhong-2019q2.xlsx").read_bytes()))
    by_row = {t.row: t for t in read.tasks}
    # D12:D13 is merged in the sheet: row 13 has the units of row 12.
    assert by_row[13].inherited_units
    assert by_row[13].units == by_row[12].units


def test_later_units_in_a_cell_get_the_district_prefix() -> None:
    assert split_units("区科技局、投促局、十六里河街道办事处") == ["区科技局", "区投促局", "十六里河街道办事处"]
    assert split_units("区发改局，工信局; 各园区服务中心") == ["区发改局", "区工信局", "各园区服务中心"]
    assert split_units("  ") == []


def test_columns_in_any_order_below_title_rows() -> None:
    rows = [
        ["某某区2026年重点任务清单", None, None],
        [None, None, None],
        ["责任单位", "编号", "工作任务"],
        ["区民政局", "1", "推进养老服务体系建设"],
        [None, "2", "完善社会救助"],
        ["区民政局", "3", None],
    ]
    read = read_sheet(rows)
    assert read.header_row == 3
    assert [(t.seq, t.lead_unit) for t in read.tasks] == [("1", "区民政局"), ("2", "区民政局")]
    assert [(e.row, e.reason) for e in read.errors] == [(6, "the task cell (主要任务) is empty")]


def test_a_sheet_without_a_header_is_one_clear_error() -> None:
    read = read_sheet([["a", "b"], ["c", "d"]])
    assert read.tasks == []
    assert "no header row" in read.errors[0].reason


def test_a_broken_xlsx_is_refused_with_a_reason() -> None:
    with pytest.raises(Invalid, match="not a readable xlsx"):
        rows_from_file("broken.xlsx", b"PK\x03\x04 not really a zip")
    with pytest.raises(Invalid, match="unsupported file type"):
        rows_from_file("sheet.pdf", b"%PDF")
