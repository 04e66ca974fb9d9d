"""层层分解: sub-tasks, and how a parent's status and deadline follow them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from sanwei_contracts import new_envelope
from sanwei_contracts.events.progress import CompletionAccepted
from sanwei_kit.calendar import CHINA_TZ, WorkingDayDeadline
from sanwei_kit.clock import FakeClock
from sanwei_kit.errors import Conflict, Invalid
from sanwei_kit.testing import service_harness
from sanwei_registry.domain.model import Task, TaskStatus, all_done, check_deadline_in_tree, sub_task_deadline

MONDAY = datetime(2026, 9, 28, 9, 0, tzinfo=CHINA_TZ)


def _task(status: TaskStatus = TaskStatus.OPEN, deadline: date | None = date(2026, 10, 30), **kw) -> Task:
    return Task(id=kw.pop("id", "p"), task_list_id="l", title="t", lead_unit="区投促局", status=status,
                deadline=WorkingDayDeadline.on(deadline) if deadline else None, **kw)


@pytest.mark.unit
def test_a_sub_task_takes_the_parents_deadline_and_may_not_be_later() -> None:
    parent = _task()
    assert sub_task_deadline(parent, None) == parent.deadline
    earlier = WorkingDayDeadline.on(date(2026, 10, 20))
    assert sub_task_deadline(parent, earlier) == earlier
    with pytest.raises(Invalid, match="may not be later"):
        sub_task_deadline(parent, WorkingDayDeadline.on(date(2026, 11, 2)))
    with pytest.raises(Conflict, match="completed"):
        sub_task_deadline(_task(TaskStatus.COMPLETED), None)
    assert sub_task_deadline(_task(deadline=None), earlier) == earlier


@pytest.mark.unit
def test_a_changed_deadline_stays_within_the_tree() -> None:
    parent, child = _task(), _task(id="c", deadline=date(2026, 10, 20))
    check_deadline_in_tree(WorkingDayDeadline.on(date(2026, 10, 30)), parent, [])
    with pytest.raises(Invalid, match="later than the parent"):
        check_deadline_in_tree(WorkingDayDeadline.on(date(2026, 11, 2)), parent, [])
    with pytest.raises(Invalid, match="earlier than a sub-task"):
        check_deadline_in_tree(WorkingDayDeadline.on(date(2026, 10, 19)), None, [child])


@pytest.mark.unit
def test_a_parent_is_done_only_when_every_child_is() -> None:
    done, open_ = _task(TaskStatus.COMPLETED, id="a"), _task(id="b")
    assert all_done([done, done])
    assert not all_done([done, open_])
    assert not all_done([])
    parent = _task()
    assert parent.follow_overdue_child(MONDAY) and parent.status is TaskStatus.OVERDUE
    assert not parent.follow_overdue_child(MONDAY)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY)


async def _parent(client, **task) -> dict:
    body = {"title": "清单", "tasks": [{"title": "加快推进总部经济发展。", "lead_unit": "区投促局", **task}]}
    return (await client.post("/task-lists", json=body)).json()["tasks"][0]


def _accepted(task_id: str, clock: FakeClock):
    return new_envelope(
        CompletionAccepted(claim_id=f"c-{task_id}", task_id=task_id, unit="科", accepted_by="区投促局",
                           accepted_at=clock.now()),
        subject=f"completion/c-{task_id}", case_id=task_id, time=clock.now(),
    )


@pytest.mark.handler
async def test_decompose_assigns_sub_tasks_and_the_parent_completes_with_the_last(app, clock):
    async with service_harness(app) as h:
        parent = await _parent(h.client, deadline="2026-10-30")
        response = await h.client.post(f"/tasks/{parent['id']}/sub-tasks", json={"tasks": [
            {"title": "拟定总部企业认定办法", "lead_unit": "区投促局政策法规科", "deadline": "2026-10-20"},
            {"title": "梳理总部企业清单", "lead_unit": "区投促局招商服务科"},
        ]})
        assert response.status_code == 201, response.text
        children = response.json()
        assert [c["deadline"] for c in children] == ["2026-10-20", "2026-10-30"]
        assert {c["parent_id"] for c in children} == {parent["id"]}
        listed = (await h.client.get(f"/tasks/{parent['id']}/sub-tasks")).json()
        assert [c["id"] for c in listed] == [c["id"] for c in children]
        decomposed = await h.emitted("sanwei.registry.task.v1.decomposed")
        assert decomposed[0]["data"]["units"] == ["区投促局政策法规科", "区投促局招商服务科"]
        assigned = await h.emitted("sanwei.registry.task.v1.assigned")
        assert [a["data"].get("parent_id") for a in assigned] == [None, parent["id"], parent["id"]]

        await h.publish(_accepted(children[0]["id"], clock))
        assert (await h.client.get(f"/tasks/{parent['id']}")).json()["status"] == "open"
        await h.publish(_accepted(children[1]["id"], clock))
        assert (await h.client.get(f"/tasks/{parent['id']}")).json()["status"] == "completed"
        completed = await h.emitted("sanwei.registry.task.v1.completed")
        assert [c["data"]["task_id"] for c in completed] == [children[0]["id"], children[1]["id"], parent["id"]]
        clock.advance(timedelta(days=60))
        assert await h.fire_timers() == 0  # every timer of the tree was cancelled


@pytest.mark.handler
async def test_a_parent_is_overdue_as_soon_as_a_sub_task_is_once(app, clock):
    async with service_harness(app) as h:
        parent = await _parent(h.client, deadline="2026-10-30")
        children = (await h.client.post(f"/tasks/{parent['id']}/sub-tasks", json={"tasks": [
            {"title": "甲", "lead_unit": "科甲", "deadline": "2026-09-30"},
            {"title": "乙", "lead_unit": "科乙", "deadline": "2026-09-30"},
        ]})).json()
        clock.set(datetime(2026, 10, 1, 0, 0, 1, tzinfo=CHINA_TZ))
        await h.fire_timers()
        overdue = await h.emitted("sanwei.registry.task.v1.overdue")
        assert sorted(o["data"]["task_id"] for o in overdue) == sorted([children[0]["id"], children[1]["id"],
                                                                        parent["id"]])
        clock.set(datetime(2026, 10, 31, 0, 0, 1, tzinfo=CHINA_TZ))
        await h.fire_timers()  # the parent's own timer finds it overdue already
        assert len(await h.emitted("sanwei.registry.task.v1.overdue")) == 3


@pytest.mark.handler
async def test_deadlines_outside_the_tree_are_refused_with_a_reason(app):
    async with service_harness(app) as h:
        parent = await _parent(h.client, deadline="2026-10-30")
        late = await h.client.post(f"/tasks/{parent['id']}/sub-tasks",
                                   json={"tasks": [{"title": "甲", "lead_unit": "科甲", "deadline": "2026-11-30"}]})
        assert late.status_code == 422 and "later than its parent" in late.json()["detail"]["reason"]
        child = (await h.client.post(f"/tasks/{parent['id']}/sub-tasks",
                                     json={"tasks": [{"title": "甲", "lead_unit": "科甲", "deadline": "2026-10-20"}]}
                                     )).json()[0]
        earlier = await h.client.put(f"/tasks/{parent['id']}/deadline", json={"deadline": "2026-10-16"})
        assert earlier.status_code == 422 and "earlier than a sub-task" in earlier.json()["detail"]["reason"]
        later = await h.client.put(f"/tasks/{child['id']}/deadline", json={"deadline": "2026-11-02"})
        assert later.status_code == 422 and "later than the parent" in later.json()["detail"]["reason"]
        assert (await h.client.post("/tasks/nope/sub-tasks", json={"tasks": [{"title": "x", "lead_unit": "y"}]}
                                    )).status_code == 404
