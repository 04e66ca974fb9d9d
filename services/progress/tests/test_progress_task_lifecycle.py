"""Progress follows the registry's task lifecycle: 挂起 stops 逾期未报, 恢复 and 延期 move the deadline."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from sanwei_contracts import new_envelope
from sanwei_contracts.events.registry import TaskAssigned, TaskExtensionApproved, TaskPaused, TaskResumed
from sanwei_kit.calendar import CHINA_TZ, due_instant
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import service_harness
from sanwei_progress.domain.cadence import missed_reports
from sanwei_progress.domain.model import TrackedTask

pytestmark = pytest.mark.handler

MISSED = "sanwei.progress.report.v1.missed"
LIST_ID = "list-2025"
LEAD = "区投促局"
START = datetime(2025, 3, 3, 9, 0, tzinfo=CHINA_TZ)  # a Monday


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


async def _send(h, clock, data, task_id: str) -> None:
    await h.publish(new_envelope(data, subject=f"task/{task_id}", case_id=task_id, time=clock.now()))


async def _assign(h, clock, task_id: str, deadline: date = date(2025, 3, 14)) -> None:
    await _send(h, clock, TaskAssigned(task_id=task_id, task_list_id=LIST_ID, task_list_title="2025年重点任务",
                                       seq=task_id[-1], title="重点打造儒商总部大厦特色楼宇。", lead_unit=LEAD,
                                       deadline=deadline, due_at=due_instant(deadline)), task_id)


async def _pause(h, clock, task_id: str, at: datetime | None = None) -> None:
    await _send(h, clock, TaskPaused(task_id=task_id, reason="等待市级规划批复", paused_at=at or clock.now(),
                                     working_days_left=5), task_id)


async def _resume(h, clock, task_id: str, deadline: date, at: datetime | None = None) -> None:
    await _send(h, clock, TaskResumed(task_id=task_id, resumed_at=at or clock.now(), deadline=deadline,
                                      due_at=due_instant(deadline), working_days_left=5), task_id)


async def _views(h, view: str) -> dict:
    answer = await h.client.get(f"/units/{LEAD}/tasks", params={"view": view})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_a_paused_task_owes_no_report_and_misses_again_once_resumed(app, clock):
    async with service_harness(app) as h:
        await _assign(h, clock, "t1")
        await _assign(h, clock, "t2")
        cadence = await h.client.put(f"/task-lists/{LIST_ID}/cadence",
                                     json={"cadence": "周", "due_working_days": 0, "set_by": "区政府督查室"})
        assert cadence.status_code == 200, cadence.text
        await _pause(h, clock, "t1")
        owed = await _views(h, "owed_this_week")
        assert [t["id"] for t in owed["tasks"]] == ["t2"]

        clock.advance(timedelta(days=6, hours=15))  # Monday 2025-03-10 00:00: week 10 is due
        assert await h.fire_timers() == 1
        missed = await h.emitted(MISSED)
        assert [(e["data"]["task_id"], e["data"]["period"]) for e in missed] == [("t2", "2025-W10")]

        await _resume(h, clock, "t1", date(2025, 3, 17))
        clock.advance(timedelta(days=7))  # week 11 is due: both tasks run again
        assert await h.fire_timers() == 1
        missed = await h.emitted(MISSED)
        assert sorted((e["data"]["task_id"], e["data"]["period"]) for e in missed) == [
            ("t1", "2025-W11"), ("t2", "2025-W10"), ("t2", "2025-W11")]
        counted = (await h.client.get(f"/units/{LEAD}/missed-reports")).json()
        assert counted["by_period"] == {"2025-W10": 1, "2025-W11": 2}


async def test_a_paused_task_is_neither_due_soon_nor_overdue_and_resuming_moves_its_deadline(app, clock):
    async with service_harness(app) as h:
        await _assign(h, clock, "t1", deadline=date(2025, 3, 5))
        await _pause(h, clock, "t1")
        clock.advance(timedelta(days=5))  # 2025-03-08: past the old deadline, but paused
        assert (await _views(h, "overdue"))["tasks"] == []
        assert (await _views(h, "due_soon"))["tasks"] == []
        assert [t["id"] for t in (await _views(h, "mine"))["tasks"]] == ["t1"]

        await _resume(h, clock, "t1", date(2025, 3, 12))
        task = (await h.client.get("/tasks/t1/progress")).json()["task"]
        assert task["deadline"] == "2025-03-12"
        assert [t["id"] for t in (await _views(h, "due_soon"))["tasks"]] == ["t1"]


async def test_pause_and_resume_arriving_out_of_order_leave_the_task_running(app, clock):
    async with service_harness(app) as h:
        await _assign(h, clock, "t1", deadline=date(2025, 3, 5))
        paused_at = clock.now()
        clock.advance(timedelta(hours=2))
        await _resume(h, clock, "t1", date(2025, 3, 7))  # the resume is delivered before the pause
        await _pause(h, clock, "t1", at=paused_at)
        await _pause(h, clock, "t1", at=paused_at)  # and redelivered
        clock.advance(timedelta(days=5))
        assert [t["id"] for t in (await _views(h, "overdue"))["tasks"]] == ["t1"]


async def test_an_approved_extension_moves_the_deadline_the_units_see(app, clock):
    async with service_harness(app) as h:
        await _assign(h, clock, "t1", deadline=date(2025, 3, 5))
        await _send(h, clock, TaskExtensionApproved(task_id="t1", extension_id="e1", approved_by="区政府督查室",
                                                    previous_deadline=date(2025, 3, 5), deadline=date(2025, 3, 28),
                                                    due_at=due_instant(date(2025, 3, 28))), "t1")
        assert (await h.client.get("/tasks/t1/progress")).json()["task"]["deadline"] == "2025-03-28"
        clock.advance(timedelta(days=5))  # past the old deadline
        assert (await _views(h, "overdue"))["tasks"] == []


def test_pause_state_follows_the_latest_instants_whatever_their_order():
    task = TrackedTask(id="t1", title="甲", lead_unit=LEAD)
    t0 = START
    assert task.pause(t0, "等待批复") and task.paused
    assert not task.pause(t0, "等待批复")  # a redelivery changes nothing
    assert task.resume(t0 + timedelta(days=1)) and not task.paused
    assert not task.pause(t0 - timedelta(days=1), "更早的挂起")  # an older pause arriving late
    assert not task.paused
    assert task.pause(t0 + timedelta(days=2), "再次挂起") and task.paused and task.pause_reason == "再次挂起"
    assert missed_reports([task], set(), "2025-W10") == []
