"""Progress handlers and API on TestNatsBroker, with a fake clock."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest

from sanwei_contracts import new_envelope
from sanwei_contracts.events.registry import TaskAssigned, TaskCompleted, TaskDeadlineSet
from sanwei_kit.calendar import CHINA_TZ, due_instant
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import service_harness

pytestmark = pytest.mark.handler

MONDAY = datetime(2026, 9, 28, 9, 0, tzinfo=CHINA_TZ)
LEAD = "区投促局"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY)


async def _assign(h, clock, *, deadline: date | None = date(2026, 10, 9)) -> str:
    task_id = str(uuid.uuid4())
    await h.publish(new_envelope(
        TaskAssigned(task_id=task_id, task_list_id="l1", task_list_title="2026年重点任务", seq="1",
                     title="重点打造儒商总部大厦特色楼宇。", lead_unit=LEAD, co_units=["区科技局"],
                     deadline=deadline, due_at=due_instant(deadline) if deadline else None),
        subject=f"task/{task_id}", case_id=task_id, time=clock.now(),
    ))
    return task_id


async def _report(h, task_id, *, unit=LEAD, period="2026Q3", text="主体工程已完工。"):
    return await h.client.post("/reports", json={"task_id": task_id, "unit": unit, "period": period, "text": text})


async def test_a_report_is_recorded_once_per_period_and_emitted_once(app, clock):
    async with service_harness(app) as h:
        task_id = await _assign(h, clock)
        first = await _report(h, task_id)
        assert first.status_code == 201, first.text
        again = await _report(h, task_id, period="2026-q3")  # the same period, spelled differently
        assert again.status_code == 200
        assert again.json()["id"] == first.json()["id"]
        changed = await _report(h, task_id, text="主体工程已完工，正在内部装修。")
        assert changed.status_code == 409
        assert first.json()["id"] in changed.json()["detail"]["reason"]
        submitted = await h.emitted("sanwei.progress.report.v1.submitted")
        assert len(submitted) == 1
        assert submitted[0]["case_id"] == task_id
        assert submitted[0]["data"]["period"] == "2026Q3"
        listed = (await h.client.get("/reports", params={"task_id": task_id, "period": "2026Q3"})).json()
        assert [r["id"] for r in listed] == [first.json()["id"]]


async def test_a_unit_not_responsible_for_the_task_is_refused(app, clock):
    async with service_harness(app) as h:
        task_id = await _assign(h, clock)
        refused = await _report(h, task_id, unit="区民政局")
        assert refused.status_code == 422
        assert "区民政局" in refused.json()["detail"]["reason"]
        co_unit = await _report(h, task_id, unit="区科技局")
        assert co_unit.status_code == 201
        assert (await _report(h, str(uuid.uuid4()))).status_code == 404
        assert len(await h.emitted("sanwei.progress.report.v1.submitted")) == 1


async def test_claim_then_accept_emits_completion_accepted_for_the_registry(app, clock):
    async with service_harness(app) as h:
        task_id = await _assign(h, clock)
        claim = await h.client.post("/completion-claims", json={"task_id": task_id, "unit": LEAD, "text": "已完成"})
        assert claim.status_code == 201, claim.text
        claim_id = claim.json()["id"]
        second = await h.client.post("/completion-claims", json={"task_id": task_id, "unit": LEAD, "text": "已完成"})
        assert second.status_code == 409
        clock.advance(timedelta(hours=2))
        accepted = await h.client.post(f"/completion-claims/{claim_id}/accept", json={"accepted_by": "区政府督查室"})
        assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
        events = await h.emitted("sanwei.progress.completion.v1.accepted")
        assert len(events) == 1
        assert events[0]["case_id"] == task_id
        assert events[0]["data"] == {"claim_id": claim_id, "task_id": task_id, "unit": LEAD,
                                     "accepted_by": "区政府督查室", "accepted_at": events[0]["data"]["accepted_at"]}
        assert datetime.fromisoformat(events[0]["data"]["accepted_at"]) == MONDAY + timedelta(hours=2)
        twice = await h.client.post(f"/completion-claims/{claim_id}/accept", json={"accepted_by": "区政府督查室"})
        assert twice.status_code == 409
        assert len(await h.emitted("sanwei.progress.completion.v1.accepted")) == 1


async def test_only_the_lead_unit_claims(app, clock):
    async with service_harness(app) as h:
        task_id = await _assign(h, clock)
        refused = await h.client.post("/completion-claims",
                                      json={"task_id": task_id, "unit": "区科技局", "text": "已完成"})
        assert refused.status_code == 422
        assert LEAD in refused.json()["detail"]["reason"]
        assert await h.emitted("sanwei.progress.completion.v1.claimed") == []


async def test_a_rejected_claim_keeps_the_task_open_for_a_new_claim(app, clock):
    async with service_harness(app) as h:
        task_id = await _assign(h, clock)
        claim_id = (await h.client.post("/completion-claims",
                                        json={"task_id": task_id, "unit": LEAD, "text": "已完成"})).json()["id"]
        rejected = await h.client.post(f"/completion-claims/{claim_id}/reject",
                                       json={"rejected_by": "区政府督查室", "reason": "缺少验收材料"})
        assert rejected.status_code == 200 and rejected.json()["rejection_reason"] == "缺少验收材料"
        events = await h.emitted("sanwei.progress.completion.v1.rejected")
        assert [e["data"]["reason"] for e in events] == ["缺少验收材料"]
        clock.advance(timedelta(days=1))
        again = await h.client.post("/completion-claims", json={"task_id": task_id, "unit": LEAD, "text": "补齐"})
        assert again.status_code == 201
        progress = (await h.client.get(f"/tasks/{task_id}/progress")).json()
        assert [c["status"] for c in progress["claims"]] == ["rejected", "pending"]


async def test_registry_events_keep_the_task_read_model_current(app, clock):
    async with service_harness(app) as h:
        task_id = await _assign(h, clock)
        deadline_set = new_envelope(
            TaskDeadlineSet(task_id=task_id, deadline=date(2026, 10, 13), due_at=due_instant(date(2026, 10, 13)),
                            working_days=5, start=date(2026, 9, 30)),
            subject=f"task/{task_id}", case_id=task_id, time=clock.now() + timedelta(minutes=1),
        )
        await h.publish(deadline_set)
        completed = new_envelope(
            TaskCompleted(task_id=task_id, claim_id=None, completed_at=clock.now(), late=False),
            subject=f"task/{task_id}", case_id=task_id, time=clock.now() + timedelta(minutes=2),
        )
        await h.publish(completed)
        await h.publish(completed)  # a redelivery changes nothing
        task = (await h.client.get(f"/tasks/{task_id}/progress")).json()["task"]
        assert task["deadline"] == "2026-10-13"
        assert task["status"] == "completed" and task["completed_late"] is False
        claim = await h.client.post("/completion-claims", json={"task_id": task_id, "unit": LEAD, "text": "已完成"})
        assert claim.status_code == 409
        assert "completed" in claim.json()["detail"]["reason"]


async def test_unknown_claim_is_404(app):
    async with service_harness(app) as h:
        response = await h.client.get(f"/completion-claims/{uuid.uuid4()}")
        assert response.status_code == 404
