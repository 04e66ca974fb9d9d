"""Who may call what on the supervision service: tokens, roles, unit scope, the public records."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sanwei_kit.auth import Role
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import anonymous_client, operations_open_to_the_public, service_harness
from sanwei_supervision.api import build_router
from sanwei_supervision.service import SupervisionService

pytestmark = pytest.mark.handler

MONDAY = datetime(2026, 10, 12, 9, 0, tzinfo=CHINA_TZ)  # ISO week 2026-W42
UNIT_A = "区发改局"
UNIT_B = "区住建局"
SUBMITTED = "sanwei.supervision.notice.v1.rectification_submitted"
# Published so that anyone can check them: the 双随机 records (and their re-run) and the rankings.
PUBLIC = {("GET", "/draws"), ("GET", "/draws/{draw_id}"), ("POST", "/draws/verify"),
          ("GET", "/schemes/{scheme_id}/rankings"), ("GET", "/schemes/{scheme_id}/rankings/{period_kind}/{period}")}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY)


async def _notice(h, unit: str, problem: str = "泉城路沿线占道经营") -> dict:
    response = await h.client.post("/notices", json={"unit": unit, "problem": problem, "issued_by": "市创城指挥部"})
    assert response.status_code == 201, response.text
    return response.json()


async def test_every_endpoint_needs_a_token_except_the_published_draws_and_rankings(app):
    runtime = app.state.runtime
    router = build_router(runtime, SupervisionService(runtime, runtime.settings))
    async with service_harness(app):
        assert await operations_open_to_the_public(app, router) == PUBLIC


async def test_the_public_re_runs_a_published_draw_and_reads_a_published_ranking(app, clock):
    async with service_harness(app) as h, anonymous_client(app) as public:
        draw = (await h.client.post("/draws", json={
            "scope": "安全生产双随机抽查", "seed": "58213", "inspector_pool": ["执法证01", "执法证02", "执法证03"],
            "targets": ["历城区某企业1", "章丘区某企业2", "长清区某企业3"], "inspectors_count": 2,
            "targets_count": 1})).json()
        record = (await public.get(f"/draws/{draw['id']}")).json()
        assert record["drawn_targets"] == draw["drawn_targets"]
        assert [d["id"] for d in (await public.get("/draws")).json()] == [draw["id"]]
        assert (await public.post("/draws/verify", json=record)).json()["matches"] is True
        assert (await public.post("/draws", json={"scope": "x", "inspector_pool": ["a"], "targets": ["b"],
                                                  "inspectors_count": 1, "targets_count": 1})).status_code == 401

        scheme = (await h.client.post("/schemes", json={"name": "露天烧烤整治考核",
                                                        "units": ["趵突泉街道", "舜玉路街道"]})).json()
        clock.set(MONDAY + timedelta(days=7))
        published = await h.client.post(f"/schemes/{scheme['id']}/rankings",
                                        json={"period_kind": "week", "period": "2026-W42"})
        assert published.status_code == 201, published.text
        rankings = await public.get(f"/schemes/{scheme['id']}/rankings")
        assert rankings.status_code == 200 and [r["period"] for r in rankings.json()] == ["2026-W42"]
        assert (await public.get(f"/schemes/{scheme['id']}/rankings/week/2026-W42")).status_code == 200
        # The scores behind it and the scheme itself are not published.
        assert (await public.get(f"/schemes/{scheme['id']}/daily")).status_code == 401


async def test_each_office_does_only_its_part(app):
    async with service_harness(app) as h:
        media = h.as_(Role.MEDIA, name="济南日报编辑")
        refused = await h.client.post("/notices", json={"unit": UNIT_A, "problem": "占道经营"}, headers=media)
        assert refused.status_code == 403
        assert "command" in refused.json()["detail"]["reason"]
        notice = await _notice(h, UNIT_A)
        auditor = h.as_(Role.AUDITOR)
        assert (await h.client.get(f"/notices/{notice['id']}", headers=auditor)).status_code == 200
        assert (await h.client.get("/inspections", headers=auditor)).status_code == 200
        report = (await h.client.post(f"/notices/{notice['id']}/rectification-reports", headers=h.as_(
            Role.UNIT, unit=UNIT_A), json={"unit": UNIT_A, "text": "已整改", "evidence": []})).json()
        for caller in (auditor, media, h.as_(Role.UNIT, unit=UNIT_A)):
            accepted = await h.client.post(f"/notices/{notice['id']}/rectification-reports/{report['id']}/accept",
                                           json={"accepted_by": "市创城指挥部"}, headers=caller)
            assert accepted.status_code == 403 and accepted.json()["detail"]["reason"]
        unit = h.as_(Role.UNIT, unit=UNIT_A)
        assert (await h.client.get("/inspections", headers=unit)).status_code == 403
        assert (await h.client.get("/rechecks/due", headers=unit)).status_code == 403
        assert (await h.client.get("/reports/weekly", headers=auditor)).status_code == 403
        assert (await h.client.post("/draws", headers=h.as_(Role.INTEGRATION), json={
            "scope": "x", "inspector_pool": ["a"], "targets": ["b"], "inspectors_count": 1,
            "targets_count": 1})).status_code == 403


async def test_a_unit_operator_sees_and_answers_only_its_own_units_notices(app):
    async with service_harness(app) as h:
        mine = await _notice(h, UNIT_A)
        sub_unit = await _notice(h, "区粮食和物资储备中心", "粮库周边环境脏乱")
        theirs = await _notice(h, UNIT_B, "建筑工地扬尘")
        operator = h.as_(Role.UNIT, subject="op-fgj", name="发改局联络员", unit=UNIT_A,
                         units=(UNIT_A, "区粮食和物资储备中心"))

        listed = (await h.client.get("/notices", headers=operator)).json()
        assert {n["id"] for n in listed} == {mine["id"], sub_unit["id"]}
        assert (await h.client.get("/notices", params={"unit": UNIT_B}, headers=operator)).json() == []
        assert len((await h.client.get("/notices")).json()) == 3  # the 指挥部 sees all
        assert (await h.client.get(f"/notices/{mine['id']}", headers=operator)).status_code == 200
        for path in (f"/notices/{theirs['id']}", f"/notices/{theirs['id']}/deadline/explain"):
            refused = await h.client.get(path, headers=operator)
            assert refused.status_code == 403
            assert UNIT_B in refused.json()["detail"]["reason"]

        cross = await h.client.post(f"/notices/{theirs['id']}/rectification-reports", headers=operator,
                                    json={"unit": UNIT_B, "text": "已整改", "evidence": []})
        assert cross.status_code == 403
        assert theirs["number"] in cross.json()["detail"]["reason"]
        assert await h.emitted(SUBMITTED) == []

        sent = await h.client.post(f"/notices/{mine['id']}/rectification-reports", headers=operator,
                                   json={"unit": UNIT_A, "text": "已清理占道摊点", "evidence": ["整改照片.jpg"]})
        assert sent.status_code == 201, sent.text
        [event] = await h.emitted(SUBMITTED)
        assert (event["actor"], event["actor_role"], event["actor_unit"]) == ("发改局联络员", "unit", UNIT_A)
