"""红黄灯 warnings and 催办 reminders: when the lights turn, and that each fires once."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from sanwei_kit.calendar import CHINA_TZ, WorkingCalendar
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import service_harness
from sanwei_registry.domain.deadlines import Light, light, reminder_day, yellow_day

CAL = WorkingCalendar()


@pytest.mark.unit
def test_yellow_turns_three_working_days_before_across_the_spring_festival() -> None:
    # Deadline Thu 2025-02-06: the three working days before it are 01-27, 02-05 and 02-06 itself
    # counted after the yellow day, so yellow starts on the make-up Sunday 01-26.
    assert yellow_day(CAL, date(2025, 2, 6), 3) == date(2025, 1, 26)
    assert light(CAL, date(2025, 1, 25), date(2025, 2, 6), overdue=False, active=True, yellow_days=3) is Light.GREEN
    assert light(CAL, date(2025, 1, 26), date(2025, 2, 6), overdue=False, active=True, yellow_days=3) is Light.YELLOW
    assert light(CAL, date(2025, 2, 6), date(2025, 2, 6), overdue=False, active=True, yellow_days=3) is Light.RED
    assert light(CAL, date(2025, 2, 7), date(2025, 2, 6), overdue=True, active=False, yellow_days=3) is Light.RED
    assert light(CAL, date(2025, 2, 1), date(2025, 2, 6), overdue=False, active=False, yellow_days=3) is None


@pytest.mark.unit
def test_the_reminder_goes_out_on_the_first_working_day_after_the_deadline() -> None:
    assert reminder_day(CAL, date(2025, 1, 27)) == date(2025, 2, 5)  # the festival 01-28…02-04 is skipped
    assert reminder_day(CAL, date(2025, 2, 7)) == date(2025, 2, 8)  # Sat 02-08 is a make-up working day
    assert reminder_day(CAL, date(2025, 2, 10)) == date(2025, 2, 11)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2025, 1, 20, 9, 0, tzinfo=CHINA_TZ))


async def _events(h, name: str) -> list[dict]:
    return await h.emitted(f"sanwei.registry.task.v1.{name}")


@pytest.mark.handler
async def test_yellow_red_overdue_and_reminder_each_fire_once_in_order(app, clock):
    async with service_harness(app) as h:
        body = {"title": "清单", "tasks": [{"title": "完善社会救助体系。", "lead_unit": "区民政局",
                                            "deadline": "2025-01-27"}]}
        task = (await h.client.post("/task-lists", json=body)).json()["tasks"][0]
        assert task["light"] == "green"
        clock.set(datetime(2025, 1, 22, 0, 0, 1, tzinfo=CHINA_TZ))  # 01-23, 01-24, 01-26, 01-27 left: still green
        await h.fire_timers()
        assert await _events(h, "deadline_warned") == []
        clock.set(datetime(2025, 1, 23, 0, 0, 1, tzinfo=CHINA_TZ))
        await h.fire_timers()
        warned = await _events(h, "deadline_warned")
        assert [(w["data"]["light"], w["data"]["working_days_left"]) for w in warned] == [("yellow", 3)]
        assert (await h.client.get(f"/tasks/{task['id']}")).json()["light"] == "yellow"
        clock.set(datetime(2025, 1, 27, 0, 0, 1, tzinfo=CHINA_TZ))
        await h.fire_timers()
        assert [w["data"]["light"] for w in await _events(h, "deadline_warned")] == ["yellow", "red"]
        clock.set(datetime(2025, 1, 28, 0, 0, 1, tzinfo=CHINA_TZ))
        await h.fire_timers()
        assert len(await _events(h, "overdue")) == 1
        assert await _events(h, "reminded") == []  # the festival: no 催办 before the next working day
        clock.set(datetime(2025, 2, 5, 9, 0, 1, tzinfo=CHINA_TZ))
        await h.fire_timers()
        assert await h.fire_timers() == 0
        reminded = await _events(h, "reminded")
        assert len(reminded) == 1 and reminded[0]["data"]["lead_unit"] == "区民政局"
        assert len(await _events(h, "deadline_warned")) == 2
        assert (await h.client.get(f"/tasks/{task['id']}")).json()["light"] == "red"


@pytest.mark.handler
async def test_an_extension_rearms_the_warnings_for_the_new_deadline_only(app, clock):
    async with service_harness(app) as h:
        body = {"title": "清单", "tasks": [{"title": "完善社会救助体系。", "lead_unit": "区民政局",
                                            "deadline": "2025-01-27"}]}
        task = (await h.client.post("/task-lists", json=body)).json()["tasks"][0]
        asked = (await h.client.post(f"/tasks/{task['id']}/extensions", json={
            "requested_by": "区民政局", "reason": "春节期间无法入户核查", "deadline": "2025-02-14"})).json()
        await h.client.post(f"/tasks/{task['id']}/extensions/{asked['id']}/approve", json={"decided_by": "督查室"})
        clock.set(datetime(2025, 1, 28, 0, 0, 1, tzinfo=CHINA_TZ))
        await h.fire_timers()
        assert await _events(h, "deadline_warned") == []  # the old deadline's lights were replaced
        clock.set(datetime(2025, 2, 17, 9, 0, 1, tzinfo=CHINA_TZ))
        await h.fire_timers()
        warned = await _events(h, "deadline_warned")
        assert [(w["data"]["light"], w["data"]["deadline"]) for w in warned] == [
            ("yellow", "2025-02-14"), ("red", "2025-02-14")]
        assert len(await _events(h, "overdue")) == 1 and len(await _events(h, "reminded")) == 1
