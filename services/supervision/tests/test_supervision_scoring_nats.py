"""On a real nats-server: a ranking-triggered referral reaches JetStream exactly once, and a
双随机 draw read back from the stream re-runs to its published result."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import datetime, timedelta

import httpx
import nats
import pytest

from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import bearer, build_test_app, test_token
from sanwei_supervision.adapters.tables import kit, metadata
from sanwei_supervision.app import create_app
from sanwei_supervision.settings import SupervisionSettings

pytestmark = pytest.mark.integration

REFERRAL = "sanwei.supervision.referral.v1.requested"
UNITS = ["趵突泉街道", "泉城路街道", "舜玉路街道", "七里山街道"]


async def _subjects(nats_url: str) -> list[tuple[str, dict]]:
    client = await nats.connect(nats_url)
    try:
        js = client.jetstream()
        info = await js.stream_info("SANWEI_SUPERVISION")
        found = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await js.get_msg("SANWEI_SUPERVISION", seq)
            found.append((msg.subject, json.loads(msg.data)))
        return found
    finally:
        await client.close()


async def test_bottom_three_weeks_running_publishes_one_referral_on_jetstream(tmp_path, nats_server):
    clock = FakeClock(datetime(2026, 10, 6, 10, 0, tzinfo=CHINA_TZ))  # Tuesday of ISO week 41
    app = build_test_app(create_app, SupervisionSettings, metadata, kit, tmp_path, clock, nats_url=nats_server,
                         outbox_poll_interval=0.05, ranking_top_k=1, ranking_bottom_k=1,
                         ranking_referral_streak=3)
    runtime = app.state.runtime
    await runtime.start()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=bearer(test_token())) as client:
            scheme = (await client.post("/schemes", json={"name": "露天烧烤整治考核", "units": UNITS})).json()
            for week in ("2026-W41", "2026-W42", "2026-W43", "2026-W44"):
                deducted = await client.post(f"/schemes/{scheme['id']}/deductions", json={
                    "unit": "舜玉路街道", "item": "露天烧烤", "points": 3, "reason": "店外经营，油烟扰民"})
                assert deducted.status_code == 201, deducted.text
                clock.advance(timedelta(days=6))
                published = await client.post(f"/schemes/{scheme['id']}/rankings",
                                              json={"period_kind": "week", "period": week})
                assert published.status_code == 201, published.text
                clock.advance(timedelta(days=1))
            assert (await client.post(f"/schemes/{scheme['id']}/rankings",
                                      json={"period_kind": "week", "period": "2026-W44"})).status_code == 409

        async def relayed() -> bool:
            return await runtime.relay.pending() == 0

        deadline = asyncio.get_running_loop().time() + 10
        while not await relayed():
            assert asyncio.get_running_loop().time() < deadline, "outbox not relayed in time"
            await asyncio.sleep(0.05)
        on_stream = await _subjects(nats_server)
        referrals = [data for subject, data in on_stream if subject == REFERRAL]
        assert len(referrals) == 1
        assert referrals[0]["data"]["unit"] == "舜玉路街道"
        assert referrals[0]["data"]["periods"] == ["2026-W41", "2026-W42", "2026-W43"]
        rankings = [data for subject, data in on_stream if subject == "sanwei.supervision.ranking.v1.published"]
        assert [r["data"]["period"] for r in rankings] == ["2026-W41", "2026-W42", "2026-W43", "2026-W44"]
    finally:
        await runtime.stop()


async def test_a_draw_read_back_from_jetstream_re_runs_from_its_seed(tmp_path, nats_server):
    clock = FakeClock(datetime(2026, 10, 9, 10, 0, tzinfo=CHINA_TZ))
    app = build_test_app(create_app, SupervisionSettings, metadata, kit, tmp_path, clock, nats_url=nats_server,
                         outbox_poll_interval=0.05)
    runtime = app.state.runtime
    await runtime.start()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=bearer(test_token())) as client:
            made = await client.post("/draws", json={
                "scope": "安全生产双随机抽查", "inspector_pool": [f"执法证3701{i:04d}" for i in range(30)],
                "targets": [f"某企业{i}" for i in range(75)], "inspectors_count": 2, "targets_count": 6})
            assert made.status_code == 201, made.text
            deadline = asyncio.get_running_loop().time() + 10
            while await runtime.relay.pending():
                assert asyncio.get_running_loop().time() < deadline, "outbox not relayed in time"
                await asyncio.sleep(0.05)
            [record] = [data["data"] for subject, data in await _subjects(nats_server)
                        if subject == "sanwei.supervision.draw.v1.published"]
            verified = (await client.post("/draws/verify", json=record)).json()
        assert verified["matches"] is True
        keyed = sorted((hashlib.sha256(f"{record['seed']}\ntargets\n{t}".encode()).hexdigest(), t)
                       for t in record["targets"])
        assert [t for _, t in keyed[:6]] == record["drawn_targets"] == made.json()["drawn_targets"]
    finally:
        await runtime.stop()
