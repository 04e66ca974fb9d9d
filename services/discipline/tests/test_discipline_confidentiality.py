"""Nothing confidential leaves the discipline service or reaches the public 曝光台, its events or the logs.

One case through both services (media's 12345 intake and exposure, discipline's clue to
publication), with personal data and confidential findings planted at every step; then
the public outputs (/feed, /feed.html, /outcomes), what discipline lets out (outcome.published)
and every log line written meanwhile are searched for them.
"""

from __future__ import annotations

import io
import json
import logging
import sys
from datetime import datetime, timedelta

import pytest
import structlog

from sanwei_contracts.streams import stream_for_subject
from sanwei_discipline.adapters.repository import ClueRepository
from sanwei_discipline.adapters.tables import kit as discipline_kit
from sanwei_discipline.adapters.tables import metadata as discipline_metadata
from sanwei_discipline.app import create_app as create_discipline
from sanwei_discipline.settings import DisciplineSettings
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.logging import configure_logging
from sanwei_kit.testing import build_test_app, service_harness
from sanwei_media.adapters.tables import kit as media_kit
from sanwei_media.adapters.tables import metadata as media_metadata
from sanwei_media.app import create_app as create_media
from sanwei_media.settings import MediaSettings

pytestmark = pytest.mark.handler

MONDAY = datetime(2026, 9, 28, 9, 0, tzinfo=CHINA_TZ)
DUE = datetime(2026, 10, 11, 0, 0, tzinfo=CHINA_TZ)

CITIZEN = "王小明"
CITIZEN_PHONE = "13800001111"
CITIZEN_ID = "11010519491231002X"
OFFICIAL = "赵德福"
OFFICIAL_PHONE = "139-2222-3333"
SECRET_FINDING = "机密核查内容收受购物卡三张"
SECRET_REASON = "机密决定理由多次推诿扯皮"
PUBLIC_SECRETS = [CITIZEN, CITIZEN_PHONE, CITIZEN_ID, "110105194912310",  # the ID's unmasked digits
                  OFFICIAL, "德福", "22223333", SECRET_FINDING, SECRET_REASON]


@pytest.fixture
def logs(monkeypatch):
    """Every log line (structlog and the standard library) the services write during the test, as JSON."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    buffer = io.StringIO()
    monkeypatch.setattr(sys, "stderr", buffer)
    configure_logging("test", fmt="json", level="INFO")  # the production default
    yield buffer.getvalue
    structlog.reset_defaults()
    root.handlers[:], _ = saved
    root.setLevel(saved[1])


async def _forward(target, event: dict) -> None:
    """Deliver an event one service emitted to another, as JetStream would."""
    await target.broker.publish(json.dumps(event).encode(), subject=event["type"],
                                stream=stream_for_subject(event["type"]).name)


async def test_nothing_confidential_in_public_output_events_or_logs(tmp_path, logs, monkeypatch):
    clock = FakeClock(MONDAY)
    media_app = build_test_app(create_media, MediaSettings, media_metadata, media_kit, tmp_path, clock)
    discipline_app = build_test_app(create_discipline, DisciplineSettings, discipline_metadata, discipline_kit,
                                    tmp_path, clock)
    async with service_harness(media_app) as media, service_harness(discipline_app) as discipline:
        ticket = await media.client.post("/hotline/tickets", json={
            "ticket_id": "12345-20260928-000777", "time": "2026-09-28T08:00:00+08:00",
            "text": f"市民{CITIZEN}（{CITIZEN_PHONE}，身份证{CITIZEN_ID}）反映泉城路垃圾桶满溢",
            "caller_name": CITIZEN, "caller_phone": CITIZEN_PHONE})
        clue_id = ticket.json()["id"]
        # The editor pastes the citizen's words as they came.
        exposed = await media.client.post(f"/clues/{clue_id}/expose", json={
            "unit": "历下区城管局", "title": f"{CITIZEN}反映垃圾桶满溢",
            "problem": f"市民{CITIZEN}（{CITIZEN_PHONE}，身份证{CITIZEN_ID}）反映泉城路垃圾桶满溢", "by": "编辑"})
        assert exposed.status_code == 201
        await media.client.post(f"/exposures/{exposed.json()['id']}/follow-ups",
                                json={"note": f"回访{CITIZEN}，电话{CITIZEN_PHONE}，仍未清理", "by": "济南日报"})
        clock.set(DUE + timedelta(minutes=1))
        assert await media.fire_timers() == 1
        referral = (await media.emitted("sanwei.media.referral.v1.requested"))[0]

        # A handler failure whose error message repeats confidential content (as a database error would).
        original_add = ClueRepository.add_many

        async def failing_add(self, new):
            raise RuntimeError(f"INSERT failed, parameters: ({new[0].problem}, {SECRET_FINDING}, {OFFICIAL})")

        monkeypatch.setattr(ClueRepository, "add_many", failing_add)
        await _forward(discipline, referral)
        monkeypatch.setattr(ClueRepository, "add_many", original_add)
        await _forward(discipline, referral)
        clues = (await discipline.client.get("/clues")).json()
        assert len(clues) == 1
        cid = clues[0]["id"]
        api = discipline.client
        assert (await api.post(f"/clues/{cid}/assign", json={"assignee": "历下区纪委", "mode": "assign"})).is_success
        assert (await api.post(f"/clues/{cid}/dispose", json={
            "finding": "confirmed", "summary": f"{SECRET_FINDING}，责任人{OFFICIAL}，电话{OFFICIAL_PHONE}"})).is_success
        assert (await api.post(f"/clues/{cid}/decide", json={
            "sanction": "criticism_notice", "person": OFFICIAL, "reason": SECRET_REASON})).is_success
        for leaky in (f"对{OFFICIAL}通报批评", "对德福同志通报批评", f"责任人电话{OFFICIAL_PHONE}",
                      f"举报人身份证{CITIZEN_ID}"):
            refused = await api.post(f"/clues/{cid}/publish", json={"summary": leaky})
            assert refused.status_code == 422, leaky
            assert refused.json()["detail"]["field"] == "summary"
        published = await api.post(f"/clues/{cid}/publish", json={
            "summary": "历下区城管局对媒体曝光问题整改不力，对该局分管负责同志予以通报批评。"})
        assert published.status_code == 200, published.text

        # Only outcome.published leaves discipline for the public; it carries none of the secrets.
        outcome = (await discipline.emitted("sanwei.discipline.outcome.v1.published"))[0]
        await _forward(media, outcome)

        public = [
            json.dumps((await media.client.get("/feed")).json(), ensure_ascii=False),
            (await media.client.get("/feed.html")).text,
            json.dumps((await media.client.get("/outcomes")).json(), ensure_ascii=False),
            json.dumps(outcome, ensure_ascii=False),
        ]
        # What media emits about the case (exposure, re-exposure with its history, referral) is masked too.
        public += [json.dumps(e, ensure_ascii=False) for e in await media.emitted()]
        feed_html = public[1]
        assert "通报批评" in feed_html and "王某" in feed_html and "138****1111" in feed_html
        lines = logs()
        assert "consumer.retry" in lines and "ConfidentialHandlerError" in lines  # the logs were captured
        for text in [*public, lines]:
            for secret in PUBLIC_SECRETS:
                assert secret not in text, f"{secret!r} leaked"
