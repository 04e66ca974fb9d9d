"""Media handlers, timers and HTTP API on TestNatsBroker, with a fake clock."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest

from sanwei_contracts import new_envelope
from sanwei_contracts.events.common import NoticeLevel, Sanction
from sanwei_contracts.events.discipline import OutcomePublished
from sanwei_contracts.events.supervision import NoticeUnrectified
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import service_harness

pytestmark = pytest.mark.handler

MONDAY = datetime(2026, 9, 28, 9, 0, tzinfo=CHINA_TZ)
DUE = datetime(2026, 10, 11, 0, 0, tzinfo=CHINA_TZ)  # 5 working days after Mon 09-28, across National Day

PUBLISHED = "sanwei.media.exposure.v1.published"
RECTIFIED = "sanwei.media.exposure.v1.rectified"
UNRECTIFIED = "sanwei.media.exposure.v1.unrectified"
REPUBLISHED = "sanwei.media.exposure.v1.republished"
REFERRAL = "sanwei.media.referral.v1.requested"
FOLLOWED_UP = "sanwei.media.exposure.v1.followed_up"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY)


def _notice_unrectified(clock: FakeClock, case_id: str, number: str = "督〔2026〕7号"):
    return new_envelope(
        NoticeUnrectified(notice_id="n1", number=number, task_id=case_id, unit="市中区城管局",
                          problem="背街小巷垃圾清运不及时", level=NoticeLevel.RED, deadline=date(2026, 9, 25),
                          detected_at=clock.now()),
        subject="notice/n1", case_id=case_id, time=clock.now(),
    )


async def _expose(client, **overrides) -> dict:
    body = {"unit": "历下区城管局", "title": "经十路沿线占道经营", "problem": "早晚高峰占道经营，屡禁不止",
            "by": "济南日报", **overrides}
    response = await client.post("/exposures", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_notice_unrectified_twice_publishes_exactly_one_exposure(app, clock):
    async with service_harness(app) as h:
        case_id = str(uuid.uuid4())
        event = _notice_unrectified(clock, case_id)
        await h.publish(event)
        await h.publish(event)  # redelivery
        await h.publish(_notice_unrectified(clock, case_id))  # the same notice reported again, a new event id
        published = await h.emitted(PUBLISHED)
        assert len(published) == 1
        assert published[0]["case_id"] == case_id
        assert published[0]["causation_id"] == str(event.id)
        data = published[0]["data"]
        assert data["origin"] == "notice_unrectified"
        assert data["origin_ref"] == "督〔2026〕7号"
        assert data["unit"] == "市中区城管局"
        assert data["deadline"] == "2026-10-10"
        listed = (await h.client.get("/exposures", params={"unit": "市中区城管局"})).json()
        assert [e["id"] for e in listed] == [data["exposure_id"]]
        assert listed[0]["status"] == "open"


async def test_notices_that_ran_out_together_get_one_exposure_each_with_its_timer(app, clock):
    async with service_harness(app) as h:
        subscription = next(c.subscription for c in h.runtime.consumers if c.spec.model is NoticeUnrectified)
        earlier = _notice_unrectified(clock, str(uuid.uuid4()), "督〔2026〕1号")
        await h.publish(earlier)  # exposed before, alone
        batch = [_notice_unrectified(clock, str(uuid.uuid4()), f"督〔2026〕{n}号") for n in (2, 3, 4)]
        again = _notice_unrectified(clock, batch[0].case_id, "督〔2026〕2号")  # the same notice twice in the batch
        async with h.runtime.db.transaction() as conn:
            await subscription.handle_many(conn, [batch[0], again, _notice_unrectified(clock, earlier.case_id,
                                                                                      "督〔2026〕1号"), *batch[1:]])
        published = await h.emitted(PUBLISHED)
        assert [p["data"]["origin_ref"] for p in published] == [f"督〔2026〕{n}号" for n in (1, 2, 3, 4)]
        assert [p["causation_id"] for p in published[1:]] == [str(e.id) for e in batch]
        assert {p["data"]["deadline"] for p in published} == {"2026-10-10"}
        exposure = (await h.client.get(f"/exposures/{published[1]['data']['exposure_id']}")).json()
        assert [line["kind"] for line in exposure["history"]] == ["published"]
        clock.set(DUE + timedelta(days=1))
        assert await h.fire_timers() == 4  # each 整改时限 armed once
        assert len(await h.emitted(UNRECTIFIED)) == 4


async def test_rectification_closes_the_case_and_the_timer_never_fires(app, clock):
    async with service_harness(app) as h:
        exposure = await _expose(h.client)
        assert exposure["deadline"] == "2026-10-10"
        follow = await h.client.post(f"/exposures/{exposure['id']}/follow-ups",
                                     json={"note": "记者回访：摊点减少但未清零", "by": "济南时报"})
        assert follow.status_code == 201
        assert follow.json()["history"][-1]["kind"] == "follow_up"
        clock.advance(timedelta(days=2))
        response = await h.client.post(f"/exposures/{exposure['id']}/rectification",
                                       json={"confirmed_by": "济南日报记者", "note": "摊点已全部清理"})
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "rectified"
        again = await h.client.post(f"/exposures/{exposure['id']}/rectification",
                                    json={"confirmed_by": "济南日报记者", "note": "再确认"})
        assert again.status_code == 409
        assert "already rectified" in again.json()["detail"]["reason"]
        clock.set(DUE + timedelta(days=30))
        assert await h.fire_timers() == 0
        rectified = await h.emitted(RECTIFIED)
        assert len(rectified) == 1
        assert rectified[0]["case_id"] == exposure["case_id"] == exposure["id"]
        assert await h.emitted(UNRECTIFIED) == []
        assert await h.emitted(REFERRAL) == []
        feed = (await h.client.get("/feed")).json()
        assert [i["kind"] for i in feed] == ["rectified", "exposed"]


async def test_timer_unrectified_republished_and_referred_exactly_once(app, clock):
    async with service_harness(app) as h:
        case_id = str(uuid.uuid4())
        await h.publish(_notice_unrectified(clock, case_id))
        exposure_id = (await h.emitted(PUBLISHED))[0]["data"]["exposure_id"]
        await h.client.post(f"/exposures/{exposure_id}/follow-ups", json={"note": "垃圾仍堆放", "by": "舜网"})
        clock.set(DUE - timedelta(seconds=1))
        assert await h.fire_timers() == 0
        clock.set(DUE + timedelta(minutes=1))
        assert await h.fire_timers() == 1
        assert await h.fire_timers() == 0

        emitted = await h.emitted()
        assert [e["type"] for e in emitted] == [PUBLISHED, FOLLOWED_UP, UNRECTIFIED, REPUBLISHED, REFERRAL]
        assert {e["case_id"] for e in emitted} == {case_id}
        assert emitted[1]["data"]["note"] == "垃圾仍堆放" and emitted[1]["data"]["by"] == "舜网"
        unrectified, republished, referral = emitted[2:]
        assert unrectified["data"]["deadline"] == "2026-10-10"
        assert republished["data"]["round"] == 2
        assert republished["causation_id"] == unrectified["id"]
        history = republished["data"]["history"]
        assert len(history) == 3
        assert "曝光台曝光" in history[0] and "垃圾仍堆放" in history[1] and "逾期未整改" in history[2]
        data = referral["data"]
        assert data["origin"] == "exposure_unrectified"
        assert data["origin_ref"] == exposure_id
        assert data["evidence"][:3] == history
        assert "移交纪检监察机关" in data["reason"]

        detail = (await h.client.get(f"/exposures/{exposure_id}")).json()
        assert detail["status"] == "referred"
        assert detail["round"] == 2
        assert detail["referral_id"] == data["referral_id"]
        assert [e["kind"] for e in detail["history"]] == [
            "published", "follow_up", "unrectified", "republished", "referred"]
        late = await h.client.post(f"/exposures/{exposure_id}/rectification",
                                   json={"confirmed_by": "记者", "note": "终于整改"})
        assert late.status_code == 409
        assert (await h.client.get("/exposures", params={"status": "referred"})).json()[0]["id"] == exposure_id


async def test_exposures_due_together_are_each_republished_and_referred_as_alone(app, clock):
    async with service_harness(app) as h:
        for n in (1, 2, 3):
            await h.publish(_notice_unrectified(clock, f"case-{n}", f"督〔2026〕{n}号"))
        ids = [p["data"]["exposure_id"] for p in await h.emitted(PUBLISHED)]
        await h.client.post(f"/exposures/{ids[1]}/follow-ups", json={"note": "垃圾仍堆放", "by": "舜网"})
        clock.set(DUE + timedelta(minutes=1))
        assert await h.fire_timers() == 3  # one run of three exposure.due timers: the bulk form
        unrectified, republished, referrals = [await h.emitted(t) for t in (UNRECTIFIED, REPUBLISHED, REFERRAL)]
        assert [e["data"]["exposure_id"] for e in unrectified] == ids
        assert [e["causation_id"] for e in republished] == [e["id"] for e in unrectified]
        assert [e["causation_id"] for e in referrals] == [e["id"] for e in unrectified]
        assert [e["case_id"] for e in referrals] == ["case-1", "case-2", "case-3"]
        assert [len(e["data"]["history"]) for e in republished] == [2, 3, 2]
        for exposure_id, referral in zip(ids, referrals, strict=True):
            detail = (await h.client.get(f"/exposures/{exposure_id}")).json()
            assert detail["status"] == "referred" and detail["round"] == 2
            assert detail["referral_id"] == referral["data"]["referral_id"]
            assert [e["kind"] for e in detail["history"]][-3:] == ["unrectified", "republished", "referred"]
        assert await h.fire_timers() == 0


async def test_published_outcome_shows_on_the_feed_and_the_exposure(app, clock):
    async with service_harness(app) as h:
        case_id = str(uuid.uuid4())
        await h.publish(_notice_unrectified(clock, case_id))
        exposure_id = (await h.emitted(PUBLISHED))[0]["data"]["exposure_id"]
        clock.set(DUE + timedelta(hours=1))
        await h.fire_timers()
        clock.advance(timedelta(days=20))
        outcome = new_envelope(
            OutcomePublished(clue_id="c1", decision_id="d1", unit="市中区城管局", sanction=Sanction.CRITICISM_NOTICE,
                             summary="市中区城管局对督办问题整改不力，予以通报批评。", published_at=clock.now()),
            subject="clue/c1", case_id=case_id, time=clock.now(),
        )
        await h.publish(outcome)
        await h.publish(outcome)
        feed = (await h.client.get("/feed")).json()
        assert [i["kind"] for i in feed] == ["outcome", "reexposed", "exposed"]
        assert feed[0]["sanction_label"] == "通报批评"
        assert feed[0]["exposure_id"] == exposure_id
        assert feed[0]["text"] == "市中区城管局对督办问题整改不力，予以通报批评。"
        detail = (await h.client.get(f"/exposures/{exposure_id}")).json()
        assert [o["decision_id"] for o in detail["outcomes"]] == ["d1"]
        assert detail["history"][-1]["kind"] == "outcome"
        assert len((await h.client.get("/outcomes")).json()) == 1
        assert len((await h.client.get("/feed", params={"limit": 1})).json()) == 1


async def test_own_finding_uses_its_working_days_and_a_citizen_clue_is_exposed_once(app):
    async with service_harness(app) as h:
        exposure = await _expose(h.client, working_days=1, origin="citizen_clue", origin_ref="12345-0001")
        assert exposure["deadline"] == "2026-09-29"
        assert exposure["origin"] == "citizen_clue"
        duplicate = await h.client.post("/exposures", json={"unit": "历下区城管局", "title": "同一线索",
                                                             "problem": "重复", "origin": "citizen_clue",
                                                             "origin_ref": "12345-0001"})
        assert duplicate.status_code == 409
        explain = (await h.client.get(f"/exposures/{exposure['id']}/deadline/explain")).json()
        assert explain["counted"] == ["2026-09-29"]
        assert len(await h.emitted(PUBLISHED)) == 1


async def test_bad_requests_are_refused_with_a_reason(app):
    async with service_harness(app) as h:
        assert (await h.client.post("/exposures", json={"unit": "x", "title": "", "problem": "p"})).status_code == 422
        assert (await h.client.post("/exposures", json={"unit": "x", "title": "t", "problem": "p",
                                                        "origin": "notice_unrectified"})).status_code == 422
        missing = await h.client.get(f"/exposures/{uuid.uuid4()}")
        assert missing.status_code == 404
        assert "no exposure" in missing.json()["detail"]["reason"]
        blank = await h.client.post("/exposures", json={"unit": "  ", "title": "t", "problem": "p"})
        assert blank.status_code == 422
        assert blank.json()["detail"]["field"] == "unit"
