"""Input that could not be stored or exported is a 4xx with its reason, never a 500."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pytest

from sanwei_contracts import new_envelope
from sanwei_contracts.events.registry import TaskAssigned
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import build_test_app, service_harness
from sanwei_progress.adapters.tables import kit, metadata
from sanwei_progress.app import create_app
from sanwei_progress.settings import ProgressSettings

pytestmark = pytest.mark.handler

LIST_ID = "shizhong-2019"
INVESTMENT = "区投促局"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2019, 7, 1, 9, 0, tzinfo=CHINA_TZ))


@pytest.fixture
def app(tmp_path, clock):
    return build_test_app(create_app, ProgressSettings, metadata, kit, tmp_path, clock)


async def test_a_report_holding_control_characters_still_exports_to_the_sheet(app, clock):
    async with service_harness(app) as h:
        await h.publish(new_envelope(
            TaskAssigned(task_id="t1", task_list_id=LIST_ID, task_list_title="2019年《政府工作报告》主要工作任务",
                         seq="1", title="重点打造儒商总部大厦特色楼宇。", lead_unit=INVESTMENT, co_units=[]),
            subject="task/t1", case_id="t1", time=clock.now()))
        sent = await h.client.post("/reports", json={"task_id": "t1", "unit": INVESTMENT, "period": "2019Q2",
                                                     "text": "已完成\x03楼宇信息摸底。"})
        assert sent.status_code == 201, sent.text
        sheet = await h.client.get(f"/task-lists/{LIST_ID}/report-sheet", params={"period": "2019Q2"})
        assert sheet.status_code == 200, sheet.text
        cells = [c for row in openpyxl.load_workbook(io.BytesIO(sheet.content)).worksheets[0].iter_rows(
            values_only=True) for c in row if isinstance(c, str)]
        assert any("已完成楼宇信息摸底。" in c for c in cells)


async def test_a_report_deadline_past_a_year_of_working_days_is_refused(app):
    async with service_harness(app) as h:
        response = await h.client.put(f"/task-lists/{LIST_ID}/cadence",
                                      json={"cadence": "月", "set_by": "区政府督查室", "due_working_days": 2**31})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "due_working_days"]


async def test_a_huge_page_offset_is_refused(app):
    async with service_harness(app) as h:
        assert (await h.client.get("/reports", params={"offset": 2**63})).status_code == 422
