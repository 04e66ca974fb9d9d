"""Discipline in depth: matters merged across tracks, 分类梳理, 签收/办理时限 with escalation, the four 处置 ways."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest

from sanwei_contracts import new_envelope
from sanwei_contracts.events.common import Sanction
from sanwei_contracts.events.media import ReferralRequested
from sanwei_contracts.events.supervision import RankingReferralRequested
from sanwei_discipline.domain.model import (
    AssignMode,
    Clue,
    ClueKind,
    DisposalWay,
    EscalationStage,
    Finding,
    PersonLevel,
    Source,
    matter_fingerprint,
)
from sanwei_kit.calendar import CHINA_TZ, WorkingCalendar, WorkingDayDeadline
from sanwei_kit.clock import FakeClock
from sanwei_kit.errors import Conflict, Invalid
from sanwei_kit.testing import service_harness

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=CHINA_TZ)  # a Monday
CALENDAR = WorkingCalendar()
UNIT = "舜玉路街道"
REGISTERED = "sanwei.discipline.clue.v1.registered"
SOURCE_ADDED = "sanwei.discipline.clue.v1.source_added"
ESCALATED = "sanwei.discipline.clue.v1.escalated"
PUBLISHED = "sanwei.discipline.outcome.v1.published"


def _source(kind: str = "media_referral", ref: str = "r1") -> Source:
    return Source(kind=kind, ref=ref, origin="exposure_unrectified", origin_ref="e1", reason="逾期未整改",
                  received_at=NOW)


def _clue() -> Clue:
    return Clue.register(id="c1", case_id="case-1", seq=1, unit=UNIT, problem="露天烧烤屡禁不止", source=_source(),
                         now=NOW)


def _deadline(days: int) -> WorkingDayDeadline:
    return WorkingDayDeadline.after_working_days(CALENDAR, NOW.date(), days)


# --- pure rules ---------------------------------------------------------------------------------------------

@pytest.mark.unit
def test_the_same_matter_has_one_fingerprint_whatever_the_spacing_and_punctuation():
    assert matter_fingerprint("舜玉路 街道", "露天烧烤屡禁不止。") == matter_fingerprint("舜玉路街道", "露天烧烤 屡禁不止")
    assert matter_fingerprint("舜玉路街道", "露天烧烤屡禁不止") != matter_fingerprint("七里山街道", "露天烧烤屡禁不止")
    assert matter_fingerprint("舜玉路街道", "露天烧烤屡禁不止") != matter_fingerprint("舜玉路街道", "占道经营")


@pytest.mark.unit
def test_a_referral_suggests_the_kind_and_sorting_is_refused_after_disposal():
    clue = _clue()
    assert clue.kind is ClueKind.MEDIA_EXPOSED
    clue.classify(ClueKind.RANKING_BOTTOM, PersonLevel.DISTRICT_MANAGED, NOW, "监督室")
    assert (clue.kind, clue.level) == (ClueKind.RANKING_BOTTOM, PersonLevel.DISTRICT_MANAGED)
    assert "区管干部" in clue.steps[-1].text
    clue.assign("市中区纪委", AssignMode.ASSIGN, _deadline(15), NOW)
    clue.dispose(None, "问题轻微，已整改", NOW, way=DisposalWay.CLOSED)
    with pytest.raises(Conflict):
        clue.classify(ClueKind.DERELICTION, PersonLevel.CITY_MANAGED, NOW)


@pytest.mark.unit
@pytest.mark.parametrize("way", [DisposalWay.TALK_INQUIRY, DisposalWay.PRELIMINARY_VERIFICATION])
def test_talk_inquiry_and_verification_state_a_finding_and_lead_to_a_decision(way):
    clue = _clue()
    clue.assign("市中区纪委", AssignMode.ASSIGN, _deadline(15), NOW)
    with pytest.raises(Invalid):
        clue.dispose(None, "谈话", NOW, way=way)
    clue.dispose(Finding.CONFIRMED, "属实", NOW, way=way)
    assert f"（{way.label}）" in clue.steps[-1].text
    decision = clue.decide("d1", Sanction.CRITICISM_EDUCATION, None, "批评教育", NOW)
    assert decision.sanction.label == "批评教育"


@pytest.mark.unit
@pytest.mark.parametrize("way", [DisposalWay.SHELVED, DisposalWay.CLOSED])
def test_shelved_and_closed_take_no_finding_and_no_decision(way):
    clue = _clue()
    clue.assign("市中区纪委", AssignMode.ASSIGN, _deadline(15), NOW)
    with pytest.raises(Invalid):
        clue.dispose(Finding.CONFIRMED, "x", NOW, way=way)
    clue.dispose(None, "线索不具体，暂存", NOW, way=way)
    assert clue.finding is Finding.UNDETERMINED
    with pytest.raises(Conflict):
        clue.decide("d1", Sanction.NO_ACTION, None, "x", NOW)


@pytest.mark.unit
def test_escalation_happens_once_per_stage_and_not_after_receipt():
    clue = _clue()
    receipt, handling = _deadline(2), _deadline(15)
    clue.assign("市中区纪委", AssignMode.ASSIGN, handling, NOW, "市纪委", receipt_due=receipt)
    assert not clue.escalate(EscalationStage.RECEIPT, receipt.due_at - timedelta(seconds=1))
    assert clue.escalate(EscalationStage.RECEIPT, receipt.due_at)
    assert not clue.escalate(EscalationStage.RECEIPT, receipt.due_at + timedelta(days=1))
    assert "提级督办：市纪委" in clue.steps[-1].text
    # 重新分办 by the commission above restarts both limits.
    clue.assign("历下区纪委", AssignMode.TRANSFER, handling, NOW, "市纪委", receipt_due=receipt)
    clue.receive("历下区纪委办公室", NOW)
    assert not clue.escalate(EscalationStage.RECEIPT, receipt.due_at)
    assert clue.escalate(EscalationStage.HANDLING, handling.due_at)
    with pytest.raises(Conflict):
        clue.receive("again", NOW)


# --- handlers and API -------------------------------------------------------------------------------------

@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


def _media_referral(clock, case_id: str, problem: str = "露天烧烤屡禁不止", unit: str = UNIT):
    rid = str(uuid.uuid4())
    return new_envelope(
        ReferralRequested(referral_id=rid, origin="exposure_unrectified", origin_ref="e1", unit=unit,
                          problem=problem, reason="媒体曝光问题逾期未整改，再次曝光并移交纪委",
                          evidence=["曝光台曝光"], requested_at=clock.now()),
        subject=f"referral/{rid}", case_id=case_id, time=clock.now(),
    )


def _ranking_referral(clock, case_id: str, problem: str = "露天烧烤屡禁不止。", unit: str = UNIT):
    rid = str(uuid.uuid4())
    return new_envelope(
        RankingReferralRequested(referral_id=rid, origin="ranking", origin_ref="rk1", unit=unit, problem=problem,
                                 reason="模拟测评连续3期排名后位", evidence=["2026-W41 第4名"],
                                 requested_at=clock.now(), periods=["2026-W41", "2026-W42", "2026-W43"]),
        subject=f"referral/{rid}", case_id=case_id, time=clock.now(),
    )


@pytest.mark.handler
async def test_a_ranking_and_a_media_referral_of_one_matter_make_one_clue_told_to_both_cases(app, clock):
    async with service_harness(app) as h:
        await h.publish(_ranking_referral(clock, "case-ranking"))
        await h.publish(_media_referral(clock, "case-media"))  # another case, same unit and problem
        await h.publish(_media_referral(clock, "case-other", problem="公厕保洁不到位"))  # another matter
        registered = await h.emitted(REGISTERED)
        assert [e["case_id"] for e in registered] == ["case-ranking", "case-other"]
        added = await h.emitted(SOURCE_ADDED)
        assert len(added) == 1 and added[0]["case_id"] == "case-media"
        assert added[0]["data"]["source"]["kind"] == "media_referral"
        cid = registered[0]["data"]["clue_id"]
        clue = (await h.client.get(f"/clues/{cid}")).json()
        assert [s["kind"] for s in clue["sources"]] == ["supervision_referral", "media_referral"]
        assert [s["case_id"] for s in clue["sources"]] == ["case-ranking", "case-media"]
        assert clue["kind"] == "ranking_bottom"
        # A redelivered referral of the merged case finds the clue by its case.
        await h.publish(_media_referral(clock, "case-media", problem="表述不同的同一案件"))
        assert (await h.client.get(f"/clues/{cid}")).json()["source_count"] == 3
        api = h.client
        await api.post(f"/clues/{cid}/assign", json={"assignee": "市中区纪委", "mode": "assign"})
        await api.post(f"/clues/{cid}/dispose", json={"way": "talk_inquiry", "finding": "confirmed",
                                                      "summary": "谈话函询，问题属实"})
        await api.post(f"/clues/{cid}/decide", json={"sanction": "organizational_handling", "reason": "整改不力"})
        ok = await api.post(f"/clues/{cid}/publish", json={"summary": "舜玉路街道露天烧烤整治不力，予以组织处理。"})
        assert ok.status_code == 200, ok.text
        outcomes = await h.emitted(PUBLISHED)
        assert [o["case_id"] for o in outcomes] == ["case-ranking", "case-media"]
        assert {o["data"]["decision_id"] for o in outcomes} == {outcomes[0]["data"]["decision_id"]}
        assert outcomes[0]["data"]["sanction"] == "organizational_handling"
        # Decided: the same matter referred again is a new clue (a new round).
        await h.publish(_media_referral(clock, "case-later"))
        assert len(await h.emitted(REGISTERED)) == 3


@pytest.mark.handler
async def test_overdue_receipt_and_handling_escalate_to_the_commission_above_once(app, clock):
    async with service_harness(app) as h:
        await h.publish(_media_referral(clock, "case-1"))
        cid = (await h.emitted(REGISTERED))[0]["data"]["clue_id"]
        assigned = await h.client.post(f"/clues/{cid}/assign", json={
            "assignee": "市中区纪委", "mode": "transfer", "by": "市纪委党风政风监督室", "receipt_working_days": 2,
            "due_working_days": 10})
        body = assigned.json()
        assert body["receipt_due"] == "2026-11-04" and body["due"] == "2026-11-16"
        assert body["supervisor"] == "市纪委党风政风监督室"
        clock.set(datetime(2026, 11, 4, 23, 59, tzinfo=CHINA_TZ))
        assert await h.fire_timers() == 0
        clock.set(datetime(2026, 11, 5, 0, 1, tzinfo=CHINA_TZ))
        assert await h.fire_timers() == 1
        escalated = await h.emitted(ESCALATED)
        assert len(escalated) == 1
        assert escalated[0]["data"] == {**escalated[0]["data"], "stage": "receipt", "assignee": "市中区纪委",
                                        "escalated_to": "市纪委党风政风监督室", "due": "2026-11-04"}
        assert (await h.client.get(f"/clues/{cid}")).json()["escalated"] == ["receipt"]
        # The commission above re-assigns it; this time it is signed for, and handled late.
        again = await h.client.post(f"/clues/{cid}/assign", json={"assignee": "历下区纪委", "mode": "transfer",
                                                                  "by": "市纪委党风政风监督室"})
        assert again.status_code == 200, again.text
        assert (await h.client.post(f"/clues/{cid}/receive", json={"by": "历下区纪委"})).status_code == 200
        clock.set(datetime(2026, 12, 31, 9, 0, tzinfo=CHINA_TZ))
        assert await h.fire_timers() == 1  # the handling limit only: the receipt timer was cancelled
        assert [e["data"]["stage"] for e in await h.emitted(ESCALATED)] == ["receipt", "handling"]
        assert await h.fire_timers() == 0
        overdue = (await h.client.get(f"/clues/{cid}")).json()
        assert overdue["overdue"] is True and overdue["escalated"] == ["handling"]


@pytest.mark.handler
async def test_disposal_before_the_limits_cancels_the_timers(app, clock):
    async with service_harness(app) as h:
        await h.publish(_media_referral(clock, "case-1"))
        cid = (await h.emitted(REGISTERED))[0]["data"]["clue_id"]
        await h.client.post(f"/clues/{cid}/assign", json={"assignee": "市中区纪委", "mode": "assign"})
        shelved = await h.client.post(f"/clues/{cid}/dispose", json={"way": "shelved", "summary": "线索不具体，暂存待查"})
        assert shelved.status_code == 200, shelved.text
        assert shelved.json()["finding"] == "undetermined" and shelved.json()["disposal_way"] == "shelved"
        bad = await h.client.post(f"/clues/{cid}/decide", json={"sanction": "criticism_notice", "reason": "x"})
        assert bad.status_code == 409
        clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=CHINA_TZ))
        assert await h.fire_timers() == 0
        assert await h.emitted(ESCALATED) == []
        disposed = await h.emitted("sanwei.discipline.clue.v1.disposed")
        assert disposed[0]["data"]["way"] == "shelved"


@pytest.mark.handler
async def test_sorting_by_kind_and_level(app, clock):
    async with service_harness(app) as h:
        await h.publish(_media_referral(clock, "case-1", problem="甲问题"))
        await h.publish(_ranking_referral(clock, "case-2", problem="乙问题"))
        await h.publish(_media_referral(clock, "case-3", problem="丙问题"))
        ids = [e["data"]["clue_id"] for e in await h.emitted(REGISTERED)]
        ok = await h.client.post(f"/clues/{ids[0]}/classify", json={"kind": "dereliction",
                                                                    "level": "city_managed", "by": "监督室"})
        assert ok.status_code == 200 and ok.json()["steps"][-1]["kind"] == "classified"
        await h.client.post(f"/clues/{ids[2]}/classify", json={"kind": "dereliction", "level": "section_and_below"})
        assert (await h.client.post(f"/clues/{ids[1]}/classify",
                                    json={"kind": "nonsense", "level": "city_managed"})).status_code == 422
        found = (await h.client.get("/clues", params={"kind": "dereliction", "level": "city_managed"})).json()
        assert [c["id"] for c in found] == [ids[0]]
        counts = {(r["kind"], r["level"]): r["count"] for r in (await h.client.get("/clues/sorting")).json()}
        assert counts == {("dereliction", "city_managed"): 1, ("dereliction", "section_and_below"): 1,
                          ("ranking_bottom", None): 1}
        labels = (await h.client.get("/clues/sorting")).json()
        assert {r["level_label"] for r in labels} >= {"市管干部", "科级及以下"}
        assert date.fromisoformat((await h.client.get(f"/clues/{ids[0]}")).json()["registered_at"][:10])
