"""What a unit sees (我的任务), and completion claims with evidence that never stop the deadline."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from sanwei_contracts import new_envelope
from sanwei_contracts.events.registry import TaskAssigned, TaskCompleted, TaskUpdated
from sanwei_kit.calendar import CHINA_TZ, WorkingCalendar, due_instant
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import service_harness
from sanwei_progress.domain.model import TrackedTask
from sanwei_progress.domain.views import (
    due_soon_until,
    is_due_soon,
    is_overdue,
    names_meaning,
    tasks_of_unit,
    week_of,
)

MONDAY = datetime(2026, 9, 28, 9, 0, tzinfo=CHINA_TZ)
UNIT = "区投促局"


@pytest.mark.unit
def test_due_soon_counts_working_days_over_national_day():
    # 9-29, 9-30, then 国庆 10-1…10-7, then 10-8, 10-9 and Sat 10-10 (a make-up working day)
    assert due_soon_until(WorkingCalendar(), MONDAY, 5) == date(2026, 10, 10)
    soon = TrackedTask(id="a", title="t", lead_unit=UNIT, deadline=date(2026, 10, 10),
                       due_at=due_instant(date(2026, 10, 10)))
    later = TrackedTask(id="b", title="t", lead_unit="区科技局", co_units=[UNIT], deadline=date(2026, 10, 12),
                        due_at=due_instant(date(2026, 10, 12)))
    assert is_due_soon(soon, MONDAY, date(2026, 10, 10)) and not is_due_soon(later, MONDAY, date(2026, 10, 10))
    assert is_overdue(soon, due_instant(date(2026, 10, 10))) and not is_overdue(soon, MONDAY)
    assert [(t.id, name) for t, name in tasks_of_unit("投促局", [soon, later])] == [("a", UNIT), ("b", UNIT)]
    assert week_of(date(2026, 10, 1)) == (date(2026, 9, 28), date(2026, 10, 4))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY)


async def _assign(h, clock, task_id: str, deadline: date | None, lead: str = UNIT, co_units=()) -> None:
    await h.publish(new_envelope(
        TaskAssigned(task_id=task_id, task_list_id="l1", task_list_title="2026年重点任务", seq=task_id[-1],
                     title=f"任务{task_id}", lead_unit=lead, co_units=list(co_units), deadline=deadline,
                     due_at=due_instant(deadline) if deadline else None),
        subject=f"task/{task_id}", case_id=task_id, time=clock.now()))


@pytest.mark.handler
async def test_a_unit_sees_its_tasks_by_view_with_counts(app, clock):
    async with service_harness(app) as h:
        await _assign(h, clock, "t1", date(2026, 9, 30))                                 # due soon
        await _assign(h, clock, "t2", date(2026, 10, 30), lead="区科技局", co_units=[UNIT])  # mine only
        await _assign(h, clock, "t3", date(2026, 9, 25))                                 # overdue
        await _assign(h, clock, "t4", date(2026, 9, 30), lead="区商务局")                  # not mine
        await _assign(h, clock, "t5", date(2026, 9, 30))                                 # completed
        await h.publish(new_envelope(TaskCompleted(task_id="t5", claim_id=None, completed_at=clock.now(), late=False),
                                     subject="task/t5", case_id="t5", time=clock.now()))
        await h.client.put("/task-lists/l1/cadence",
                           json={"cadence": "周", "due_working_days": 0, "set_by": "区政府督查室"})
        await h.client.post("/reports", json={"task_id": "t1", "unit": UNIT, "period": "2026-W40", "text": "推进中"})

        async def view(name: str) -> dict:
            response = await h.client.get(f"/units/{UNIT}/tasks", params={"view": name})
            assert response.status_code == 200, response.text
            return response.json()

        mine = await view("mine")
        assert mine["counts"] == {"mine": 3, "due_soon": 1, "overdue": 1, "owed_this_week": 2}
        assert mine["due_soon_until"] == "2026-10-10"
        assert [(t["id"], t["role"], t["light"]) for t in mine["tasks"]] == [
            ("t3", "lead", "red"), ("t1", "lead", "yellow"), ("t2", "co", "green")]
        assert [t["id"] for t in (await view("due_soon"))["tasks"]] == ["t1"]
        assert [t["id"] for t in (await view("overdue"))["tasks"]] == ["t3"]
        owed = (await view("owed_this_week"))["tasks"]
        assert [(t["id"], t["owed"]) for t in owed] == [
            ("t3", [{"period": "2026-W40", "due_on": "2026-10-04", "missed": False}]),
            ("t2", [{"period": "2026-W40", "due_on": "2026-10-04", "missed": False}])]
        assert (await h.client.get(f"/units/{UNIT}/tasks", params={"view": "later"})).status_code == 422

        # the week passes unreported: the misses stay owed, now marked missed
        clock.advance(timedelta(days=7))
        assert await h.fire_timers() == 1
        owed = (await view("owed_this_week"))
        assert {(t["id"], o["period"], o["missed"]) for t in owed["tasks"] for o in t["owed"]} >= {
            ("t3", "2026-W40", True), ("t2", "2026-W40", True)}


@pytest.mark.handler
async def test_a_claim_carries_its_evidence_and_a_sent_back_claim_keeps_the_deadline_running(app, clock):
    async with service_harness(app) as h:
        await _assign(h, clock, "t1", date(2026, 9, 30))
        claim = await h.client.post("/completion-claims", json={
            "task_id": "t1", "unit": UNIT, "text": "儒商总部大厦已开业。",
            "attachments": ["市中投促字〔2026〕8号", "验收报告.pdf", "验收报告.pdf"]})
        assert claim.status_code == 201, claim.text
        assert claim.json()["attachments"] == ["市中投促字〔2026〕8号", "验收报告.pdf"]
        claimed = await h.emitted("sanwei.progress.completion.v1.claimed")
        assert claimed[0]["data"]["attachments"] == ["市中投促字〔2026〕8号", "验收报告.pdf"]
        pending = (await h.client.get(f"/units/{UNIT}/tasks", params={"view": "due_soon"})).json()["tasks"]
        assert pending[0]["latest_claim"]["status"] == "pending"  # waiting does not stop the deadline
        await h.client.post(f"/completion-claims/{claim.json()['id']}/reject",
                            json={"rejected_by": "区政府督查室", "reason": "无入驻企业清单"})
        clock.advance(timedelta(days=3))  # 2026-10-01: the deadline 9-30 has passed
        overdue = (await h.client.get(f"/units/{UNIT}/tasks", params={"view": "overdue"})).json()["tasks"]
        assert [(t["id"], t["deadline"], t["light"]) for t in overdue] == [("t1", "2026-09-30", "red")]
        assert overdue[0]["latest_claim"]["rejection_reason"] == "无入驻企业清单"
        again = await h.client.post("/completion-claims", json={"task_id": "t1", "unit": UNIT, "text": "补齐清单",
                                                                "attachments": ["入驻企业清单.xlsx"]})
        assert again.status_code == 201
        empty_ref = await h.client.post("/completion-claims", json={"task_id": "t1", "unit": UNIT, "text": "x",
                                                                   "attachments": [""]})
        assert empty_ref.status_code == 422


@pytest.mark.unit
def test_a_unit_may_mean_its_own_name_and_the_names_it_is_shortened_or_prefixed_to():
    names = ["区发改局", "区投促局", "区科技局", "市中控股有限公司", "市投促局"]
    # Each name as if a task named it alone (the same without 区/市): which tasks are the unit's,
    # tasks_of_unit decides among these, task by task (a task naming both is ambiguous).
    assert names_meaning("区投促局", names) == ["区投促局", "市投促局"]
    assert names_meaning("投促局", names) == ["区投促局", "市投促局"]
    assert names_meaning("市中控股", names) == ["市中控股有限公司"]
    assert names_meaning("区统计局", names) == []


@pytest.mark.handler
async def test_a_units_view_reads_only_the_tasks_naming_it_and_follows_their_changes(app, clock, monkeypatch):
    """Not every open task of the district filtered in Python: those naming the unit, found by index."""
    from sanwei_progress.adapters.repository import ProgressRepository

    asked: list[list[str]] = []
    open_tasks = ProgressRepository.open_tasks

    async def spying(self, involving):  # type: ignore[no-untyped-def]
        asked.append(sorted(involving))
        return await open_tasks(self, involving)

    monkeypatch.setattr(ProgressRepository, "open_tasks", spying)
    async with service_harness(app) as h:
        await _assign(h, clock, "t1", date(2026, 10, 30))
        await _assign(h, clock, "t2", date(2026, 10, 30), lead="区科技局", co_units=["区 投促局"])
        await _assign(h, clock, "t3", date(2026, 10, 30), lead="区商务局")

        async def mine(unit: str) -> list[str]:
            response = await h.client.get(f"/units/{unit}/tasks")
            assert response.status_code == 200, response.text
            return [t["id"] for t in response.json()["tasks"]]

        assert await mine("投促局") == ["t1", "t2"]
        assert asked[-1] == ["区投促局"]
        # The registry announces t2's 配合单位 changed: it leaves 区投促局's view for 区商务局's.
        await h.publish(new_envelope(
            TaskUpdated(task_id="t2", seq="2", title="任务t2", lead_unit="区科技局", co_units=["区商务局"],
                        changed=["co_units"]),
            subject="task/t2", case_id="t2", time=clock.now()))
        assert await mine("区投促局") == ["t1"]
        assert await mine("区商务局") == ["t2", "t3"]
        assert asked[-1] == ["区商务局"]


@pytest.mark.handler
async def test_a_task_announced_to_an_older_pod_shows_in_the_units_view_once_the_repair_has_run(app, clock):
    from sqlalchemy import delete

    from sanwei_kit.unit_index import UnitIndexRepair
    from sanwei_progress.adapters.tables import task_units

    async with service_harness(app) as h:
        await _assign(h, clock, "t1", date(2026, 10, 30))
        async with h.runtime.db.transaction() as conn:
            await conn.execute(delete(task_units))  # as a pod of the version before the index left it
        assert (await h.client.get(f"/units/{UNIT}/tasks")).json()["tasks"] == []
        repair = next(task for task in h.runtime.background if isinstance(task, UnitIndexRepair))
        while await repair.sweep():
            pass
        assert [t["id"] for t in (await h.client.get(f"/units/{UNIT}/tasks")).json()["tasks"]] == ["t1"]


@pytest.mark.handler
async def test_a_units_view_reads_only_the_reports_that_may_answer_a_watched_period(app, clock, monkeypatch):
    """Not every report the unit ever made: those of the periods its task lists are watched for."""
    from sanwei_progress.adapters.repository import ProgressRepository

    asked: list[set[str]] = []
    reports_of_units = ProgressRepository.reports_of_units

    async def spying(self, units, periods):  # type: ignore[no-untyped-def]
        asked.append(set(periods))
        return await reports_of_units(self, units, periods)

    monkeypatch.setattr(ProgressRepository, "reports_of_units", spying)
    async with service_harness(app) as h:
        await _assign(h, clock, "t1", date(2026, 10, 30))
        await h.client.put("/task-lists/l1/cadence", json={"cadence": "周", "due_working_days": 0,
                                                          "set_by": "区政府督查室"})
        for period in ("2026-W39", "2026-W40"):
            await h.client.post("/reports", json={"task_id": "t1", "unit": UNIT, "period": period, "text": "推进中"})
        mine = (await h.client.get(f"/units/{UNIT}/tasks")).json()
        assert mine["counts"]["owed_this_week"] == 0  # this week's report is read: nothing owed
        assert asked == [{"2026-W40"}]
