"""Who may call what on the media service: tokens, roles, unit scope, the public intake and feed."""

from __future__ import annotations

from datetime import datetime

import pytest

from sanwei_kit.auth import Role
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import anonymous_client, operations_open_to_the_public, service_harness
from sanwei_media.api import build_router
from sanwei_media.service import MediaService

pytestmark = pytest.mark.handler

MONDAY = datetime(2026, 9, 28, 9, 0, tzinfo=CHINA_TZ)
UNIT_A = "历下区城管局"
UNIT_B = "市中区城管局"
CITIZEN = "王小明"
PHONE = "13912345678"
PUBLIC = {("POST", "/clues"), ("GET", "/feed"), ("GET", "/feed.html")}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY)


async def _expose(h, unit: str, title: str = "经十路沿线占道经营") -> dict:
    response = await h.client.post("/exposures", json={"unit": unit, "title": title, "problem": "早晚高峰占道经营"})
    assert response.status_code == 201, response.text
    return response.json()


async def test_every_endpoint_needs_a_token_except_the_citizen_intake_and_the_feed(app):
    runtime = app.state.runtime
    router = build_router(runtime, MediaService(runtime, deadline_working_days=5, hotline_callback_url=None), 50)
    async with service_harness(app):
        assert await operations_open_to_the_public(app, router) == PUBLIC


async def test_a_citizen_sends_a_snapshot_but_cannot_read_clues_or_set_the_editors_fields(app):
    async with service_harness(app) as h, anonymous_client(app) as citizen:
        sent = await citizen.post("/clues", json={"text": f"经十路人行道被占用，{CITIZEN}，{PHONE}", "photos": ["p1.jpg"],
                                                  "reporter_name": CITIZEN, "reporter_phone": PHONE})
        assert sent.status_code == 201, sent.text
        assert set(sent.json()) == {"id", "channel", "ticket_id", "status", "received_at"}
        assert (await citizen.get("/clues")).status_code == 401
        assert (await citizen.get(f"/clues/{sent.json()['id']}")).status_code == 401

        for field, value in (("channel", "hotline"), ("ticket_id", "12345-x"), ("status", "exposed"),
                             ("callback_url", "http://127.0.0.1:9/steal"), ("triaged_by", "编辑")):
            refused = await citizen.post("/clues", json={"text": "井盖缺失", field: value})
            assert refused.status_code == 422, field
            assert refused.json()["detail"][0]["loc"] == ["body", field]
        assert (await citizen.post("/clues", json={"text": "x" * 5001})).status_code == 422
        assert (await citizen.post("/clues", json={"text": "井盖缺失", "photos": ["p.jpg"] * 21})).status_code == 422

        [clue] = (await h.client.get("/clues")).json()
        assert (clue["channel"], clue["status"], clue["ticket_id"], clue["callback_url"]) == (
            "snapshot", "received", None, None)

        exposed = await h.client.post(f"/clues/{clue['id']}/expose", json={
            "unit": UNIT_A, "title": "人行道被占用", "problem": f"{CITIZEN}（{PHONE}）反映经十路人行道被占用"})
        assert exposed.status_code == 201, exposed.text
        feed = await citizen.get("/feed")
        page = await citizen.get("/feed.html")
        assert feed.status_code == page.status_code == 200
        assert "人行道被占用" in feed.text and "人行道被占用" in page.text
        for text in (feed.text, page.text):
            assert CITIZEN not in text and PHONE not in text


async def test_each_office_does_only_its_part(app):
    async with service_harness(app) as h:
        command = h.as_(Role.COMMAND, name="区政府督查室")
        refused = await h.client.post("/exposures", headers=command,
                                      json={"unit": UNIT_A, "title": "占道经营", "problem": "占道经营"})
        assert refused.status_code == 403
        assert "media" in refused.json()["detail"]["reason"]
        exposure = await _expose(h, UNIT_A)
        assert (await h.client.get("/exposures", headers=command)).status_code == 200
        assert (await h.client.get(f"/exposures/{exposure['id']}", headers=command)).status_code == 200
        assert (await h.client.post(f"/exposures/{exposure['id']}/follow-ups", headers=command,
                                    json={"note": "回访", "by": "济南时报"})).status_code == 403
        assert (await h.client.post(f"/exposures/{exposure['id']}/rectification", headers=command,
                                    json={"confirmed_by": "记者回访", "note": "已整改"})).status_code == 403

        hotline = h.as_(Role.INTEGRATION, subject="12345-system", name="12345热线")
        ticket = await h.client.post("/hotline/tickets", headers=hotline, json={
            "ticket_id": "12345-20260928-000123", "time": "2026-09-28T08:15:00+08:00", "text": "垃圾桶满溢"})
        assert ticket.status_code == 201, ticket.text
        clue_id = ticket.json()["id"]
        for caller in (hotline, command, h.as_(Role.DISCIPLINE)):
            assert (await h.client.get("/clues", headers=caller)).status_code == 403
            assert (await h.client.get(f"/clues/{clue_id}", headers=caller)).status_code == 403
        assert (await h.client.get("/clues", headers=h.as_(Role.AUDITOR))).status_code == 200
        dismissed = await h.client.post(f"/clues/{clue_id}/dismiss", headers=command, json={"reason": "重复"})
        assert dismissed.status_code == 403 and dismissed.json()["detail"]["reason"]
        assert (await h.client.post("/hotline/tickets", headers=h.as_(Role.UNIT, unit=UNIT_A), json={
            "ticket_id": "T-2", "time": "2026-09-28T08:15:00+08:00", "text": "x"})).status_code == 403


async def test_the_triaging_editor_is_the_caller_not_a_body_field(app):
    async with service_harness(app) as h:
        clue_id = (await h.client.post("/clues", json={"text": "井盖缺失"})).json()["id"]
        editor = h.as_(Role.MEDIA, subject="editor-li", name="李编辑")
        reviewed = await h.client.post(f"/clues/{clue_id}/review", headers=editor, json={"by": "冒名编辑"})
        assert reviewed.status_code == 200, reviewed.text
        assert reviewed.json()["triaged_by"] == "李编辑"
        exposure = (await h.client.post(f"/clues/{clue_id}/expose", headers=editor, json={
            "unit": UNIT_A, "title": "井盖缺失", "problem": "人行道井盖缺失", "by": "冒名编辑"})).json()
        assert exposure["history"][0]["by"] == "李编辑"
        [published] = await h.emitted("sanwei.media.exposure.v1.published")
        assert (published["actor"], published["actor_role"]) == ("李编辑", "media")


async def test_a_unit_operator_reads_only_its_own_units_exposures(app):
    async with service_harness(app) as h:
        mine = await _expose(h, UNIT_A)
        theirs = await _expose(h, UNIT_B, "背街小巷垃圾清运不及时")
        operator = h.as_(Role.UNIT, subject="op-lx", name="历下区城管局联络员", unit=UNIT_A)
        listed = (await h.client.get("/exposures", headers=operator)).json()
        assert [e["id"] for e in listed] == [mine["id"]]
        assert len((await h.client.get("/exposures")).json()) == 2
        assert (await h.client.get(f"/exposures/{mine['id']}", headers=operator)).status_code == 200
        for path in (f"/exposures/{theirs['id']}", f"/exposures/{theirs['id']}/deadline/explain"):
            refused = await h.client.get(path, headers=operator)
            assert refused.status_code == 403
            assert UNIT_B in refused.json()["detail"]["reason"]
        assert (await h.client.post(f"/exposures/{mine['id']}/rectification", headers=operator,
                                    json={"confirmed_by": "自己", "note": "已整改"})).status_code == 403
        assert (await h.client.get("/clues", headers=operator)).status_code == 403
