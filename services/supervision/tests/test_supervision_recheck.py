"""回头看: a rectified notice is re-checked N working days after acceptance and can reopen."""

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

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=CHINA_TZ)
HQ = "市创城指挥部"
UNIT = "历下区"
REOPENED = "sanwei.supervision.notice.v1.reopened"
UNRECTIFIED = "sanwei.supervision.notice.v1.unrectified"


async def _rectified(h, clock) -> dict:
    notice = (await h.client.post("/notices", json={"unit": UNIT, "problem": "泉城路沿线占道经营",
                                                    "issued_by": HQ})).json()
    report = (await h.client.post(f"/notices/{notice['id']}/rectification-reports",
                                  json={"unit": UNIT, "text": "已清理占道摊点", "evidence": ["照片.jpg"]})).json()
    accepted = await h.client.post(f"/notices/{notice['id']}/rectification-reports/{report['id']}/accept",
                                   json={"accepted_by": HQ})
    assert accepted.status_code == 200
    return accepted.json()


async def test_a_recheck_that_finds_the_problem_again_reopens_the_notice_one_level_up(tmp_path):
    clock = FakeClock(MONDAY)
    app = build_test_app(create_app, SupervisionSettings, metadata, kit, tmp_path, clock, recheck_working_days=5)
    async with service_harness(app) as h:
        notice = await _rectified(h, clock)
        assert notice["recheck_on"] == "2026-11-09"  # 5 working days after Monday 11-02
        body = {"rechecked_by": HQ, "found_again": True, "note": "回头看发现夜间占道经营反弹"}
        early = await h.client.post(f"/notices/{notice['id']}/recheck", json=body)
        assert early.status_code == 409 and "2026-11-09" in early.json()["detail"]["reason"]
        assert (await h.client.get("/rechecks/due")).json() == []
        clock.set(datetime(2026, 11, 9, 10, 0, tzinfo=CHINA_TZ))
        assert [n["id"] for n in (await h.client.get("/rechecks/due")).json()] == [notice["id"]]
        reopened = await h.client.post(f"/notices/{notice['id']}/recheck", json=body)
        assert reopened.status_code == 200, reopened.text
        view = reopened.json()
        assert (view["status"], view["level"], view["reopen_count"]) == ("open", "red", 1)
        assert view["working_days"] == 3 and view["deadline"] == "2026-11-12"  # red: 3 working days
        assert view["rectified_at"] is None and view["recheck_note"] == "回头看发现夜间占道经营反弹"
        [event] = await h.emitted(REOPENED)
        assert event["case_id"] == notice["case_id"] and event["data"]["rechecked_by"] == HQ
        assert event["actor"] == "tester"  # the authenticated caller (the harness's token), not a body field
        assert event["data"]["finding"] == "回头看发现夜间占道经营反弹" and event["data"]["level"] == "red"
        assert (await h.client.get("/rechecks/due")).json() == []
        assert (await h.client.post(f"/notices/{notice['id']}/recheck", json=body)).status_code == 409
        # The reopened notice runs its new deadline: unanswered, it goes to the media once.
        clock.set(datetime(2026, 11, 13, 0, 0, 1, tzinfo=CHINA_TZ))
        assert await h.fire_timers() == 1
        [unrectified] = await h.emitted(UNRECTIFIED)
        assert unrectified["data"]["deadline"] == "2026-11-12"


async def test_a_clean_recheck_is_recorded_and_the_case_stays_closed(tmp_path):
    clock = FakeClock(MONDAY)
    app = build_test_app(create_app, SupervisionSettings, metadata, kit, tmp_path, clock)
    async with service_harness(app) as h:
        notice = await _rectified(h, clock)
        assert notice["recheck_on"] == "2026-11-16"  # default: 10 working days
        clock.set(datetime(2026, 11, 20, 10, 0, tzinfo=CHINA_TZ))
        refused = await h.client.post(f"/notices/{notice['id']}/recheck",
                                      json={"rechecked_by": UNIT, "found_again": False, "note": "已整改"})
        assert refused.status_code == 422  # the unit does not re-check itself
        done = await h.client.post(f"/notices/{notice['id']}/recheck",
                                   json={"rechecked_by": HQ, "found_again": False, "note": "未发现反弹"})
        assert done.status_code == 200
        assert (done.json()["status"], done.json()["rechecked_by"]) == ("rectified", HQ)
        assert await h.emitted(REOPENED) == []
        clock.advance(timedelta(days=60))
        assert await h.fire_timers() == 0
        open_notice = (await h.client.post("/notices", json={"unit": UNIT, "problem": "共享单车乱停放"})).json()
        not_rectified = await h.client.post(f"/notices/{open_notice['id']}/recheck",
                                            json={"rechecked_by": HQ, "found_again": True, "note": "仍未整改"})
        assert not_rectified.status_code == 409
