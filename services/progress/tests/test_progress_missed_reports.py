"""Cadences and report.missed through the API, the timer loop and TestNatsBroker."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sanwei_contracts import new_envelope
from sanwei_contracts.events.registry import TaskAssigned, TaskCompleted
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import service_harness

pytestmark = pytest.mark.handler

MISSED = "sanwei.progress.report.v1.missed"
LIST_ID = "list-2025"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2025, 1, 20, 9, 0, tzinfo=CHINA_TZ))


async def _assign(h, clock, task_id: str, lead: str = "区投促局", co_units=("大观园街道办事处",)) -> None:
    await h.publish(new_envelope(
        TaskAssigned(task_id=task_id, task_list_id=LIST_ID, task_list_title="2025年重点任务", seq=task_id[-1],
                     title="重点打造儒商总部大厦特色楼宇。", lead_unit=lead, co_units=list(co_units)),
        subject=f"task/{task_id}", case_id=task_id, time=clock.now()))


async def test_a_unit_without_a_report_by_the_due_day_has_missed_it_once(app, clock):
    async with service_harness(app) as h:
        await _assign(h, clock, "t1")
        await _assign(h, clock, "t2", lead="区商务局", co_units=())
        set_ = await h.client.put(f"/task-lists/{LIST_ID}/cadence",
                                  json={"cadence": "月", "due_working_days": 3, "set_by": "区政府督查室"})
        assert set_.status_code == 200, set_.text
        assert set_.json()["watched_period"] == "2025-01"
        assert set_.json()["watched_due_on"] == "2025-02-07"  # over 春节 2025
        assert set_.json()["cadence_name"] == "月调度"
        for task_id, unit in (("t1", "区投促局"), ("t2", "区商务局")):
            r = await h.client.post("/reports", json={"task_id": task_id, "unit": unit, "period": "2025-01",
                                                      "text": "按计划推进。"})
            assert r.status_code == 201
        clock.advance(timedelta(days=18, hours=14))  # 2025-02-07 23:00: still the due day
        assert await h.fire_timers() == 0
        clock.advance(timedelta(hours=1))  # 2025-02-08 00:00
        assert await h.fire_timers() == 1
        missed = await h.emitted(MISSED)
        assert [(e["data"]["task_id"], e["data"]["unit"], e["data"]["period"]) for e in missed] == [
            ("t1", "大观园街道办事处", "2025-01")]
        assert missed[0]["data"]["due_on"] == "2025-02-07" and missed[0]["data"]["cadence"] == "month"
        assert missed[0]["case_id"] == "t1"
        assert await h.fire_timers() == 0
        assert len(await h.emitted(MISSED)) == 1
        cadence = (await h.client.get(f"/task-lists/{LIST_ID}/cadence")).json()
        assert (cadence["watched_period"], cadence["watched_due_on"]) == ("2025-02", "2025-03-05")

        counted = (await h.client.get("/units/大观园街道办事处/missed-reports")).json()
        assert (counted["count"], counted["still_missing"], counted["by_period"]) == (1, 1, {"2025-01": 1})
        late = await h.client.post("/reports", json={"task_id": "t1", "unit": "大观园街道办事处", "period": "2025-01",
                                                     "text": "补报：已完成招商推介。"})
        assert late.status_code == 201
        counted = (await h.client.get("/units/大观园街道办事处/missed-reports")).json()
        assert (counted["count"], counted["still_missing"]) == (1, 0)
        assert counted["missed"][0]["reported_late_at"] is not None

        # February: t2 is completed meanwhile and owes nothing; t1's two units both miss
        await h.publish(new_envelope(TaskCompleted(task_id="t2", claim_id=None, completed_at=clock.now(), late=False),
                                     subject="task/t2", case_id="t2", time=clock.now()))
        clock.advance(timedelta(days=30))
        assert await h.fire_timers() == 1
        february = [(e["data"]["task_id"], e["data"]["unit"]) for e in await h.emitted(MISSED)
                    if e["data"]["period"] == "2025-02"]
        assert sorted(february) == [("t1", "区投促局"), ("t1", "大观园街道办事处")]
        counted = (await h.client.get("/units/大观园街道办事处/missed-reports")).json()
        assert counted["by_period"] == {"2025-01": 1, "2025-02": 1}


async def test_changing_the_cadence_re_arms_one_timer(app, clock):
    async with service_harness(app) as h:
        await _assign(h, clock, "t1")
        await h.client.put(f"/task-lists/{LIST_ID}/cadence", json={"cadence": "quarter", "set_by": "区政府督查室"})
        changed = await h.client.put(f"/task-lists/{LIST_ID}/cadence",
                                     json={"cadence": "week", "due_working_days": 1, "set_by": "区政府督查室"})
        assert changed.json()["watched_period"] == "2025-W04"
        assert changed.json()["watched_due_on"] == "2025-01-27"  # Monday after the week
        assert changed.json()["due_working_days"] == 1
        clock.advance(timedelta(days=100))  # past the quarter's due day too
        fired = 0
        while (n := await h.fire_timers()) > 0:
            fired += n
        periods = {e["data"]["period"] for e in await h.emitted(MISSED)}
        assert "2025Q1" not in periods  # the quarterly timer was cancelled
        assert "2025-W04" in periods and all(p.startswith("2025-W") for p in periods)
        per_key = [(e["data"]["unit"], e["data"]["period"]) for e in await h.emitted(MISSED)]
        assert len(per_key) == len(set(per_key))  # once per unit and period, also catching up


async def test_bad_cadence_input_is_refused_with_a_reason(app, clock):
    async with service_harness(app) as h:
        await _assign(h, clock, "t1")
        bad = await h.client.put(f"/task-lists/{LIST_ID}/cadence", json={"cadence": "每天", "set_by": "督查室"})
        assert bad.status_code == 422 and "cadence" in bad.text
        too_long = await h.client.put(f"/task-lists/{LIST_ID}/cadence",
                                      json={"cadence": "month", "due_working_days": 99, "set_by": "督查室"})
        assert too_long.status_code == 422
        unknown = await h.client.put("/task-lists/nope/cadence", json={"cadence": "month", "set_by": "督查室"})
        assert unknown.status_code == 404
        assert (await h.client.get(f"/task-lists/{LIST_ID}/cadence")).status_code == 404
        default = await h.client.put(f"/task-lists/{LIST_ID}/cadence", json={"cadence": "month", "set_by": "督查室"})
        assert default.json()["due_working_days"] == 3
        assert (await h.client.get("/units/区投促局/missed-reports")).json()["count"] == 0
