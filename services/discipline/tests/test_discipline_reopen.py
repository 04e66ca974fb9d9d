"""启用: a clue held as 暂存待查 is reopened by hand (with a reason) or by a new referral of the matter."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta

import pytest

from sanwei_contracts import new_envelope
from sanwei_contracts.events.media import ReferralRequested
from sanwei_discipline.domain.model import (
    AssignMode,
    Clue,
    ClueState,
    DisposalWay,
    Finding,
    Source,
    StepKind,
)
from sanwei_kit.auth import Role
from sanwei_kit.calendar import CHINA_TZ, WorkingCalendar, WorkingDayDeadline
from sanwei_kit.clock import FakeClock
from sanwei_kit.errors import Conflict, Invalid
from sanwei_kit.testing import service_harness

NOW = datetime(2026, 9, 30, 10, 0, tzinfo=CHINA_TZ)
LATER = datetime(2026, 11, 10, 9, 30, tzinfo=CHINA_TZ)
CALENDAR = WorkingCalendar()
UNIT = "市中区城管局"
PROBLEM = "背街小巷垃圾清运不及时"
AGENCY = "市中区纪委监委第三派驻纪检监察组"

REGISTERED = "sanwei.discipline.clue.v1.registered"
SOURCE_ADDED = "sanwei.discipline.clue.v1.source_added"
DISPOSED = "sanwei.discipline.clue.v1.disposed"
REOPENED = "sanwei.discipline.clue.v1.reopened"


def _due(start: date, days: int = 15) -> WorkingDayDeadline:
    return WorkingDayDeadline.after_working_days(CALENDAR, start, days, field="due_working_days")


def _clue(way: DisposalWay, finding: Finding | None = None) -> Clue:
    source = Source(kind="media_referral", ref="r1", origin="exposure_unrectified", origin_ref="e1",
                    reason="媒体曝光问题逾期未整改", received_at=NOW)
    clue = Clue.register(id="c1", case_id="case-1", seq=1, unit=UNIT, problem=PROBLEM, source=source, now=NOW)
    clue.assign(AGENCY, AssignMode.ASSIGN, _due(NOW.date()), NOW)
    clue.dispose(finding, "反映问题线索不具体，暂不具备核查条件", NOW, way=way)
    return clue


@pytest.mark.unit
def test_only_a_held_clue_reopens_with_a_reason_back_to_disposal():
    clue = _clue(DisposalWay.SHELVED)
    assert clue.held
    with pytest.raises(Invalid) as missing:
        clue.reopen("  ", _due(LATER.date(), 10), LATER, "区纪委监委")
    assert missing.value.field == "reason"
    assert clue.held  # a refused reopening changes nothing
    clue.reopen("群众再次反映，提供了具体点位和照片", _due(LATER.date(), 10), LATER, "区纪委监委")
    assert clue.state is ClueState.ASSIGNED and not clue.held
    assert clue.disposal_way is None and clue.finding is None and clue.disposal_summary is None
    assert clue.due is not None and clue.due.day == date(2026, 11, 24)
    assert clue.steps[-1].kind is StepKind.REOPENED and clue.steps[-1].by == "区纪委监委"
    assert "群众再次反映" in clue.steps[-1].text and AGENCY in clue.steps[-1].text
    assert [s.kind for s in clue.steps].count(StepKind.DISPOSED) == 1  # the held disposal stays on record
    clue.dispose(Finding.CONFIRMED, "经初步核实，问题属实", LATER)  # 处置 can happen again
    assert clue.state is ClueState.DISPOSED
    with pytest.raises(Conflict):
        clue.reopen("再次启用", _due(LATER.date()), LATER)  # no longer held


@pytest.mark.unit
@pytest.mark.parametrize(("way", "finding"), [(DisposalWay.CLOSED, None),
                                              (DisposalWay.PRELIMINARY_VERIFICATION, Finding.UNFOUNDED)])
def test_a_clue_disposed_of_otherwise_is_not_reopened(way, finding):
    clue = _clue(way, finding)
    with pytest.raises(Conflict) as refused:
        clue.reopen("新情况", _due(LATER.date()), LATER)
    assert "暂存待查" in str(refused.value)
    assert clue.state is ClueState.DISPOSED


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


def _referral(clock: FakeClock, case_id: str, problem: str = PROBLEM):
    referral_id = str(uuid.uuid4())
    return new_envelope(
        ReferralRequested(referral_id=referral_id, origin="exposure_unrectified", origin_ref=f"e-{case_id}",
                          unit=UNIT, problem=problem, reason="媒体曝光问题逾期未整改，再次媒体曝光，同时移交纪检监察机关问责处理",
                          requested_at=clock.now()),
        subject=f"referral/{referral_id}", case_id=case_id, time=clock.now(),
    )


async def _held_clue(h, clock) -> str:
    await h.publish(_referral(clock, "case-1"))
    cid = (await h.emitted(REGISTERED))[-1]["data"]["clue_id"]
    assigned = await h.client.post(f"/clues/{cid}/assign", json={"assignee": AGENCY, "mode": "assign"})
    assert assigned.status_code == 200, assigned.text
    held = await h.client.post(f"/clues/{cid}/dispose",
                               json={"way": "shelved", "summary": "反映问题线索不具体，暂不具备核查条件"})
    assert held.status_code == 200, held.text
    return cid


@pytest.mark.handler
async def test_the_district_reopens_a_held_clue_with_a_reason_and_a_new_time_limit(app, clock):
    async with service_harness(app) as h:
        cid = await _held_clue(h, clock)
        clock.set(LATER)
        agency = h.as_(Role.DISCIPLINE, level="agency", unit=AGENCY)
        denied = await h.client.post(f"/clues/{cid}/reopen", json={"reason": "新情况"}, headers=agency)
        assert denied.status_code == 403
        assert (await h.client.post(f"/clues/{cid}/reopen", json={"reason": "x"},
                                    headers=h.as_(Role.AUDITOR))).status_code == 403
        assert (await h.client.post(f"/clues/{cid}/reopen", json={"reason": ""})).status_code == 422
        assert (await h.client.post(f"/clues/{cid}/reopen", json={"reason": "   "})).json()["detail"]["field"] == "reason"
        assert (await h.client.post("/clues/nope/reopen", json={"reason": "新情况"})).status_code == 404

        reopened = await h.client.post(f"/clues/{cid}/reopen",
                                       json={"reason": "群众再次反映，提供了具体点位", "due_working_days": 10})
        assert reopened.status_code == 200, reopened.text
        body = reopened.json()
        assert body["state"] == "assigned" and body["disposal_way"] is None and body["due"] == "2026-11-24"
        assert body["steps"][-1]["kind"] == "reopened" and body["steps"][-1]["by"] == "tester"
        [event] = await h.emitted(REOPENED)
        assert event["data"]["reason"] == "群众再次反映，提供了具体点位" and event["data"]["source"] is None
        assert event["data"]["due"] == "2026-11-24" and event["data"]["assignee"] == AGENCY
        assert event["case_id"] == body["case_id"] and event["actor"] == "tester"
        assert (await h.client.post(f"/clues/{cid}/reopen", json={"reason": "again"})).status_code == 409

        # Back to 处置: the agency disposes of it again; the new 办理时限 escalates if missed.
        again = await h.client.post(f"/clues/{cid}/dispose", headers=agency,
                                    json={"finding": "confirmed", "summary": "经初步核实，问题属实"})
        assert again.status_code == 200, again.text
        assert [e["data"]["way"] for e in await h.emitted(DISPOSED)] == ["shelved", "preliminary_verification"]


@pytest.mark.handler
async def test_a_missed_time_limit_after_reopening_escalates(app, clock):
    async with service_harness(app) as h:
        cid = await _held_clue(h, clock)
        clock.set(LATER)
        await h.client.post(f"/clues/{cid}/reopen", json={"reason": "新情况", "due_working_days": 1})
        clock.set(LATER + timedelta(days=3))
        await h.fire_timers()
        [escalated] = await h.emitted("sanwei.discipline.clue.v1.escalated")
        assert escalated["data"]["stage"] == "handling" and escalated["data"]["due"] == "2026-11-11"


@pytest.mark.handler
async def test_a_new_referral_of_the_same_matter_reopens_a_held_clue_once(app, clock):
    async with service_harness(app) as h:
        cid = await _held_clue(h, clock)
        clock.set(LATER)
        again = _referral(clock, "case-2", problem=PROBLEM + "。")  # another case, the same matter
        await h.publish(again)
        await h.publish(again)  # redelivered: nothing more
        assert len(await h.emitted(REGISTERED)) == 1
        [added] = await h.emitted(SOURCE_ADDED)
        [reopened] = await h.emitted(REOPENED)
        assert reopened["causation_id"] == str(again.id) and reopened["actor"] == "system"
        assert reopened["data"]["source"] == {"kind": "media_referral", "ref": again.data.referral_id}
        assert reopened["data"]["due"] == "2026-12-01"  # the service's 15 working days from 11-10
        clue = (await h.client.get(f"/clues/{cid}")).json()
        assert clue["state"] == "assigned" and clue["source_count"] == 2
        assert [s["kind"] for s in clue["steps"]][-2:] == ["source_added", "reopened"]
        assert "同一问题再次移交" in clue["steps"][-1]["text"]
        # A clue disposed of otherwise only gains the source.
        await h.client.post(f"/clues/{cid}/dispose", json={"way": "closed", "summary": "已整改到位，予以了结"})
        await h.publish(_referral(clock, "case-3"))
        assert len(await h.emitted(REOPENED)) == 1
        assert (await h.client.get(f"/clues/{cid}")).json()["state"] == "disposed"
        assert len(await h.emitted(SOURCE_ADDED)) == 2
        # Confidential: the reason of the reopening is only in the 纪委's own event.
        assert "反映问题线索不具体" not in json.dumps(reopened, ensure_ascii=False)
