"""挂起 and 延期: the arithmetic across the 2025 Spring Festival, and the HTTP flow."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from sanwei_kit.calendar import CHINA_TZ, WorkingCalendar, WorkingDayDeadline
from sanwei_kit.clock import FakeClock
from sanwei_kit.errors import Conflict, Invalid
from sanwei_kit.testing import service_harness
from sanwei_registry.domain.deadlines import check_extension_request, deadline_on_resume, working_days_left

CAL = WorkingCalendar()


@pytest.mark.unit
def test_a_pause_before_the_spring_festival_keeps_the_days_left_make_up_days_included() -> None:
    # Deadline Mon 2025-02-10. Paused Fri 01-24: left are 01-24, Sun 01-26 (调休上班), 01-27,
    # 02-05, 02-06, 02-07, Sat 02-08 (调休上班) and 02-10 — the festival 01-28…02-04 is not.
    assert working_days_left(CAL, date(2025, 1, 24), date(2025, 2, 10)) == 8
    # Resumed Mon 02-17: eight working days from the 18th → Thu 02-27.
    assert deadline_on_resume(CAL, date(2025, 2, 17), 8).day == date(2025, 2, 27)


@pytest.mark.unit
def test_resuming_inside_the_festival_counts_from_the_make_up_saturday() -> None:
    # Paused on its deadline day Fri 02-07, one day left; resumed the same day: the next working
    # day is the make-up Saturday 02-08.
    assert working_days_left(CAL, date(2025, 2, 7), date(2025, 2, 7)) == 1
    assert deadline_on_resume(CAL, date(2025, 2, 7), 1).day == date(2025, 2, 8)
    # Resumed on the last festival day: Wed 02-05 is the first day counted.
    assert deadline_on_resume(CAL, date(2025, 2, 4), 2).day == date(2025, 2, 6)
    # Nothing left (paused on a holiday after the deadline day's work): the resume day itself.
    assert working_days_left(CAL, date(2025, 1, 29), date(2025, 1, 29)) == 0
    assert deadline_on_resume(CAL, date(2025, 2, 5), 0).day == date(2025, 2, 5)


@pytest.mark.unit
def test_an_extension_must_come_before_the_deadline_for_a_later_day_one_at_a_time() -> None:
    current = WorkingDayDeadline.on(date(2025, 1, 27))
    before = datetime(2025, 1, 27, 23, 0, tzinfo=CHINA_TZ)
    check_extension_request(current, date(2025, 2, 10), before, True, False)
    with pytest.raises(Conflict, match="has passed"):
        check_extension_request(current, date(2025, 2, 10), datetime(2025, 1, 28, 0, 0, tzinfo=CHINA_TZ), True, False)
    with pytest.raises(Invalid, match="later than"):
        check_extension_request(current, date(2025, 1, 27), before, True, False)
    with pytest.raises(Conflict, match="already waiting"):
        check_extension_request(current, date(2025, 2, 10), before, True, True)
    with pytest.raises(Conflict, match="only an open task"):
        check_extension_request(current, date(2025, 2, 10), before, False, False)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2025, 1, 24, 9, 0, tzinfo=CHINA_TZ))


async def _task(client, **task) -> dict:
    body = {"title": "清单", "tasks": [{"title": "完善社会救助体系。", "lead_unit": "区民政局", **task}]}
    return (await client.post("/task-lists", json=body)).json()["tasks"][0]


@pytest.mark.handler
async def test_pause_stops_the_clock_and_resume_rearms_the_timer_once(app, clock):
    async with service_harness(app) as h:
        task = await _task(h.client, deadline="2025-02-10")
        paused = await h.client.post(f"/tasks/{task['id']}/pause", json={"reason": "待市级批复", "by": "区政府督查室"})
        assert paused.status_code == 200, paused.text
        assert (paused.json()["status"], paused.json()["paused_days_left"]) == ("paused", 8)
        assert (await h.client.post(f"/tasks/{task['id']}/pause", json={"reason": "again"})).status_code == 409
        clock.set(datetime(2025, 2, 11, 0, 0, 1, tzinfo=CHINA_TZ))
        assert await h.fire_timers() == 0  # paused: the old deadline does not fire
        clock.set(datetime(2025, 2, 17, 9, 0, tzinfo=CHINA_TZ))
        resumed = (await h.client.post(f"/tasks/{task['id']}/resume", json={})).json()
        assert (resumed["status"], resumed["deadline"]) == ("open", "2025-02-27")
        explained = (await h.client.get(f"/tasks/{task['id']}/deadline/explain")).json()
        assert [c["kind"] for c in explained["history"]] == ["set", "paused", "resumed"]
        assert explained["working_days"] == 8 and explained["start"] == "2025-02-17"
        clock.set(datetime(2025, 2, 28, 0, 0, 1, tzinfo=CHINA_TZ))
        await h.fire_timers()
        assert await h.fire_timers() == 0
        assert len(await h.emitted("sanwei.registry.task.v1.overdue")) == 1
        assert len(await h.emitted("sanwei.registry.task.v1.paused")) == 1
        assert (await h.emitted("sanwei.registry.task.v1.resumed"))[0]["data"]["deadline"] == "2025-02-27"


@pytest.mark.handler
async def test_an_approved_extension_moves_the_deadline_and_a_refused_one_keeps_it(app, clock):
    async with service_harness(app) as h:
        task = await _task(h.client, deadline="2025-01-27")
        asked = await h.client.post(f"/tasks/{task['id']}/extensions", json={
            "requested_by": "区民政局", "reason": "春节期间无法入户核查", "deadline": "2025-02-14"})
        assert asked.status_code == 201, asked.text
        again = await h.client.post(f"/tasks/{task['id']}/extensions", json={
            "requested_by": "区民政局", "reason": "再次申请", "deadline": "2025-02-20"})
        assert again.status_code == 409
        refused = await h.client.post(f"/tasks/{task['id']}/extensions/{asked.json()['id']}/refuse",
                                      json={"decided_by": "区政府督查室"})
        assert refused.status_code == 422  # a refusal needs a reason
        approved = await h.client.post(f"/tasks/{task['id']}/extensions/{asked.json()['id']}/approve",
                                       json={"decided_by": "区政府督查室"})
        assert approved.json()["status"] == "approved"
        assert (await h.client.get(f"/tasks/{task['id']}")).json()["deadline"] == "2025-02-14"
        twice = await h.client.post(f"/tasks/{task['id']}/extensions/{asked.json()['id']}/approve",
                                    json={"decided_by": "区政府督查室"})
        assert twice.status_code == 409

        second = (await h.client.post(f"/tasks/{task['id']}/extensions", json={
            "requested_by": "区民政局", "reason": "仍需时间", "deadline": "2025-02-28"})).json()
        await h.client.post(f"/tasks/{task['id']}/extensions/{second['id']}/refuse",
                            json={"decided_by": "区政府督查室", "reason": "理由不充分，按期完成"})
        assert (await h.client.get(f"/tasks/{task['id']}")).json()["deadline"] == "2025-02-14"

        clock.set(datetime(2025, 1, 28, 0, 0, 1, tzinfo=CHINA_TZ))
        await h.fire_timers()
        assert await h.emitted("sanwei.registry.task.v1.overdue") == []  # the old deadline's timer was replaced
        clock.set(datetime(2025, 2, 15, 0, 0, 1, tzinfo=CHINA_TZ))
        await h.fire_timers()
        assert len(await h.emitted("sanwei.registry.task.v1.overdue")) == 1
        late = await h.client.post(f"/tasks/{task['id']}/extensions", json={
            "requested_by": "区民政局", "reason": "逾期后申请", "deadline": "2025-03-14"})
        assert late.status_code == 409
        explained = (await h.client.get(f"/tasks/{task['id']}/deadline/explain")).json()
        assert [c["kind"] for c in explained["history"]] == ["set", "extended"]
        assert [e["status"] for e in explained["extensions"]] == ["approved", "refused"]
        types = [e["type"].rsplit(".", 1)[-1] for e in await h.emitted()]
        assert types.count("extension_requested") == 2
        assert types.count("extension_approved") == 1 and types.count("extension_refused") == 1
