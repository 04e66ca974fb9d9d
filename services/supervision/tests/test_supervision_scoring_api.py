"""模拟测评 through the HTTP API: 日记分, 周通报 / 月小结 rankings, referrals to discipline."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import build_test_app, service_harness
from sanwei_supervision.adapters.tables import kit, metadata
from sanwei_supervision.app import create_app
from sanwei_supervision.settings import SupervisionSettings

pytestmark = pytest.mark.handler

HQ = "市创城指挥部"
UNITS = ["趵突泉街道", "泉城路街道", "大明湖街道", "舜玉路街道", "七里山街道", "杆石桥街道"]
PUBLISHED = "sanwei.supervision.ranking.v1.published"
REFERRAL = "sanwei.supervision.referral.v1.requested"
# Monday 2026-10-05 starts ISO week 41.
MONDAY_W41 = datetime(2026, 10, 5, 9, 0, tzinfo=CHINA_TZ)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_W41)


@pytest.fixture
def app(tmp_path, clock):
    return build_test_app(create_app, SupervisionSettings, metadata, kit, tmp_path, clock,
                          ranking_top_k=1, ranking_bottom_k=2, ranking_referral_streak=3)


async def _scheme(h) -> str:
    created = await h.client.post("/schemes", json={"name": "露天烧烤整治考核", "units": UNITS, "created_by": HQ})
    assert created.status_code == 201, created.text
    return created.json()["id"]


async def _deduct(h, scheme_id, unit, day, points, item="露天烧烤"):
    response = await h.client.post(f"/schemes/{scheme_id}/deductions", json={
        "unit": unit, "day": day, "item": item, "points": points, "reason": "禁烧区内店外经营，油烟扰民",
        "evidence": ["12345-20261006-0031", "巡查照片.jpg"], "recorded_by": "城管巡查组"})
    assert response.status_code == 201, response.text
    return response.json()


async def _publish(h, scheme_id, period, kind="week"):
    return await h.client.post(f"/schemes/{scheme_id}/rankings",
                               json={"period_kind": kind, "period": period, "published_by": HQ})


async def test_bottom_k_in_m_weeks_refers_exactly_the_right_units_once(app, clock):
    async with service_harness(app) as h:
        scheme_id = await _scheme(h)
        # Weeks 41-44, bottom 2 (ties at the boundary all in): 舜玉路 every week, 七里山 in 41, 42 and 44 only (W43 breaks it),
        # 杆石桥 bottom in 42, 43, 44 (a streak of 3 that starts later).
        losers = {
            "2026-W41": {"舜玉路街道": 6, "七里山街道": 4, "大明湖街道": 1},
            "2026-W42": {"舜玉路街道": 5, "七里山街道": 5, "杆石桥街道": 5, "大明湖街道": 1},
            "2026-W43": {"舜玉路街道": 2.5, "杆石桥街道": 7, "七里山街道": 0.5},
            "2026-W44": {"舜玉路街道": 8, "杆石桥街道": 6, "七里山街道": 6},
        }
        days = {"2026-W41": "2026-10-06", "2026-W42": "2026-10-13", "2026-W43": "2026-10-20",
                "2026-W44": "2026-10-27"}
        outcomes = {}
        for week, losses in losers.items():
            tuesday = datetime.fromisoformat(days[week] + "T10:00:00+08:00")
            clock.set(tuesday)
            for unit, points in losses.items():
                await _deduct(h, scheme_id, unit, days[week], points)
            clock.set(tuesday + timedelta(days=6))  # the next Monday: the week has ended
            published = await _publish(h, scheme_id, week)
            assert published.status_code == 201, published.text
            outcomes[week] = {line["unit"]: line["outcome"] for line in published.json()["lines"]}
        assert outcomes["2026-W41"]["舜玉路街道"] == "criticized"
        assert outcomes["2026-W42"]["舜玉路街道"] == "admonished"
        assert outcomes["2026-W43"]["舜玉路街道"] == "referred"
        assert outcomes["2026-W44"]["舜玉路街道"] == "admonished"  # still bottom, same streak: no new referral
        assert outcomes["2026-W44"]["杆石桥街道"] == "referred"
        assert outcomes["2026-W44"]["七里山街道"] == "criticized"  # W43 broke its streak
        referrals = await h.emitted(REFERRAL)
        assert [(r["data"]["unit"], r["data"]["periods"]) for r in referrals] == [
            ("舜玉路街道", ["2026-W41", "2026-W42", "2026-W43"]),
            ("杆石桥街道", ["2026-W42", "2026-W43", "2026-W44"]),
        ]
        first = referrals[0]
        assert first["data"]["origin"] == "ranking"
        assert first["actor"] == "tester"  # the authenticated caller (the harness's token), not published_by
        assert first["data"]["problem"] == "舜玉路街道在露天烧烤整治考核中连续3期排名后位（2026-W41、2026-W42、2026-W43）"
        assert first["data"]["evidence"][0] == "露天烧烤整治考核 2026-W41 第6名（94.00分）"
        assert first["case_id"] == first["data"]["referral_id"]
        rankings = await h.emitted(PUBLISHED)
        assert [r["data"]["period"] for r in rankings] == ["2026-W41", "2026-W42", "2026-W43", "2026-W44"]
        assert first["data"]["origin_ref"] == rankings[2]["data"]["ranking_id"]
        assert rankings[0]["data"]["praised"] == ["杆石桥街道", "泉城路街道", "趵突泉街道"]  # tied at rank 1
        assert rankings[0]["data"]["criticized"] == ["七里山街道", "舜玉路街道"]
        listed = (await h.client.get(f"/schemes/{scheme_id}/referrals")).json()
        assert [r["unit"] for r in listed] == ["舜玉路街道", "杆石桥街道"]
        again = await _publish(h, scheme_id, "2026-W44")
        assert again.status_code == 409  # a published ranking is final
        assert len(await h.emitted(REFERRAL)) == 2


async def test_daily_scores_weekly_and_monthly_rankings(app, clock):
    async with service_harness(app) as h:
        scheme_id = await _scheme(h)
        clock.set(datetime(2026, 10, 30, 18, 0, tzinfo=CHINA_TZ))
        await _deduct(h, scheme_id, "大明湖街道", "2026-10-30", 2, item="油烟净化设备未安装")
        await _deduct(h, scheme_id, "大明湖街道", "2026-10-30", 0.5)
        await _deduct(h, scheme_id, "舜玉路街道", "2026-10-06", 1)
        daily = (await h.client.get(f"/schemes/{scheme_id}/daily", params={"day": "2026-10-30"})).json()
        assert daily["lines"][0]["unit"] == "大明湖街道"
        assert daily["lines"][0]["score"] == 97.5 and len(daily["lines"][0]["deductions"]) == 2
        assert all(line["score"] == 100 for line in daily["lines"][1:])
        early = await _publish(h, scheme_id, "2026-10", kind="month")
        assert early.status_code == 409 and "2026-10-31" in early.json()["detail"]["reason"]
        clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=CHINA_TZ))
        month = await h.client.post(f"/schemes/{scheme_id}/rankings", json={"period_kind": "month"})
        assert month.status_code == 201, month.text
        body = month.json()
        assert body["period"] == "2026-10" and body["label"] == "2026年10月"
        assert [(line["unit"], line["rank"], line["score"]) for line in body["lines"]][-2:] == [
            ("舜玉路街道", 5, 99.0), ("大明湖街道", 6, 97.5)]
        assert body["lines"][-1]["outcome_label"] == "通报批评"
        late = await h.client.post(f"/schemes/{scheme_id}/deductions", json={
            "unit": "大明湖街道", "day": "2026-10-31", "item": "露天烧烤", "points": 1, "reason": "补记"})
        assert late.status_code == 409  # October is published: its scores are final
        got = await h.client.get(f"/schemes/{scheme_id}/rankings/month/2026-10")
        assert got.status_code == 200 and got.json()["id"] == body["id"]
        assert (await h.client.get(f"/schemes/{scheme_id}/rankings/week/2026-W44")).status_code == 404
        assert (await h.client.get(f"/schemes/{scheme_id}/rankings/week/oops")).status_code == 422


async def test_bad_scoring_input_is_refused_with_a_reason(app, clock):
    async with service_harness(app) as h:
        scheme_id = await _scheme(h)
        duplicate = await h.client.post("/schemes", json={"name": "露天烧烤整治考核", "units": UNITS})
        assert duplicate.status_code == 409
        stranger = await h.client.post(f"/schemes/{scheme_id}/deductions", json={
            "unit": "历下区", "item": "露天烧烤", "points": 1, "reason": "油烟"})
        assert stranger.status_code == 422 and stranger.json()["detail"]["field"] == "unit"
        assert (await h.client.post("/schemes/nope/deductions", json={
            "unit": "大明湖街道", "item": "露天烧烤", "points": 1, "reason": "油烟"})).status_code == 404
        negative = await h.client.post(f"/schemes/{scheme_id}/deductions", json={
            "unit": "大明湖街道", "item": "露天烧烤", "points": -1, "reason": "油烟"})
        assert negative.status_code == 422
