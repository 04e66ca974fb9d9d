"""“最多报一次”: one sheet for many tasks, and one report answering every request of its period."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sanwei_contracts import new_envelope
from sanwei_contracts.events.registry import TaskAssigned
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import service_harness, xlsx_bytes
from sanwei_progress.domain.cadence import answering, answers
from sanwei_progress.domain.model import ProgressReport
from sanwei_progress.domain.upload import read_upload

LIST_ID = "list-2019"
SUBMITTED = "sanwei.progress.report.v1.submitted"
MISSED = "sanwei.progress.report.v1.missed"


@pytest.mark.unit
def test_the_upload_header_is_found_below_a_title_and_rows_are_read_with_their_numbers():
    rows = [["市中区投促局2019年6月进展报送表"], [], ["序号", "主要任务", "进展情况"],
            [1, "重点打造儒商总部大厦特色楼宇。", "区投促局:对楼宇信息全面掌握。"],
            [2.0, "重点打造国华时代广场特色楼宇。", ""],
            [None, "无序号", "有进展"],
            [None, None, None],
            ["3", "", "投促局：已赴北京开展招商推介。"]]
    read = read_upload(rows, "区投促局")
    assert read.header_row == 3
    assert [(r.row, r.seq, r.text) for r in read.rows] == [
        (4, "1", "对楼宇信息全面掌握。"), (8, "3", "已赴北京开展招商推介。")]
    assert read.errors == [(5, "the 进展情况 cell is empty"), (6, "no task: fill 任务ID or 序号")]
    assert read_upload([["a", "b"]], "区投促局").header_row is None


@pytest.mark.unit
def test_finer_reports_answer_a_coarser_period_and_the_exact_one_wins():
    at = datetime(2019, 7, 1, tzinfo=CHINA_TZ)
    assert answers("2019-06", "2019Q2") and answers("2019-06-D3", "2019-06") and answers("2019Q2", "2019Q2")
    assert not answers("2019Q2", "2019-06") and not answers("2019-07", "2019Q2")
    assert not answers("2019-W27", "2019Q2")  # 2019-07-01…07 lies outside the quarter

    def report(period: str, minutes: int, unit: str = "区投促局") -> ProgressReport:
        return ProgressReport(id=period, task_id="t", unit=unit, period=period, text=period,
                              submitted_at=at + timedelta(minutes=minutes))

    assert [r.id for r in answering([report("2019-04", 0), report("2019-06", 2), report("2019-05", 3)],
                                    "2019Q2")] == ["2019-05"]  # the latest sent
    assert [r.id for r in answering([report("2019Q2", 0), report("2019-06", 2)], "2019Q2")] == ["2019Q2"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2019, 6, 20, 9, 0, tzinfo=CHINA_TZ))


async def _assign(h, clock, task_id: str, seq: str, lead: str = "区投促局", co_units=()) -> None:
    await h.publish(new_envelope(
        TaskAssigned(task_id=task_id, task_list_id=LIST_ID, task_list_title="2019年《政府工作报告》主要工作任务",
                     seq=seq, title=f"任务{seq}", lead_unit=lead, co_units=list(co_units)),
        subject=f"task/{task_id}", case_id=task_id, time=clock.now()))


async def _upload(h, content: bytes, name: str = "sheet.xlsx", **form):
    data = {"unit": "区投促局", "period": "2019Q2", "task_list_id": LIST_ID} | form
    return await h.client.post("/reports/upload", files={"file": (name, content)}, data=data)


@pytest.mark.handler
async def test_a_unit_uploads_one_sheet_once_with_dry_run_row_errors_and_idempotence(app, clock):
    async with service_harness(app) as h:
        await _assign(h, clock, "t1", "1")
        await _assign(h, clock, "t2", "2", co_units=["大观园街道办事处"])
        await _assign(h, clock, "t3", "3", lead="区商务局")
        sheet = xlsx_bytes([["区投促局 二季度进展"], ["序号", "主要任务", "进展情况"],
                           [1, "任务1", "区投促局:对楼宇信息全面掌握。"],
                           [2, "任务2", "已开始重点推介。"],
                           [3, "任务3", "不是本单位的任务。"],
                           [9, "任务9", "没有这个序号。"],
                           [2, "任务2", "同一任务又写一行。"],
                           [None, "任务4", "没有序号。"]])
        dry = await _upload(h, sheet, dry_run="true")
        assert dry.status_code == 200, dry.text
        body = dry.json()
        assert (body["dry_run"], body["header_row"], body["created"], body["unchanged"], body["errors"]) == (
            True, 2, 2, 0, 4)
        errors = {r["row"]: r["reason"] for r in body["rows"] if r["status"] == "error"}
        assert set(errors) == {5, 6, 7, 8}
        assert "区商务局" in errors[5] and "序号 9" in errors[6] and "row 4" in errors[7] and "序号" in errors[8]
        assert await h.emitted(SUBMITTED) == []
        assert (await h.client.get("/reports", params={"unit": "区投促局"})).json() == []

        done = (await _upload(h, sheet)).json()
        assert (done["created"], done["unchanged"], done["errors"]) == (2, 0, 4)
        texts = {r["task_id"]: r["text"] for r in (await h.client.get("/reports", params={"period": "2019Q2"})).json()}
        assert texts == {"t1": "对楼宇信息全面掌握。", "t2": "已开始重点推介。"}
        again = (await _upload(h, sheet)).json()
        assert (again["created"], again["unchanged"]) == (0, 2)
        assert len(await h.emitted(SUBMITTED)) == 2

        by_id = "任务ID,进展情况\nt1,对楼宇信息全面掌握。\nt2,改了说法。\n".encode("gb18030")
        csv_result = (await _upload(h, by_id, name="ids.csv", task_list_id="")).json()
        assert [r["status"] for r in csv_result["rows"]] == ["unchanged", "error"]
        assert "最多报一次" in csv_result["rows"][1]["reason"]
        bad = await _upload(h, b"not a sheet", name="x.xlsx")
        assert bad.status_code == 422
        no_header = await _upload(h, xlsx_bytes([["甲", "乙"]]))
        assert no_header.status_code == 422 and "header" in no_header.text


@pytest.mark.handler
async def test_monthly_reports_answer_the_quarterly_table_and_the_monthly_due_day(app, clock):
    async with service_harness(app) as h:
        await _assign(h, clock, "t1", "1", co_units=["大观园街道办事处"])
        await h.client.put(f"/task-lists/{LIST_ID}/cadence", json={"cadence": "月", "set_by": "区政府督查室"})
        for period, unit, text in (("2019-06-D2", "区投促局", "中旬：已对接。"),
                                   ("2019-06", "大观园街道办事处", "六月：已具备开业条件。")):
            clock.advance(timedelta(minutes=1))
            assert (await h.client.post("/reports", json={"task_id": "t1", "unit": unit, "period": period,
                                                          "text": text})).status_code == 201
        clock.advance(timedelta(days=20))
        assert await h.fire_timers() == 1
        assert await h.emitted(MISSED) == []  # the 旬 report answered the month
        table = (await h.client.get(f"/task-lists/{LIST_ID}/report-sheet",
                                    params={"period": "2019Q2", "format": "json"})).json()
        assert table["rows"][0]["progress_text"] == "区投促局:中旬：已对接。\n大观园街道办事处:六月：已具备开业条件。"
