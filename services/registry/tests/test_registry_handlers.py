"""Registry handlers and timers on TestNatsBroker, with a fake clock."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from sanwei_contracts import new_envelope
from sanwei_contracts.events.progress import CompletionAccepted
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import service_harness

pytestmark = pytest.mark.handler

MONDAY = datetime(2026, 9, 28, 9, 0, tzinfo=CHINA_TZ)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY)


async def _create_task(client, **task) -> dict:
    body = {"title": "清单", "tasks": [{"title": "重点打造儒商总部大厦特色楼宇。", "lead_unit": "区投促局", **task}]}
    response = await client.post("/task-lists", json=body)
    assert response.status_code == 201, response.text
    return response.json()["tasks"][0]


async def test_overdue_fires_once_after_the_deadline_in_working_days(app, clock):
    async with service_harness(app) as h:
        task = await _create_task(h.client, working_days=3)
        # Mon 09-28 + 3 working days skips the National Day holiday: 29, 30, then 10-08.
        assert task["deadline"] == "2026-10-08"
        clock.set(datetime(2026, 10, 8, 23, 59, tzinfo=CHINA_TZ))
        await h.fire_timers()  # the 红黄灯 warnings only
        assert await h.emitted("sanwei.registry.task.v1.overdue") == []
        clock.set(datetime(2026, 10, 9, 0, 0, 1, tzinfo=CHINA_TZ))
        assert await h.fire_timers() == 1
        assert await h.fire_timers() == 0
        overdue = await h.emitted("sanwei.registry.task.v1.overdue")
        assert len(overdue) == 1
        assert overdue[0]["case_id"] == task["id"]
        assert overdue[0]["data"]["lead_unit"] == "区投促局"
        assert (await h.client.get(f"/tasks/{task['id']}")).json()["status"] == "overdue"


async def test_deadlines_passing_together_make_each_task_overdue_then_reminded_once(app, clock):
    async with service_harness(app) as h:
        body = {"title": "第二季度清单", "tasks": [
            {"title": f"任务{n}", "lead_unit": unit, "deadline": "2026-09-30"}
            for n, unit in enumerate(["区投促局", "区发改局", "区住建局"], start=1)
        ]}
        created = (await h.client.post("/task-lists", json=body)).json()["tasks"]
        # Task (case) ids are time-ordered UUIDv7s, in the order the tasks were made: the burst's rows
        # land next to each other in every index keyed by them.
        task_ids = [uuid.UUID(t["id"]) for t in created]
        assert [i.version for i in task_ids] == [7, 7, 7] and task_ids == sorted(task_ids)
        clock.set(datetime(2026, 10, 1, 0, 0, 1, tzinfo=CHINA_TZ))
        await h.fire_timers()  # one run of three task.due timers: the bulk form
        overdue = await h.emitted("sanwei.registry.task.v1.overdue")
        assert [o["data"]["task_id"] for o in overdue] == [t["id"] for t in created]
        assert [o["data"]["lead_unit"] for o in overdue] == ["区投促局", "区发改局", "区住建局"]
        for task in created:
            assert (await h.client.get(f"/tasks/{task['id']}")).json()["status"] == "overdue"
        clock.set(datetime(2026, 10, 9, 18, 0, tzinfo=CHINA_TZ))  # past the 催办 of the first working day after
        await h.fire_timers()
        reminded = await h.emitted("sanwei.registry.task.v1.reminded")
        assert [r["data"]["task_id"] for r in reminded] == [t["id"] for t in created]
        assert await h.fire_timers() == 0
        assert len(await h.emitted("sanwei.registry.task.v1.overdue")) == 3


async def test_completion_accepted_completes_the_task_and_cancels_its_timer(app, clock):
    async with service_harness(app) as h:
        task = await _create_task(h.client, deadline="2026-09-30")
        accepted = new_envelope(
            CompletionAccepted(claim_id="c1", task_id=task["id"], unit="区投促局", accepted_by="区政府督查室",
                               accepted_at=clock.now()),
            subject="completion/c1", case_id=task["id"], time=clock.now(),
        )
        await h.publish(accepted)
        await h.publish(accepted)  # a redelivery changes nothing
        clock.advance(timedelta(days=10))
        assert await h.fire_timers() == 0
        completed = await h.emitted("sanwei.registry.task.v1.completed")
        assert len(completed) == 1
        assert completed[0]["data"]["late"] is False
        assert completed[0]["causation_id"] == str(accepted.id)
        assert await h.emitted("sanwei.registry.task.v1.overdue") == []


async def test_invalid_event_goes_to_dead_letters_with_its_reason(app):
    async with service_harness(app) as h:
        await h.broker.publish(b'{"id": "not-a-uuid"}', subject="sanwei.progress.completion.v1.accepted",
                               stream="SANWEI_PROGRESS")
        letters = await h.dead_letters()
        assert len(letters) == 1
        assert "invalid event" in letters[0]["reason"]


async def test_deadline_in_the_past_is_refused_with_a_reason(app):
    async with service_harness(app) as h:
        task = await _create_task(h.client)
        response = await h.client.put(f"/tasks/{task['id']}/deadline", json={"deadline": "2026-01-05"})
        assert response.status_code == 422
        assert "past" in response.json()["detail"]["reason"]


async def test_unknown_task_is_404(app):
    async with service_harness(app) as h:
        response = await h.client.get(f"/tasks/{uuid.uuid4()}")
        assert response.status_code == 404




async def test_instants_read_back_as_the_instants_the_clock_gave(app, clock):
    # The clock runs in China time; the database stores UTC. Before UtcDateTime, SQLite kept the
    # China wall-clock time without its offset and it read back eight hours late.
    async with service_harness(app) as h:
        task = await _create_task(h.client, working_days=1)
        fired = datetime(2026, 9, 30, 0, 0, 1, tzinfo=CHINA_TZ)
        clock.set(fired)
        assert await h.fire_timers() == 2  # the red light at the start of 09-29, then the deadline
        stored = (await h.client.get(f"/tasks/{task['id']}")).json()
        assert datetime.fromisoformat(stored["overdue_at"]) == fired
        listed = (await h.client.get("/task-lists")).json()
        assert datetime.fromisoformat(listed[0]["created_at"]) == MONDAY


async def test_imported_tasks_say_which_units_cells_were_merged_with_the_row_above(app):
    from importlib import resources

    sheet = (resources.files("sanwei") / "data" / "shizhong-2019q2.xlsx").read_bytes()
    async with service_harness(app) as h:
        response = await h.client.post("/task-lists/import", files={"file": ("shizhong-2019q2.xlsx", sheet)})
        assert response.status_code == 200, response.text
        assigned = await h.emitted("sanwei.registry.task.v1.assigned")
        assert len(assigned) == 110
        assert sum(1 for e in assigned if e["data"]["units_merged_above"]) == 20
