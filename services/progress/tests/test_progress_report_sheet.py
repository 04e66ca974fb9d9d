"""The quarterly 落实情况表 round trip: the 2019 二季度 市中区 table, imported, reported, exported."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from sanwei_contracts import new_envelope
from sanwei_contracts.events.registry import TaskAssigned, TaskUpdated
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import service_harness
from sanwei_progress.domain.sheet import split_progress
from sanwei_registry.adapters.spreadsheet import rows_from_file
from sanwei_registry.domain.sheet import SheetRead, read_sheet

pytestmark = pytest.mark.handler

FIXTURE = Path(__file__).resolve().parents[3] / "src" / "sanwei" / "data" / "shizhong-2019q2.xlsx"
LIST_ID = "shizhong-2019"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2019, 7, 1, 9, 0, tzinfo=CHINA_TZ))


def _read(content: bytes) -> SheetRead:
    read = read_sheet(rows_from_file("sheet.xlsx", content))
    assert read.errors == []
    return read


def _merged_units(content: bytes) -> list[tuple[int, int]]:
    ws = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return sorted((r.min_row, r.max_row) for r in ws.merged_cells.ranges if r.min_col == 4)


async def _assign(h, clock, read: SheetRead) -> list[str]:
    ids = []
    for number, task in enumerate(read.tasks):
        task_id = f"t{number:03d}"
        await h.publish(new_envelope(
            TaskAssigned(task_id=task_id, task_list_id=LIST_ID, task_list_title="2019年《政府工作报告》主要工作任务",
                         seq=task.seq, title=task.title, lead_unit=task.lead_unit, co_units=task.co_units,
                         units_merged_above=task.inherited_units),
            subject=f"task/{task_id}", case_id=task_id, time=clock.now(),
        ))
        ids.append(task_id)
    return ids


async def test_importing_reporting_and_exporting_gives_back_the_same_table(app, clock):
    source = FIXTURE.read_bytes()
    original = _read(source)
    assert len(original.tasks) == 110
    async with service_harness(app) as h:
        ids = await _assign(h, clock, original)
        posted = unlisted = 0
        for task_id, task in zip(ids, original.tasks, strict=True):
            for line in split_progress(task.progress, task.units):
                clock.advance(timedelta(seconds=1))
                response = await h.client.post("/reports", json={
                    "task_id": task_id, "unit": line.unit, "period": "2019Q2", "text": line.text,
                    "unlisted": not line.listed})
                assert response.status_code == 201, (task.row, response.text)
                assert response.json()["listed"] is line.listed
                posted += 1
                unlisted += not line.listed
        assert unlisted > 0  # the table names units that are not a task's 责任单位

        response = await h.client.get(f"/task-lists/{LIST_ID}/report-sheet", params={"period": "2019q2"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == XLSX
        exported = _read(response.content)

        assert exported.title == original.title == "2019年第二季度《政府工作报告》主要工作任务落实情况表"
        assert [(t.seq, t.title) for t in exported.tasks] == [(t.seq, t.title) for t in original.tasks]
        assert [t.units for t in exported.tasks] == [t.units for t in original.tasks]
        assert [split_progress(t.progress, t.units) for t in exported.tasks] == [
            split_progress(t.progress, t.units) for t in original.tasks]
        # the 责任单位 cells are merged exactly as the source merged them
        assert _merged_units(response.content) == _merged_units(source) != []
        ws = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
        assert "A1:D1" in {str(r) for r in ws.merged_cells.ranges}
        assert [c.value for c in ws[2]] == ["序号", "主要任务", "进展情况", "责任单位"]
        assert ws["C3"].value.startswith("区投促局:对楼宇信息全面掌握")

        as_json = (await h.client.get(f"/task-lists/{LIST_ID}/report-sheet",
                                      params={"period": "2019Q2", "format": "json"})).json()
        assert as_json["reports"] == posted and len(as_json["rows"]) == 110
        assert len(await h.emitted("sanwei.progress.report.v1.submitted")) == posted


async def test_a_unit_name_as_the_table_writes_it_reports_under_the_tasks_spelling(app, clock):
    async with service_harness(app) as h:
        await h.publish(new_envelope(
            TaskAssigned(task_id="t1", task_list_id=LIST_ID, task_list_title="2019年重点任务", seq="1",
                         title="重点打造绿地科创大厦特色楼宇。", lead_unit="区科技局",
                         co_units=["区投促局", "十六里河街道办事处"]),
            subject="task/t1", case_id="t1", time=clock.now()))
        short = await h.client.post("/reports", json={"task_id": "t1", "unit": "投促局", "period": "2019Q2",
                                                      "text": "重点推介。"})
        assert short.status_code == 201 and short.json()["unit"] == "区投促局"
        refused = await h.client.post("/reports", json={"task_id": "t1", "unit": "区民政局", "period": "2019Q2",
                                                        "text": "协助。"})
        assert refused.status_code == 422
        unlisted = await h.client.post("/reports", json={"task_id": "t1", "unit": "区民政局", "period": "2019Q2",
                                                         "text": "协助。", "unlisted": True})
        assert unlisted.status_code == 201 and unlisted.json()["listed"] is False
        events = await h.emitted("sanwei.progress.report.v1.submitted")
        assert [e["data"]["listed"] for e in events] == [True, False]
        sheet = (await h.client.get(f"/task-lists/{LIST_ID}/report-sheet",
                                    params={"period": "2019Q2", "format": "json"})).json()
        assert sheet["title"] == "2019年第二季度重点任务落实情况表"
        assert sheet["rows"][0]["progress_text"] == "区投促局:重点推介。\n区民政局:协助。"
        assert sheet["rows"][0]["units"] == ["区科技局", "区投促局", "十六里河街道办事处"]
        other_quarter = (await h.client.get(f"/task-lists/{LIST_ID}/report-sheet",
                                            params={"period": "2019Q3", "format": "json"})).json()
        assert other_quarter["reports"] == 0 and other_quarter["rows"][0]["progress"] == []
        assert (await h.client.get("/task-lists/nope/report-sheet", params={"period": "2019Q2"})).status_code == 404
        bad = await h.client.get(f"/task-lists/{LIST_ID}/report-sheet", params={"period": "spring"})
        assert bad.status_code == 422


async def test_sub_tasks_are_not_rows_and_unflagged_runs_of_the_same_units_merge(app, clock):
    async with service_harness(app) as h:
        for task_id, seq, parent in (("a", "1", None), ("b", "2", None), ("a1", "1.1", "a")):
            await h.publish(new_envelope(
                TaskAssigned(task_id=task_id, task_list_id=LIST_ID, task_list_title="2026年重点任务", seq=seq,
                             title=f"任务{seq}", lead_unit="区住建局", parent_id=parent),
                subject=f"task/{task_id}", case_id=task_id, time=clock.now()))
        response = await h.client.get(f"/task-lists/{LIST_ID}/report-sheet", params={"period": "2026Q1"})
        rows = _read(response.content).tasks
        assert [t.seq for t in rows] == ["1", "2"]
        assert _merged_units(response.content) == [(3, 4)]



async def test_a_task_changed_at_its_source_shows_as_it_is_now(app, clock):
    async with service_harness(app) as h:
        await h.publish(new_envelope(
            TaskAssigned(task_id="t1", task_list_id=LIST_ID, task_list_title="2026年重点任务", seq="1",
                         title="升级经四路金街", lead_unit="区金融办"),
            subject="task/t1", case_id="t1", time=clock.now()))
        await h.publish(new_envelope(
            TaskUpdated(task_id="t1", seq="2", title="升级经四路“金街”。", lead_unit="区金融办",
                        co_units=["区投促局", "区金融办"], changed=["seq", "title", "co_units"]),
            subject="task/t1", case_id="t1", time=clock.now()))
        row = (await h.client.get(f"/task-lists/{LIST_ID}/report-sheet",
                                  params={"period": "2026Q1", "format": "json"})).json()["rows"][0]
        assert (row["seq"], row["title"], row["units"]) == ("2", "升级经四路“金街”。", ["区金融办", "区投促局"])
        co_unit = await h.client.post("/reports", json={"task_id": "t1", "unit": "投促局", "period": "2026Q1",
                                                        "text": "已对接。"})
        assert co_unit.status_code == 201 and co_unit.json()["listed"] is True
