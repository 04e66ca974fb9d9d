"""三色督办: levels escalate on missed deadlines and repeated findings, each with its deadline and addressee."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest

from sanwei_contracts import new_envelope
from sanwei_contracts.events.common import NoticeLevel
from sanwei_contracts.events.registry import TaskOverdue
from sanwei_kit.calendar import CHINA_TZ, WorkingCalendar, due_instant
from sanwei_kit.clock import FakeClock
from sanwei_kit.numbering import YearlyNumber
from sanwei_kit.testing import build_test_app, service_harness
from sanwei_supervision.adapters.tables import kit, metadata
from sanwei_supervision.app import create_app
from sanwei_supervision.domain.model import Notice, NoticeStatus, NoticeTrigger
from sanwei_supervision.settings import SupervisionSettings

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=CHINA_TZ)
LEAD = "区投促局"
ESCALATED = "sanwei.supervision.notice.v1.escalated"
ISSUED = "sanwei.supervision.notice.v1.issued"
UNRECTIFIED = "sanwei.supervision.notice.v1.unrectified"


@pytest.mark.unit
def test_a_missed_deadline_below_the_media_level_escalates_instead_of_unrectifying():
    def notice(level):
        return Notice.issue(notice_id="n", number=YearlyNumber(2026, 1, "督"), case_id="c",
                            trigger=NoticeTrigger.DIRECT, unit=LEAD, problem="占道经营", requirement=None,
                            level=level, working_days=3, calendar=WorkingCalendar(), now=MONDAY)

    later = MONDAY + timedelta(days=10)
    blue = notice(NoticeLevel.BLUE)
    assert blue.mark_unrectified(later, pending=[], media_from=NoticeLevel.RED) is True
    assert (blue.status, blue.level, blue.escalated_at) == (NoticeStatus.ESCALATED, NoticeLevel.BLUE, later)
    assert blue.mark_unrectified(later, pending=[], media_from=NoticeLevel.RED) is False  # once
    red = notice(NoticeLevel.RED)
    assert red.mark_unrectified(later, pending=[], media_from=NoticeLevel.RED) is True
    assert red.status is NoticeStatus.UNRECTIFIED  # red always goes to the media
    yellow = notice(NoticeLevel.YELLOW)
    yellow.mark_unrectified(later, pending=[], media_from=NoticeLevel.YELLOW)
    assert (yellow.status, yellow.level) == (NoticeStatus.UNRECTIFIED, NoticeLevel.RED)  # today's chain
    assert blue.repeated_level(NoticeLevel.BLUE) is NoticeLevel.YELLOW
    assert red.repeated_level(NoticeLevel.YELLOW) is NoticeLevel.RED


def _app(tmp_path, clock, **settings):
    return build_test_app(create_app, SupervisionSettings, metadata, kit, tmp_path, clock, **settings)


def _overdue(clock):
    task_id = str(uuid.uuid4())
    deadline = date(2026, 10, 30)
    return new_envelope(
        TaskOverdue(task_id=task_id, title="重点打造儒商总部大厦特色楼宇", lead_unit=LEAD, co_units=[],
                    deadline=deadline, due_at=due_instant(deadline)),
        subject=f"task/{task_id}", case_id=task_id, time=clock.now(), actor="system",
    )


@pytest.mark.handler
async def test_an_overdue_task_climbs_blue_yellow_red_then_goes_to_the_media_once(tmp_path):
    clock = FakeClock(MONDAY)
    app = _app(tmp_path, clock, notice_level="blue", notice_media_from_level="red")
    async with service_harness(app) as h:
        overdue = _overdue(clock)
        await h.publish(overdue)
        task_id = overdue.data.task_id
        [blue] = (await h.client.get("/notices", params={"task_id": task_id})).json()
        assert (blue["level"], blue["working_days"], blue["addressee"]) == ("blue", 10, "责任单位分管负责人")
        assert blue["deadline"] == "2026-11-16"
        clock.set(datetime.fromisoformat(blue["due_at"]) + timedelta(seconds=1))
        assert await h.fire_timers() == 1
        [escalated] = await h.emitted(ESCALATED)
        assert escalated["case_id"] == task_id
        data = escalated["data"]
        assert (data["from_level"], data["to_level"], data["number"], data["new_number"]) == (
            "blue", "yellow", "督〔2026〕1号", "督〔2026〕2号")
        assert data["addressee"] == "责任单位主要负责人" and data["deadline"] == "2026-11-24"  # 5 working days
        assert await h.emitted(UNRECTIFIED) == []
        old = (await h.client.get(f"/notices/{blue['id']}")).json()
        assert (old["status"], old["escalated_to"]) == ("escalated", data["new_notice_id"])
        late = await h.client.post(f"/notices/{blue['id']}/rectification-reports",
                                   json={"unit": LEAD, "text": "已整改", "evidence": []})
        assert late.status_code == 409 and "escalated" in late.json()["detail"]["reason"]
        clock.set(datetime.fromisoformat(data["due_at"]) + timedelta(seconds=1))
        assert await h.fire_timers() == 1
        red_escalation = (await h.emitted(ESCALATED))[1]["data"]
        assert (red_escalation["to_level"], red_escalation["addressee"]) == ("red", "包挂市领导")
        assert red_escalation["deadline"] == "2026-11-30"  # 3 working days at red from Wed 11-25
        clock.set(datetime.fromisoformat(red_escalation["due_at"]) + timedelta(seconds=1))
        assert await h.fire_timers() == 1
        clock.advance(timedelta(days=30))
        assert await h.fire_timers() == 0
        [unrectified] = await h.emitted(UNRECTIFIED)
        assert unrectified["case_id"] == task_id and unrectified["data"]["number"] == "督〔2026〕3号"
        assert unrectified["data"]["task_id"] == task_id
        notices = (await h.client.get("/notices", params={"task_id": task_id})).json()
        assert [(n["level"], n["status"]) for n in notices] == [
            ("blue", "escalated"), ("yellow", "escalated"), ("red", "unrectified")]
        issued = await h.emitted(ISSUED)
        assert [e["data"]["escalated_from"] for e in issued] == [None, notices[0]["id"], notices[1]["id"]]
        # The timer of a notice fires once: the same task announced again changes nothing.
        await h.publish(overdue)
        assert len(await h.emitted(ISSUED)) == 3


@pytest.mark.handler
async def test_a_rectified_escalated_notice_stops_the_ladder(tmp_path):
    clock = FakeClock(MONDAY)
    async with service_harness(_app(tmp_path, clock)) as h:  # default: blue escalates, yellow goes to media
        blue = (await h.client.post("/notices", json={"unit": LEAD, "problem": "泉城路沿线占道经营",
                                                      "level": "blue"})).json()
        assert blue["working_days"] == 10
        clock.set(datetime.fromisoformat(blue["due_at"]) + timedelta(seconds=1))
        await h.fire_timers()
        yellow_id = (await h.emitted(ESCALATED))[0]["data"]["new_notice_id"]
        report = await h.client.post(f"/notices/{yellow_id}/rectification-reports",
                                     json={"unit": LEAD, "text": "已清理占道摊点", "evidence": ["照片.jpg"]})
        assert report.status_code == 201
        accepted = await h.client.post(f"/notices/{yellow_id}/rectification-reports/{report.json()['id']}/accept",
                                       json={"accepted_by": "市创城指挥部"})
        assert accepted.json()["status"] == "rectified"
        clock.advance(timedelta(days=60))
        assert await h.fire_timers() == 0
        assert await h.emitted(UNRECTIFIED) == [] and len(await h.emitted(ESCALATED)) == 1


@pytest.mark.handler
async def test_a_repeated_finding_starts_one_level_higher(tmp_path):
    clock = FakeClock(MONDAY)
    async with service_harness(_app(tmp_path, clock)) as h:
        body = {"unit": "历下区", "problem": "泉城路沿线占道经营问题", "issued_by": "市创城指挥部"}
        first = (await h.client.post("/notices", json=body)).json()
        second = (await h.client.post("/notices", json={**body, "problem": " 泉城路沿线占道经营问题 "})).json()
        third = (await h.client.post("/notices", json=body)).json()
        other = (await h.client.post("/notices", json={**body, "problem": "共享单车乱停放"})).json()
        assert [n["level"] for n in (first, second, third, other)] == ["yellow", "red", "red", "yellow"]
        assert (second["repeat_of"], third["repeat_of"], other["repeat_of"]) == (first["id"], second["id"], None)
        assert second["working_days"] == 3 and second["addressee"] == "包挂市领导"
        explicit = (await h.client.post("/notices", json={**body, "problem": "新问题", "addressee": "王某某"})).json()
        assert explicit["addressee"] == "王某某"
