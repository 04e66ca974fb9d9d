"""Discipline handlers and HTTP API on TestNatsBroker, with a fake clock."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import pytest

from sanwei_contracts import new_envelope
from sanwei_contracts.events.media import ReferralRequested
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import service_harness

pytestmark = pytest.mark.handler

NOW = datetime(2026, 9, 30, 10, 0, tzinfo=CHINA_TZ)

REGISTERED = "sanwei.discipline.clue.v1.registered"
ASSIGNED = "sanwei.discipline.clue.v1.assigned"
DISPOSED = "sanwei.discipline.clue.v1.disposed"
DECIDED = "sanwei.discipline.decision.v1.made"
PUBLISHED = "sanwei.discipline.outcome.v1.published"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


def _referral(clock: FakeClock, case_id: str, referral_id: str | None = None, exposure_id: str = "e1",
              problem: str = "背街小巷垃圾清运不及时"):
    referral_id = referral_id or str(uuid.uuid4())
    return new_envelope(
        ReferralRequested(referral_id=referral_id, origin="exposure_unrectified", origin_ref=exposure_id,
                          unit="市中区城管局", problem=problem,
                          reason="媒体曝光问题逾期未整改，再次媒体曝光，同时移交纪检监察机关问责处理",
                          evidence=["2026-09-28 09:00 曝光台曝光", "2026-10-11 00:00 逾期未整改"],
                          requested_at=clock.now()),
        subject=f"referral/{referral_id}", case_id=case_id, time=clock.now(),
    )


async def _registered_clue(h, clock, case_id: str | None = None) -> dict:
    await h.publish(_referral(clock, case_id or str(uuid.uuid4()), problem=f"问题{uuid.uuid4()}"))
    registered = await h.emitted(REGISTERED)
    return (await h.client.get(f"/clues/{registered[-1]['data']['clue_id']}")).json()


async def test_two_referrals_for_one_case_register_one_clue_with_two_sources(app, clock):
    async with service_harness(app) as h:
        case_id = str(uuid.uuid4())
        first = _referral(clock, case_id, exposure_id="e1")
        await h.publish(first)
        await h.publish(first)  # redelivery
        await h.publish(_referral(clock, case_id, exposure_id="e2"))  # a different referral, same case
        registered = await h.emitted(REGISTERED)
        assert len(registered) == 1
        assert registered[0]["case_id"] == case_id
        assert registered[0]["causation_id"] == str(first.id)
        assert registered[0]["data"]["number"] == "线索〔2026〕1号"
        assert registered[0]["data"]["sources"] == [{"kind": "media_referral", "ref": first.data.referral_id}]
        clue = (await h.client.get(f"/clues/{registered[0]['data']['clue_id']}")).json()
        assert clue["source_count"] == 2
        assert [s["origin_ref"] for s in clue["sources"]] == ["e1", "e2"]
        assert clue["sources"][0]["evidence"][0].endswith("曝光台曝光")
        assert [s["kind"] for s in clue["steps"]] == ["registered", "source_added"]
        assert len((await h.client.get("/clues")).json()) == 1


async def test_referrals_that_waited_together_register_or_join_exactly_as_one_by_one(app, clock):
    async with service_harness(app) as h:
        subscription = next(c.subscription for c in h.runtime.consumers if c.spec.model is ReferralRequested)
        earlier = _referral(clock, "case-earlier", problem="农贸市场周边占道经营")
        await h.publish(earlier)  # 线索〔2026〕1号, registered alone before the burst
        batch = [
            _referral(clock, "case-a", problem="背街小巷垃圾清运不及时"),
            _referral(clock, "case-b", problem="公共厕所保洁不到位"),
            _referral(clock, "case-a", exposure_id="e2", problem="背街小巷垃圾清运不及时"),  # joins case-a's clue
            _referral(clock, "case-c", problem="农贸市场周边占道经营"),  # same matter as the earlier clue
            _referral(clock, "case-d", problem="井盖缺失未及时补装"),
        ]
        async with h.runtime.db.transaction() as conn:
            await subscription.handle_many(conn, batch)
        registered = await h.emitted(REGISTERED)
        assert [(e["case_id"], e["data"]["number"]) for e in registered] == [
            ("case-earlier", "线索〔2026〕1号"), ("case-a", "线索〔2026〕2号"), ("case-b", "线索〔2026〕3号"),
            ("case-d", "线索〔2026〕4号")]
        assert [e["causation_id"] for e in registered[1:]] == [str(batch[i].id) for i in (0, 1, 4)]
        clues = {c["case_id"]: c for c in (await h.client.get("/clues")).json()}
        assert set(clues) == {"case-earlier", "case-a", "case-b", "case-d"}
        detail = (await h.client.get(f"/clues/{clues['case-a']['id']}")).json()
        assert [s["origin_ref"] for s in detail["sources"]] == ["e1", "e2"]
        assert clues["case-earlier"]["source_count"] == 2  # case-c's referral joined it


async def test_clue_numbers_run_per_year(app, clock):
    async with service_harness(app) as h:
        await h.publish(_referral(clock, "case-a", problem="背街小巷垃圾清运不及时"))
        await h.publish(_referral(clock, "case-b", problem="农贸市场周边占道经营"))
        clock.set(datetime(2027, 1, 4, 9, 0, tzinfo=CHINA_TZ))
        await h.publish(_referral(clock, "case-c", problem="公共厕所保洁不到位"))
        numbers = [e["data"]["number"] for e in await h.emitted(REGISTERED)]
        assert numbers == ["线索〔2026〕1号", "线索〔2026〕2号", "线索〔2027〕1号"]


async def test_assign_dispose_decide_publish_emits_four_events_in_order(app, clock):
    async with service_harness(app) as h:
        clue = await _registered_clue(h, clock)
        cid = clue["id"]
        assigned = await h.client.post(f"/clues/{cid}/assign",
                                       json={"assignee": "市中区纪委", "mode": "assign", "by": "市纪委党风政风监督室"})
        assert assigned.status_code == 200, assigned.text
        # 15 working days from Wed 09-30 skip the National Day holiday and count Sat 10-10 (调休).
        assert assigned.json()["due"] == "2026-10-27"
        disposed = await h.client.post(f"/clues/{cid}/dispose",
                                       json={"finding": "confirmed", "summary": "经查，该局对曝光问题整改不力"})
        assert disposed.status_code == 200, disposed.text
        decided = await h.client.post(f"/clues/{cid}/decide",
                                      json={"sanction": "criticism_notice", "person": "李明", "reason": "履职不到位"})
        assert decided.status_code == 200, decided.text
        assert decided.json()["decision"]["sanction_label"] == "通报批评"
        published = await h.client.post(f"/clues/{cid}/publish",
                                        json={"summary": "市中区城管局对媒体曝光问题整改不力，对该局予以通报批评。"})
        assert published.status_code == 200, published.text
        assert published.json()["state"] == "published"

        emitted = await h.emitted()
        assert [e["type"] for e in emitted] == [REGISTERED, ASSIGNED, DISPOSED, DECIDED, PUBLISHED]
        assert {e["case_id"] for e in emitted} == {clue["case_id"]}
        assert emitted[1]["data"]["mode"] == "assign"
        # The person who acted is the authenticated caller; `by` names the assigning office (the supervisor).
        assert emitted[1]["actor"] == "tester" and "discipline" in emitted[1]["actor_role"].split(",")
        assert assigned.json()["supervisor"] == "市纪委党风政风监督室"
        assert emitted[3]["data"]["person"] == "李明"
        outcome = emitted[4]["data"]
        assert outcome["sanction"] == "criticism_notice"
        assert outcome["decision_id"] == emitted[3]["data"]["decision_id"]
        assert "李明" not in json.dumps(emitted[4], ensure_ascii=False)
        listed = (await h.client.get("/clues", params={"state": "published"})).json()
        assert [c["id"] for c in listed] == [cid]
        assert (await h.client.get("/clues", params={"state": "registered"})).json() == []


async def test_steps_out_of_order_are_refused_with_409(app, clock):
    async with service_harness(app) as h:
        cid = (await _registered_clue(h, clock))["id"]
        early = await h.client.post(f"/clues/{cid}/dispose", json={"finding": "confirmed", "summary": "x"})
        assert early.status_code == 409
        assert "assign" in early.json()["detail"]["reason"]
        assert (await h.client.post(f"/clues/{cid}/publish", json={"summary": "x"})).status_code == 409
        ok = await h.client.post(f"/clues/{cid}/assign", json={"assignee": "市中区纪委", "mode": "transfer",
                                                               "due_working_days": 5})
        assert ok.status_code == 200
        again = await h.client.post(f"/clues/{cid}/assign", json={"assignee": "历下区纪委", "mode": "assign"})
        assert again.status_code == 409
        decide = await h.client.post(f"/clues/{cid}/decide", json={"sanction": "accountability", "reason": "x"})
        assert decide.status_code == 409
        assert [e["type"] for e in await h.emitted()] == [REGISTERED, ASSIGNED]
        clue = (await h.client.get(f"/clues/{cid}")).json()
        assert clue["state"] == "assigned"
        assert clue["assignee"] == "市中区纪委"


async def test_unfounded_clue_gets_no_action_and_is_not_published(app, clock):
    async with service_harness(app) as h:
        cid = (await _registered_clue(h, clock))["id"]
        await h.client.post(f"/clues/{cid}/assign", json={"assignee": "市中区纪委", "mode": "assign"})
        await h.client.post(f"/clues/{cid}/dispose", json={"finding": "unfounded", "summary": "查无实据"})
        refused = await h.client.post(f"/clues/{cid}/decide", json={"sanction": "accountability", "reason": "x"})
        assert refused.status_code == 422
        assert refused.json()["detail"]["field"] == "sanction"
        ok = await h.client.post(f"/clues/{cid}/decide", json={"sanction": "no_action", "reason": "查无实据"})
        assert ok.status_code == 200
        not_published = await h.client.post(f"/clues/{cid}/publish", json={"summary": "不予问责"})
        assert not_published.status_code == 409
        assert await h.emitted(PUBLISHED) == []


async def test_publication_naming_the_person_is_refused_with_422(app, clock):
    async with service_harness(app) as h:
        cid = (await _registered_clue(h, clock))["id"]
        await h.client.post(f"/clues/{cid}/assign", json={"assignee": "市中区纪委", "mode": "assign"})
        await h.client.post(f"/clues/{cid}/dispose", json={"finding": "partly_confirmed", "summary": "部分属实"})
        await h.client.post(f"/clues/{cid}/decide",
                            json={"sanction": "admonishment_talk", "person": "赵卫东", "reason": "推诿扯皮"})
        named = await h.client.post(f"/clues/{cid}/publish", json={"summary": "对赵卫东进行诫勉谈话"})
        assert named.status_code == 422
        assert named.json()["detail"]["field"] == "summary"
        assert await h.emitted(PUBLISHED) == []
        redacted = await h.client.post(f"/clues/{cid}/publish", json={"summary": "对市中区城管局赵某进行诫勉谈话"})
        assert redacted.status_code == 200
        assert len(await h.emitted(PUBLISHED)) == 1


async def test_unknown_clue_is_404_and_a_bad_mode_is_422(app, clock):
    async with service_harness(app) as h:
        missing = await h.client.get(f"/clues/{uuid.uuid4()}")
        assert missing.status_code == 404
        cid = (await _registered_clue(h, clock))["id"]
        bad = await h.client.post(f"/clues/{cid}/assign", json={"assignee": "市中区纪委", "mode": "delegate"})
        assert bad.status_code == 422
