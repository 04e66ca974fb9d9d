"""Idempotent sheet import and OA push: the same thing twice creates nothing new."""

from __future__ import annotations

import io
from datetime import datetime
from importlib import resources
from pathlib import Path

import openpyxl
import pytest

from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import service_harness

pytestmark = pytest.mark.handler

DATA = Path(str(resources.files("sanwei") / "data"))
MONDAY = datetime(2026, 9, 28, 9, 0, tzinfo=CHINA_TZ)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY)


async def _import(client, content: bytes, name: str = "shizhong-2019q2.xlsx", **form) -> dict:
    response = await client.post("/task-lists/import", files={"file": (name, content, XLSX)}, data=form)
    assert response.status_code == 200, response.text
    return response.json()


async def test_reimporting_the_quarterly_sheet_changes_nothing(app):
    content = (DATA / "shizhong-2019q2.xlsx").read_bytes()
    async with service_harness(app) as h:
        first = await _import(h.client, content)
        assert (first["tasks_read"], first["rows_inheriting_units"], first["unreadable_rows"]) == (110, 20, [])
        assert first["outcome"]["list_created"] is True
        assert first["outcome"]["created"] == 110
        assert first["outcome"]["tasks"][0]["external_id"] == "序号:1"
        second = await _import(h.client, content)
        assert second["outcome"]["list_created"] is False
        assert (second["outcome"]["created"], second["outcome"]["updated"], second["outcome"]["unchanged"]) == (
            0, 0, 110)
        assert second["task_list"]["id"] == first["task_list"]["id"]
        assert [t["id"] for t in second["task_list"]["tasks"]] == [t["id"] for t in first["task_list"]["tasks"]]
        assert len(await h.emitted("sanwei.registry.task.v1.assigned")) == 110
        assert await h.emitted("sanwei.registry.task.v1.updated") == []
        assert len((await h.client.get("/task-lists")).json()) == 1
        assert len((await h.client.get("/tasks")).json()) == 110


async def test_a_changed_sheet_updates_the_changed_rows_and_adds_the_new_ones(app):
    workbook = openpyxl.load_workbook(DATA / "shizhong-2019q2.xlsx")
    sheet = workbook.worksheets[0]
    async with service_harness(app) as h:
        buffer = io.BytesIO()
        workbook.save(buffer)
        await _import(h.client, buffer.getvalue())
        assert sheet.cell(row=3, column=4).value.startswith("区投促局")
        sheet.cell(row=3, column=4).value = "区投促局、区发改局"
        last = sheet.max_row + 1
        sheet.cell(row=last, column=1).value = "111"
        sheet.cell(row=last, column=2).value = "新增任务：推进老旧小区改造。"
        sheet.cell(row=last, column=4).value = "区住建局"
        buffer = io.BytesIO()
        workbook.save(buffer)
        report = await _import(h.client, buffer.getvalue())
        outcome = report["outcome"]
        assert (outcome["created"], outcome["updated"], outcome["unchanged"]) == (1, 1, 110 - 1)
        updated = next(t for t in outcome["tasks"] if t["outcome"] == "updated")
        assert updated["external_id"] == "序号:1"
        assert updated["changes"] == [{"field": "co_units", "old": ["大观园街道办事处"], "new": ["区发改局"]}]
        events = await h.emitted("sanwei.registry.task.v1.updated")
        assert [e["data"]["changed"] for e in events] == [["co_units"]]
        assert len(await h.emitted("sanwei.registry.task.v1.assigned")) == 111


def _push(*tasks: dict, title: str = "2019年《政府工作报告》主要工作任务") -> dict:
    return {"title": title, "source": "区政府OA", "tasks": list(tasks)}


TASK_4 = {"external_id": "OA-4", "seq": "4", "title": "加快推进总部经济发展。", "lead_unit": "区投促局",
          "co_units": ["区发改局"], "deadline": "2026-10-30"}


async def test_the_same_oa_push_twice_creates_nothing_new(app):
    async with service_harness(app) as h:
        first = await h.client.put("/task-lists/external/OA-GZBG-2019", json=_push(TASK_4))
        assert first.status_code == 201, first.text
        again = await h.client.put("/task-lists/external/OA-GZBG-2019", json=_push(TASK_4))
        assert again.status_code == 200
        body = again.json()
        assert (body["created"], body["updated"], body["unchanged"]) == (0, 0, 1)
        assert body["tasks"][0]["task_id"] == first.json()["tasks"][0]["task_id"]
        assert len(await h.emitted("sanwei.registry.task.v1.assigned")) == 1
        assert len(await h.emitted("sanwei.registry.task.v1.deadline_set")) == 0


async def test_a_changed_push_updates_and_says_what_changed_and_rearms_the_deadline(app, clock):
    async with service_harness(app) as h:
        await h.client.put("/task-lists/external/OA-GZBG-2019", json=_push(TASK_4))
        changed = {**TASK_4, "lead_unit": "区发改局", "co_units": ["区投促局"], "deadline": "2026-11-13"}
        new = {"external_id": "OA-5", "title": "推进企业上云。", "lead_unit": "区工信局", "working_days": 5}
        response = await h.client.put("/task-lists/external/OA-GZBG-2019",
                                      json=_push(changed, new, title="2019年主要工作任务（修订）"))
        body = response.json()
        assert response.status_code == 200
        assert body["list_changes"] == [{"field": "title", "old": "2019年《政府工作报告》主要工作任务",
                                         "new": "2019年主要工作任务（修订）"}]
        assert [(t["external_id"], t["outcome"]) for t in body["tasks"]] == [("OA-4", "updated"), ("OA-5", "created")]
        assert {c["field"]: (c["old"], c["new"]) for c in body["tasks"][0]["changes"]} == {
            "lead_unit": ("区投促局", "区发改局"),
            "co_units": (["区发改局"], ["区投促局"]),
            "deadline": ("2026-10-30", "2026-11-13"),
        }
        deadline_set = await h.emitted("sanwei.registry.task.v1.deadline_set")
        assert [e["data"]["deadline"] for e in deadline_set] == ["2026-11-13"]
        # The old deadline's timer was replaced: nothing fires after 10-30, once after 11-13.
        clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=CHINA_TZ))
        await h.fire_timers()  # OA-5: 5 working days from 09-28 → Sat 10-10, a 调休 make-up day
        clock.set(datetime(2026, 11, 14, 0, 0, 1, tzinfo=CHINA_TZ))
        await h.fire_timers()
        assert await h.fire_timers() == 0
        overdue = await h.emitted("sanwei.registry.task.v1.overdue")
        assert [e["data"]["deadline"] for e in overdue] == ["2026-10-10", "2026-11-13"]


async def test_a_push_keeps_unmentioned_tasks_and_refuses_forbidden_changes(app, clock):
    async with service_harness(app) as h:
        other = {"external_id": "OA-6", "title": "改善营商环境。", "lead_unit": "区审批服务局", "deadline": "2026-09-30"}
        await h.client.put("/task-lists/external/L1", json=_push(TASK_4, other))
        clock.set(datetime(2026, 10, 8, 9, 0, tzinfo=CHINA_TZ))
        await h.fire_timers()  # OA-6 is overdue now
        late = {**other, "deadline": "2026-10-30"}
        response = await h.client.put("/task-lists/external/L1", json=_push(late))
        body = response.json()
        assert body["not_in_push"] == ["OA-4"]
        assert body["tasks"][0]["outcome"] == "refused"
        assert "already overdue" in body["tasks"][0]["reason"]
        assert body["task_list"]["task_count"] == 2
        task = (await h.client.get(f"/tasks/{body['tasks'][0]['task_id']}")).json()
        assert (task["status"], task["deadline"]) == ("overdue", "2026-09-30")


async def test_a_push_with_a_repeated_id_or_a_reserved_list_id_is_refused(app):
    async with service_harness(app) as h:
        response = await h.client.put("/task-lists/external/L1", json=_push(TASK_4, TASK_4))
        assert response.status_code == 422
        assert "OA-4" in response.json()["detail"]["reason"]
        response = await h.client.put("/task-lists/external/sheet:x", json=_push(TASK_4))
        assert response.status_code == 422
        assert (await h.client.get("/task-lists")).json() == []
