"""On a real nats-server: a 指挥部 (ranking) referral and a media referral of one matter become one clue."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime

import httpx
import nats
import pytest

from sanwei_contracts import new_envelope
from sanwei_contracts.events.media import ReferralRequested
from sanwei_contracts.events.supervision import RankingReferralRequested
from sanwei_discipline.adapters.tables import kit, metadata
from sanwei_discipline.app import create_app
from sanwei_discipline.settings import DisciplineSettings
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import bearer, build_test_app, test_token

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=CHINA_TZ)


async def _eventually(predicate, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def test_two_tracks_one_clue_and_the_outcome_told_to_both_cases(tmp_path, nats_server):
    clock = FakeClock(NOW)
    app = build_test_app(create_app, DisciplineSettings, metadata, kit, tmp_path, clock, nats_url=nats_server,
                         outbox_poll_interval=0.05)
    runtime = app.state.runtime
    await runtime.start()
    client = await nats.connect(nats_server)
    try:
        js = client.jetstream()
        ranking = new_envelope(
            RankingReferralRequested(referral_id=str(uuid.uuid4()), origin="ranking", origin_ref="rk-1",
                                     unit="舜玉路街道", problem="露天烧烤整治不力，测评连续排名后位",
                                     reason="模拟测评连续3期排名后位", requested_at=NOW,
                                     periods=["2026-W41", "2026-W42", "2026-W43"]),
            subject="referral/rk", case_id="case-ranking", time=NOW)
        media = new_envelope(
            ReferralRequested(referral_id=str(uuid.uuid4()), origin="exposure_unrectified", origin_ref="e-1",
                              unit="舜玉路 街道", problem="露天烧烤整治不力，测评连续排名后位。",
                              reason="媒体曝光问题逾期未整改", requested_at=NOW),
            subject="referral/m", case_id="case-media", time=NOW)
        for envelope in (ranking, media, media):  # the last one: a relay that published twice
            await js.publish(envelope.type, envelope.model_dump_json().encode(),
                             headers={"Nats-Msg-Id": str(envelope.id)}, timeout=5)
        # The same event once more under another message id (past the stream's dedupe): the inbox drops it.
        await js.publish(media.type, media.model_dump_json().encode(), headers={"Nats-Msg-Id": "again"}, timeout=5)

        async def handled() -> bool:
            return sum(c.handled_total for c in runtime.consumers) == 2 and await runtime.relay.pending() == 0

        await _eventually(handled)
        await asyncio.sleep(0.3)  # let the replayed copy arrive; it must change nothing
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=bearer(test_token())) as api:
            clues = (await api.get("/clues")).json()
            assert len(clues) == 1
            clue = (await api.get(f"/clues/{clues[0]['id']}")).json()
            # The two referrals come through two independent consumers: either may be handled first.
            assert sorted((s["kind"], s["case_id"]) for s in clue["sources"]) == [
                ("media_referral", "case-media"), ("supervision_referral", "case-ranking")]
            cid = clue["id"]
            assert (await api.post(f"/clues/{cid}/assign", json={"assignee": "市中区纪委", "mode": "assign"})).is_success
            assert (await api.post(f"/clues/{cid}/dispose", json={"finding": "confirmed", "summary": "属实"})).is_success
            assert (await api.post(f"/clues/{cid}/decide", json={"sanction": "criticism_notice",
                                                                 "reason": "整改不力"})).is_success
            assert (await api.post(f"/clues/{cid}/publish",
                                   json={"summary": "舜玉路街道整治不力，予以通报批评。"})).is_success

        async def relayed() -> bool:
            return await runtime.relay.pending() == 0

        await _eventually(relayed)
        info = await js.stream_info("SANWEI_DISCIPLINE")
        on_stream = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await js.get_msg("SANWEI_DISCIPLINE", seq)
            on_stream.append((msg.subject, json.loads(msg.data)))
        types = [subject.rsplit(".", 2)[-2] + "." + subject.rsplit(".", 1)[-1] for subject, _ in on_stream]
        assert types == ["v1.registered", "v1.source_added", "v1.assigned", "v1.disposed", "v1.made",
                         "v1.published", "v1.published"]
        outcomes = [data for subject, data in on_stream if subject.endswith("outcome.v1.published")]
        assert sorted(o["case_id"] for o in outcomes) == ["case-media", "case-ranking"]
    finally:
        await client.close()
        await runtime.stop()
