"""Reading 进展情况 cells and laying out the 落实情况表: pure rules."""

from __future__ import annotations

import pytest

from sanwei_progress.domain.sheet import (
    ProgressLine,
    SheetReport,
    SheetTask,
    build_report_sheet,
    join_progress,
    match_unit,
    period_label,
    seq_key,
    sheet_title,
    split_progress,
)

pytestmark = pytest.mark.unit

UNITS = ["区投促局", "大观园街道办事处", "经开投", "市中控股有限公司"]


@pytest.mark.parametrize(("name", "expected"), [
    ("区投促局", "区投促局"),
    ("投促局", "区投促局"),
    ("区 投促局", "区投促局"),
    ("大观园街道办事处", "大观园街道办事处"),
    ("区经开投", "经开投"),
    ("市中控股", "市中控股有限公司"),
    ("区民政局", None),
    ("领仁路南段", None),
])
def test_unit_names_in_progress_lines_are_matched_to_the_task_units(name, expected):
    assert match_unit(name, UNITS) == expected


def test_a_cell_splits_into_one_paragraph_per_unit():
    cell = ("区投促局:对楼宇信息全面掌握。\n大观园街道办事处:目前项目竣工手续完备。\n"
            "领仁路南段:已完成招标。\n区民政局：协助摸底。")
    assert split_progress(cell, UNITS) == [
        ProgressLine("区投促局", "对楼宇信息全面掌握。"),
        # a heading that is not a unit continues the paragraph above
        ProgressLine("大观园街道办事处", "目前项目竣工手续完备。\n领仁路南段:已完成招标。"),
        # a unit the task does not list keeps its paragraph, flagged
        ProgressLine("区民政局", "协助摸底。", listed=False),
    ]


def test_a_cell_without_unit_names_is_the_lead_units():
    assert split_progress("完成92户征迁任务。\n正在推进。", UNITS) == [
        ProgressLine("区投促局", "完成92户征迁任务。\n正在推进。")]
    assert split_progress("", UNITS) == []


def test_joining_and_splitting_again_gives_the_same_paragraphs():
    lines = split_progress("区经开投:第一段\n续写\n投促局:第二段\n区民政局:第三段", UNITS)
    assert join_progress(lines) == "经开投:第一段\n续写\n区投促局:第二段\n区民政局:第三段"
    assert split_progress(join_progress(lines), UNITS) == lines


def test_a_unit_named_twice_gets_one_paragraph():
    assert split_progress("区投促局:甲\n经开投:乙\n区投促局:丙", UNITS) == [
        ProgressLine("区投促局", "甲\n丙"), ProgressLine("经开投", "乙")]


@pytest.mark.parametrize(("period", "label"), [
    ("2019Q2", ("2019", "第二季度")), ("2026H1", ("2026", "上半年")), ("2026-04", ("2026", "4月")),
    ("2026-W14", ("2026", "第14周")), ("2026", ("2026", "全年")),
])
def test_period_labels(period, label):
    assert period_label(period) == label


def test_the_title_says_the_period():
    assert sheet_title("2019年《政府工作报告》主要工作任务", "2019Q2") == (
        "2019年第二季度《政府工作报告》主要工作任务落实情况表")
    # a list imported from last quarter's table gets this quarter in its title
    assert sheet_title("2019年第二季度《政府工作报告》主要工作任务落实情况表", "2019Q3") == (
        "2019年第三季度《政府工作报告》主要工作任务落实情况表")
    assert sheet_title("重点任务", "2026Q1") == "2026年第一季度重点任务落实情况表"


def test_seq_order_is_natural():
    assert sorted(["10", "2", "3.1", None, "3"], key=lambda s: seq_key(s, "")) == ["2", "3", "3.1", "10", None]


def test_the_table_orders_rows_by_seq_and_merges_runs_of_the_same_units():
    tasks = [
        SheetTask("c", "3", "丙", ["区住建局"]),
        SheetTask("a", "1", "甲", ["区投促局", "大观园街道办事处"]),
        SheetTask("b", "2", "乙", ["区投促局", "大观园街道办事处"]),
        SheetTask("d", "4", "丁", ["区住建局"]),
        SheetTask("e", "5", "戊", ["区城管局"]),
    ]
    reports = [SheetReport("b", "大观园街道办事处", "二"), SheetReport("a", "区投促局", "一"),
               SheetReport("b", "区投促局", "三"), SheetReport("b", "区民政局", "四", listed=False)]
    sheet = build_report_sheet("表", "2019Q2", tasks, reports)
    assert [r.seq for r in sheet.rows] == ["1", "2", "3", "4", "5"]
    assert sheet.merged_units == [(0, 1), (2, 3)]
    assert sheet.rows[1].progress_text == "大观园街道办事处:二\n区投促局:三\n区民政局:四"
    assert sheet.rows[0].units_text == "区投促局、大观园街道办事处"
    assert sheet.rows[2].progress == [] and sheet.reports == 4


def test_the_source_grouping_is_kept_where_the_source_split_a_run_of_the_same_units():
    units = ["区自然资源局", "区房屋征收服务中心"]
    tasks = [SheetTask("a", "1", "甲", units, units_merged_above=False),
             SheetTask("b", "2", "乙", units, units_merged_above=True),
             SheetTask("c", "3", "丙", units, units_merged_above=False),  # the source started a new cell here
             SheetTask("d", "4", "丁", units, units_merged_above=True),
             SheetTask("e", "5", "戊", units, units_merged_above=False)]
    assert build_report_sheet("表", "2019Q2", tasks, []).merged_units == [(0, 1), (2, 3)]
