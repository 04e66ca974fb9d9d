"""Supervision handlers, timers and API on TestNatsBroker, with a fake clock."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest

from sanwei_contracts import new_envelope
from sanwei_contracts.events.registry import TaskOverdue
from sanwei_kit.calendar import CHINA_TZ, due_instant
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import build_test_app, service_harness
from sanwei_supervision.adapters.tables import kit, metadata
from sanwei_supervision.app import create_app
from sanwei_supervision.settings import SupervisionSettings

pytestmark = pytest.mark.handler

# Wednesday before the National Day holiday (10-01 … 10-07, make-up working day Sat 10-10).
EVE = datetime(2026, 9, 30, 9, 0, tzinfo=CHINA_TZ)
LEAD = "区投促局"
HQ = "市创城指挥部"
ISSUED = "sanwei.supervision.notice.v1.issued"
RECTIFIED = "sanwei.supervision.notice.v1.rectified"
UNRECTIFIED = "sanwei.supervision.notice.v1.unrectified"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(EVE)


def _app(tmp_path, clock, **settings):
    return build_test_app(create_app, SupervisionSettings, metadata, kit, tmp_path, clock, **settings)


@pytest.fixture
def app(tmp_path, clock):
    return _app(tmp_path, clock)


def _overdue(clock, task_id: str | None = None):
    task_id = task_id or str(uuid.uuid4())
    deadline = date(2026, 9, 29)
    return new_envelope(
        TaskOverdue(task_id=task_id, title="重点打造儒商总部大厦特色楼宇。", lead_unit=LEAD, co_units=["区科技局"],
                    deadline=deadline, due_at=due_instant(deadline)),
        subject=f"task/{task_id}", case_id=task_id, time=clock.now(), actor="system",
    )


async def _notice_for(h, clock) -> dict:
    overdue = _overdue(clock)
    await h.publish(overdue)
    notices = (await h.client.get("/notices", params={"task_id": overdue.data.task_id})).json()
    assert len(notices) == 1
    return notices[0]


async def _report(h, notice, *, unit=LEAD, text="已完成招商签约，整改到位。"):
    return await h.client.post(f"/notices/{notice['id']}/rectification-reports",
                               json={"unit": unit, "text": text, "evidence": ["签约仪式照片.jpg"]})


async def test_an_overdue_task_gets_exactly_one_numbered_notice(app, clock):
    async with service_harness(app) as h:
        overdue = _overdue(clock)
        await h.publish(overdue)
        await h.publish(overdue)  # redelivered
        await h.publish(_overdue(clock, overdue.data.task_id))  # announced again under a new event id
        issued = await h.emitted(ISSUED)
        assert len(issued) == 1
        event = issued[0]
        assert event["case_id"] == overdue.data.task_id
        assert event["causation_id"] == str(overdue.id)
        data = event["data"]
        assert data["number"] == "督〔2026〕1号"
        assert data["unit"] == LEAD and data["task_id"] == overdue.data.task_id
        assert data["problem"] == "《重点打造儒商总部大厦特色楼宇》逾期未完成（完成时限 2026年9月29日）"
        assert data["requirement"].startswith("请于5个工作日内整改到位并报送整改报告")
        assert data["level"] == "yellow"
        assert data["working_days"] == 5
        assert data["deadline"] == "2026-10-13"  # across National Day, with the make-up Saturday 10-10
        assert datetime.fromisoformat(data["due_at"]) == datetime(2026, 10, 14, tzinfo=CHINA_TZ)
        notices = (await h.client.get("/notices")).json()
        assert [n["number"] for n in notices] == ["督〔2026〕1号"]


async def test_overdue_tasks_that_waited_together_get_one_notice_each_numbered_in_their_order(app, clock):
    async with service_harness(app) as h:
        subscription = h.runtime.consumers[0].subscription
        first = _overdue(clock)
        await h.publish(first)  # issued earlier, alone: 督〔2026〕1号
        waiting = [_overdue(clock) for _ in range(4)]
        again = _overdue(clock, waiting[1].data.task_id)  # the same task announced twice in the burst
        async with h.runtime.db.transaction() as conn:
            await subscription.handle_many(conn, [*waiting[:2], again, _overdue(clock, first.data.task_id), *waiting[2:]])
        issued = await h.emitted(ISSUED)
        assert [e["data"]["task_id"] for e in issued] == [first.data.task_id, *[w.data.task_id for w in waiting]]
        assert [e["data"]["number"] for e in issued] == [f"督〔2026〕{i}号" for i in range(1, 6)]
        assert [e["causation_id"] for e in issued[1:]] == [str(w.id) for w in waiting]
        assert {e["data"]["deadline"] for e in issued} == {"2026-10-13"}
        # Each batch notice's 整改时限 timer is armed: it fires unrectified once, like a lone one's.
        clock.set(datetime(2026, 10, 14, 0, 1, tzinfo=CHINA_TZ))
        assert await h.fire_timers() == 5
        assert len(await h.emitted(UNRECTIFIED)) == 5
        numbers = [n["number"] for n in (await h.client.get("/notices", params={"limit": 100})).json()]
        assert sorted(numbers) == sorted(f"督〔2026〕{i}号" for i in range(1, 6))


async def test_an_accepted_report_rectifies_the_notice_and_its_deadline_never_fires(app, clock):
    async with service_harness(app) as h:
        notice = await _notice_for(h, clock)
        clock.set(datetime(2026, 10, 9, 10, 0, tzinfo=CHINA_TZ))
        report = await _report(h, notice)
        assert report.status_code == 201, report.text
        accepted = await h.client.post(
            f"/notices/{notice['id']}/rectification-reports/{report.json()['id']}/accept", json={"accepted_by": HQ})
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["status"] == "rectified"
        rectified = await h.emitted(RECTIFIED)
        assert len(rectified) == 1
        assert rectified[0]["case_id"] == notice["case_id"]
        assert rectified[0]["data"]["report_id"] == report.json()["id"]
        clock.set(datetime(2026, 10, 20, tzinfo=CHINA_TZ))
        assert await h.fire_timers() == 0
        assert await h.emitted(UNRECTIFIED) == []
        detail = (await h.client.get(f"/notices/{notice['id']}")).json()
        assert detail["status"] == "rectified" and detail["level"] == "yellow"
        assert [r["status"] for r in detail["reports"]] == ["accepted"]


async def test_a_returned_report_leaves_the_deadline_to_fire_unrectified_once(app, clock):
    async with service_harness(app) as h:
        notice = await _notice_for(h, clock)
        report_id = (await _report(h, notice)).json()["id"]
        returned = await h.client.post(f"/notices/{notice['id']}/rectification-reports/{report_id}/return",
                                       json={"returned_by": HQ, "reason": "缺少整改前后对比照片"})
        assert returned.status_code == 200 and returned.json()["status"] == "returned"
        returned_events = await h.emitted("sanwei.supervision.notice.v1.rectification_returned")
        assert [e["data"]["reason"] for e in returned_events] == ["缺少整改前后对比照片"]
        clock.set(datetime(2026, 10, 13, 23, 59, tzinfo=CHINA_TZ))
        assert await h.fire_timers() == 0
        clock.set(datetime(2026, 10, 14, 0, 0, 1, tzinfo=CHINA_TZ))
        assert await h.fire_timers() == 1
        assert await h.fire_timers() == 0
        unrectified = await h.emitted(UNRECTIFIED)
        assert len(unrectified) == 1
        assert unrectified[0]["case_id"] == notice["case_id"]
        assert unrectified[0]["data"]["level"] == "red"
        assert unrectified[0]["data"]["deadline"] == "2026-10-13"
        detail = (await h.client.get(f"/notices/{notice['id']}")).json()
        assert detail["status"] == "unrectified" and detail["level"] == "red"
        late = await _report(h, notice, text="迟交的整改报告")
        assert late.status_code == 409
        assert "has passed" in late.json()["detail"]["reason"]


async def test_only_the_addressee_answers_and_a_repeat_is_the_same_report(app, clock):
    async with service_harness(app) as h:
        notice = await _notice_for(h, clock)
        refused = await _report(h, notice, unit="区科技局")
        assert refused.status_code == 422
        assert LEAD in refused.json()["detail"]["reason"]
        first = await _report(h, notice)
        again = await _report(h, notice)
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json()["id"] == first.json()["id"]
        different = await _report(h, notice, text="另一份整改报告")
        assert different.status_code == 409
        submitted = await h.emitted("sanwei.supervision.notice.v1.rectification_submitted")
        assert len(submitted) == 1 and submitted[0]["data"]["evidence"] == ["签约仪式照片.jpg"]
        assert (await _report(h, {"id": str(uuid.uuid4())})).status_code == 404


async def test_the_hq_issues_notices_directly_numbered_per_year(app, clock):
    async with service_harness(app) as h:
        body = {"unit": "历下区", "problem": "泉城路沿线占道经营问题反复出现", "issued_by": HQ}
        first = await h.client.post("/notices", json=body)
        assert first.status_code == 201, first.text
        second = await h.client.post("/notices", json={**body, "working_days": 3})
        clock.set(datetime(2027, 1, 1, 0, 30, tzinfo=CHINA_TZ))
        next_year = await h.client.post("/notices", json=body)
        numbers = [r.json()["number"] for r in (first, second, next_year)]
        assert numbers == ["督〔2026〕1号", "督〔2026〕2号", "督〔2027〕1号"]
        assert first.json()["case_id"] != second.json()["case_id"]
        assert first.json()["task_id"] is None and first.json()["trigger"] == "direct"
        assert second.json()["deadline"] == "2026-10-10"  # 3 working days: 10-08, 10-09, 10-10 (调休 Saturday)
        issued = await h.emitted(ISSUED)
        # The authenticated caller (the harness's token) acted; the office stays on the notice as issued_by.
        assert [e["actor"] for e in issued] == ["tester"] * 3
        assert first.json()["issued_by"] == HQ
        assert [e["case_id"] for e in issued] == [r.json()["case_id"] for r in (first, second, next_year)]
        too_long = await h.client.post("/notices", json={**body, "working_days": 61})
        assert too_long.status_code == 422
        assert too_long.json()["detail"]["field"] == "working_days"


async def test_the_deadline_explains_the_days_it_counted_and_skipped(app, clock):
    async with service_harness(app) as h:
        notice = await _notice_for(h, clock)
        explained = (await h.client.get(f"/notices/{notice['id']}/deadline/explain")).json()
        assert explained["start"] == "2026-09-30"
        assert explained["working_days"] == 5
        assert explained["counted"] == ["2026-10-08", "2026-10-09", "2026-10-10", "2026-10-12", "2026-10-13"]
        assert [s["day"] for s in explained["skipped"]] == [f"2026-10-{d:02d}" for d in (1, 2, 3, 4, 5, 6, 7, 11)]
        assert explained["makeup_days"] == ["2026-10-10"]
        assert explained["calendar_changed"] is False


async def test_the_working_days_of_a_notice_come_from_settings(tmp_path, clock):
    async with service_harness(_app(tmp_path, clock, notice_deadline_working_days=2)) as h:
        notice = await _notice_for(h, clock)
        assert notice["working_days"] == 2
        assert notice["deadline"] == "2026-10-09"
        assert notice["requirement"].startswith("请于2个工作日内")


async def test_notices_filter_by_unit_and_status(app, clock):
    async with service_harness(app) as h:
        notice = await _notice_for(h, clock)
        await h.client.post("/notices", json={"unit": "历下区", "problem": "占道经营"})
        assert [n["id"] for n in (await h.client.get("/notices", params={"unit": LEAD})).json()] == [notice["id"]]
        clock.advance(timedelta(days=30))
        assert await h.fire_timers() == 2
        assert len((await h.client.get("/notices", params={"status": "unrectified"})).json()) == 2
        assert (await h.client.get("/notices", params={"status": "open"})).json() == []


async def test_a_report_sent_in_time_is_reviewed_after_the_deadline_without_escalation(app, clock):
    async with service_harness(app) as h:
        notice = await _notice_for(h, clock)
        report_id = (await _report(h, notice)).json()["id"]
        clock.set(datetime(2026, 10, 14, 0, 0, 1, tzinfo=CHINA_TZ))
        assert await h.fire_timers() == 1  # the timer fires but the waiting report holds the notice
        assert await h.emitted(UNRECTIFIED) == []
        accepted = await h.client.post(f"/notices/{notice['id']}/rectification-reports/{report_id}/accept",
                                       json={"accepted_by": HQ})
        assert accepted.status_code == 200
        assert len(await h.emitted("sanwei.supervision.notice.v1.rectified")) == 1


async def test_a_report_returned_after_the_deadline_makes_the_notice_unrectified_at_once(app, clock):
    async with service_harness(app) as h:
        notice = await _notice_for(h, clock)
        report_id = (await _report(h, notice)).json()["id"]
        clock.set(datetime(2026, 10, 14, 10, 0, tzinfo=CHINA_TZ))
        await h.fire_timers()
        returned = await h.client.post(f"/notices/{notice['id']}/rectification-reports/{report_id}/return",
                                       json={"returned_by": HQ, "reason": "整改不到位"})
        assert returned.status_code == 200
        unrectified = await h.emitted(UNRECTIFIED)
        assert len(unrectified) == 1 and unrectified[0]["data"]["level"] == "red"


async def test_deadlines_that_pass_together_unrectify_escalate_or_hold_each_notice_as_alone(tmp_path, clock):
    app = _app(tmp_path, clock, notice_media_from_level="yellow")
    async with service_harness(app) as h:
        issued = []
        for level, problem in [("yellow", "占道经营"), ("blue", "垃圾清运不及时"), ("yellow", "违规停车"),
                               ("yellow", "噪音扰民")]:
            response = await h.client.post("/notices", json={"unit": LEAD, "problem": problem, "level": level,
                                                             "working_days": 5, "issued_by": HQ})
            assert response.status_code == 201, response.text
            issued.append(response.json())
        held = issued[3]
        assert (await _report(h, held)).status_code == 201  # in time, not yet reviewed: holds the notice open
        clock.set(datetime.fromisoformat(issued[0]["due_at"]) + timedelta(minutes=1))
        assert await h.fire_timers() == 4  # one run of four notice.due timers: the bulk form
        unrectified = await h.emitted(UNRECTIFIED)
        assert [e["data"]["notice_id"] for e in unrectified] == [issued[0]["id"], issued[2]["id"]]
        assert {e["data"]["level"] for e in unrectified} == {"red"}
        [escalated] = await h.emitted("sanwei.supervision.notice.v1.escalated")
        assert escalated["data"]["notice_id"] == issued[1]["id"] and escalated["data"]["to_level"] == "yellow"
        statuses = {n["id"]: n["status"] for n in (await h.client.get("/notices", params={"limit": 100})).json()}
        assert [statuses[n["id"]] for n in issued] == ["unrectified", "escalated", "unrectified", "open"]
        assert statuses[escalated["data"]["new_notice_id"]] == "open"
        assert await h.fire_timers() == 0
