"""Operator corrections of the calendar: versioned, with a policy for running deadlines."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from sanwei_kit.auth import Role
from sanwei_kit.calendar import CHINA_TZ, WorkingCalendar, WorkingDayDeadline
from sanwei_kit.clock import FakeClock
from sanwei_kit.errors import Invalid
from sanwei_kit.testing import service_harness
from sanwei_registry.adapters.calendar_repository import CalendarRefresher
from sanwei_registry.domain.calendar import check_correction, corrected_calendar, recomputed
from sanwei_registry.domain.model import Task, TaskStatus

# A hypothetical correction: 2025-02-10 (Mon) made a day off.
OFF = {date(2025, 2, 10): False}


@pytest.mark.unit
def test_the_latest_version_of_a_year_wins_and_other_years_stay() -> None:
    cal = corrected_calendar({}, [(2025, OFF), (2025, {date(2025, 2, 11): False}), (2026, {date(2026, 1, 5): False})])
    assert cal.is_working_day(date(2025, 2, 10)) and not cal.is_working_day(date(2025, 2, 11))
    assert not cal.is_working_day(date(2026, 1, 5))
    with pytest.raises(Invalid, match="not in 2025"):
        check_correction(2025, {date(2026, 1, 1): False})


@pytest.mark.unit
def test_only_an_open_counted_deadline_is_recomputed() -> None:
    counted = WorkingDayDeadline.after_working_days(WorkingCalendar(), date(2025, 1, 24), 7)
    assert counted.day == date(2025, 2, 10)
    task = Task(id="t", task_list_id="l", title="t", lead_unit="u", deadline=counted)
    moved = recomputed(task, corrected_calendar({}, [(2025, OFF)]))
    assert moved is not None and moved.day == date(2025, 2, 11)
    assert recomputed(Task(id="d", task_list_id="l", title="t", lead_unit="u",
                           deadline=WorkingDayDeadline.on(date(2025, 2, 10))), corrected_calendar({}, [(2025, OFF)])) is None
    task.status = TaskStatus.PAUSED
    assert recomputed(task, corrected_calendar({}, [(2025, OFF)])) is None


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2025, 1, 24, 9, 0, tzinfo=CHINA_TZ))


async def _tasks(client) -> tuple[dict, dict]:
    body = {"title": "清单", "tasks": [
        {"title": "按工作日计", "lead_unit": "区民政局", "working_days": 7},
        {"title": "按日期计", "lead_unit": "区民政局", "deadline": "2025-02-10"},
    ]}
    counted, dated = (await client.post("/task-lists", json=body)).json()["tasks"]
    assert counted["deadline"] == dated["deadline"] == "2025-02-10"
    return counted, dated


@pytest.mark.handler
async def test_a_recompute_correction_moves_running_deadlines_records_them_and_rearms_once(app, clock):
    async with service_harness(app) as h:
        counted, dated = await _tasks(h.client)
        response = await h.client.post("/calendar/corrections", json={
            "year": 2025, "days": {"2025-02-10": False}, "reason": "运维校正（演示）", "by": "spoofed",
            "policy": "recompute"}, headers=h.as_(Role.ADMIN, subject="operator-1"))
        assert response.status_code == 201, response.text
        correction = response.json()
        assert (correction["version"], correction["corrected_by"], correction["policy"]) == (1, "operator-1", "recompute")
        assert correction["moved"] == [{"task_id": counted["id"], "old_deadline": "2025-02-10",
                                        "new_deadline": "2025-02-11"}]
        assert (await h.client.get(f"/tasks/{counted['id']}")).json()["deadline"] == "2025-02-11"
        assert (await h.client.get(f"/tasks/{dated['id']}")).json()["deadline"] == "2025-02-10"
        explained = (await h.client.get(f"/tasks/{counted['id']}/deadline/explain")).json()
        assert explained["history"][-1]["kind"] == "recomputed"
        assert any(s["day"] == "2025-02-10" and "operator correction" in s["reason"] for s in explained["skipped"])
        clock.set(datetime(2025, 2, 11, 0, 0, 1, tzinfo=CHINA_TZ))
        await h.fire_timers()
        overdue = await h.emitted("sanwei.registry.task.v1.overdue")
        assert [o["data"]["task_id"] for o in overdue] == [dated["id"]]  # the moved one's old timer is gone
        clock.set(datetime(2025, 2, 12, 0, 0, 1, tzinfo=CHINA_TZ))
        await h.fire_timers()
        assert [o["data"]["task_id"] for o in await h.emitted("sanwei.registry.task.v1.overdue")] == [
            dated["id"], counted["id"]]


@pytest.mark.handler
async def test_a_keep_correction_moves_nothing_and_explain_says_so(app):
    async with service_harness(app) as h:
        counted, _dated = await _tasks(h.client)
        correction = (await h.client.post("/calendar/corrections", json={
            "year": 2025, "days": {"2025-02-10": False}, "reason": "运维校正", "by": "operator-1",
            "policy": "keep"})).json()
        assert correction["moved"] == []
        explained = (await h.client.get(f"/tasks/{counted['id']}/deadline/explain")).json()
        assert explained["deadline"] == "2025-02-10"
        assert "2025-02-11" in explained["calendar_note"]
        bad = await h.client.post("/calendar/corrections", json={
            "year": 2025, "days": {"2026-01-01": False}, "reason": "x", "by": "o", "policy": "keep"})
        assert bad.status_code == 422
        assert [c["version"] for c in (await h.client.get("/calendar/corrections")).json()] == [1]


@pytest.mark.handler
async def test_another_replica_picks_up_the_correction(app):
    async with service_harness(app) as h:
        await h.client.post("/calendar/corrections", json={
            "year": 2025, "days": {"2025-02-10": False}, "reason": "运维校正", "by": "operator-1", "policy": "keep"})
        h.runtime.calendar = WorkingCalendar()  # as a replica that has not seen it yet
        assert h.runtime.calendar.is_working_day(date(2025, 2, 10))
        await CalendarRefresher(h.runtime, 30, {}).refresh()
        assert not h.runtime.calendar.is_working_day(date(2025, 2, 10))
