"""Citizen clues are events too: received and dismissed, with what and where, never who sent them."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from sanwei_contracts import Envelope
from sanwei_contracts.catalog import spec_for_type
from sanwei_kit.auth import Role
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import service_harness

pytestmark = pytest.mark.handler

MONDAY = datetime(2026, 9, 28, 9, 0, tzinfo=CHINA_TZ)
RECEIVED = "sanwei.media.clue.v1.received"
DISMISSED = "sanwei.media.clue.v1.dismissed"
CALLER = "王小明"
PHONE = "13912345678"
ID_NUMBER = "11010519491231002X"  # a valid GB 11643 check character


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY)


def _ticket(ticket_id: str = "12345-20260928-000123", **overrides) -> dict:
    return {"ticket_id": ticket_id, "time": "2026-09-28T08:15:00+08:00",
            "text": f"泉城路公交站旁垃圾桶满溢，无人清理。来电人{CALLER}，电话{PHONE}，身份证{ID_NUMBER}",
            "location": f"历下区泉城路与县西巷路口（{CALLER}家楼下）", "category": "市容环境",
            "attachments": ["att-1.jpg"], "caller_name": CALLER, "caller_phone": PHONE, **overrides}


def _assert_no_personal_data(event: dict) -> None:
    text = json.dumps(event, ensure_ascii=False)
    for secret in (CALLER, PHONE, ID_NUMBER, "1391234"):
        assert secret not in text, f"{secret} leaked into {event['type']}"


async def test_a_ticket_is_received_once_as_an_event_without_the_callers_data(app):
    async with service_harness(app) as h:
        first = await h.client.post("/hotline/tickets", json=_ticket())
        assert first.status_code == 201, first.text
        assert (await h.client.post("/hotline/tickets", json=_ticket())).status_code == 200  # a replay: no event
        [event] = await h.emitted(RECEIVED)
        Envelope[spec_for_type(RECEIVED).model].model_validate(event)  # the contract holds
        clue_id = first.json()["id"]
        data = event["data"]
        assert event["case_id"] == clue_id and event["subject"] == f"clue/{clue_id}"
        assert data["clue_id"] == clue_id and data["channel"] == "hotline"
        assert data["ticket_id"] == "12345-20260928-000123" and data["category"] == "市容环境"
        assert data["text"].startswith("泉城路公交站旁垃圾桶满溢，无人清理。来电人王某，电话139****5678")
        assert data["location"] == "历下区泉城路与县西巷路口（王某家楼下）"
        assert data["photos"] == ["att-1.jpg"]
        assert datetime.fromisoformat(data["reported_at"]) == datetime(2026, 9, 28, 8, 15, tzinfo=CHINA_TZ)
        assert "reporter_name" not in data and "reporter_phone" not in data
        _assert_no_personal_data(event)


async def test_a_snapshot_is_received_and_its_dismissal_is_an_event_in_the_same_case(app):
    async with service_harness(app) as h:
        sent = await h.client.post("/clues", json={"text": f"经十路人行道被占用，联系{PHONE}", "location": "经十路",
                                                    "photos": ["p1.jpg"], "reporter_name": CALLER,
                                                    "reporter_phone": PHONE})
        clue_id = sent.json()["id"]
        [received] = await h.emitted(RECEIVED)
        assert received["data"]["channel"] == "snapshot" and received["data"]["ticket_id"] is None
        assert received["data"]["text"] == "经十路人行道被占用，联系139****5678"
        dismissed = await h.client.post(f"/clues/{clue_id}/dismiss", headers=h.as_(Role.MEDIA, name="济南日报编辑"),
                                        json={"reason": f"经核实已整改完毕，已电话告知{CALLER}"})
        assert dismissed.status_code == 200, dismissed.text
        [event] = await h.emitted(DISMISSED)
        Envelope[spec_for_type(DISMISSED).model].model_validate(event)
        assert event["case_id"] == clue_id == event["data"]["clue_id"]
        assert event["data"]["reason"] == "经核实已整改完毕，已电话告知王某"
        assert event["data"]["dismissed_by"] == "济南日报编辑"
        assert datetime.fromisoformat(event["data"]["dismissed_at"]) == MONDAY
        for e in (received, event):
            _assert_no_personal_data(e)


async def test_a_refused_dismissal_emits_nothing(app):
    async with service_harness(app) as h:
        clue_id = (await h.client.post("/hotline/tickets", json=_ticket())).json()["id"]
        await h.client.post(f"/clues/{clue_id}/expose", json={"unit": "历下区城管局", "title": "垃圾桶满溢",
                                                             "problem": "无人清理", "by": "编辑"})
        refused = await h.client.post(f"/clues/{clue_id}/dismiss", json={"reason": "重复反映", "by": "编辑"})
        assert refused.status_code == 409
        assert await h.emitted(DISMISSED) == []
