"""Clue numbers (线索〔2026〕N号) from a counter row per year: concurrent registrations never collide."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

import pytest
from sqlalchemy import delete

from sanwei_contracts import new_envelope
from sanwei_contracts.events.media import ReferralRequested
from sanwei_discipline.adapters.tables import clue_numbers
from sanwei_discipline.service import DisciplineService
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import service_harness

pytestmark = pytest.mark.handler

NOW = datetime(2026, 9, 30, 10, 0, tzinfo=CHINA_TZ)
REGISTERED = "sanwei.discipline.clue.v1.registered"


def _referral(clock: FakeClock, problem: str):
    referral_id = str(uuid.uuid4())
    return new_envelope(
        ReferralRequested(referral_id=referral_id, origin="exposure_unrectified", origin_ref=referral_id,
                          unit="市中区城管局", problem=problem, reason="媒体曝光问题逾期未整改",
                          requested_at=clock.now()),
        subject=f"referral/{referral_id}", case_id=str(uuid.uuid4()), time=clock.now(),
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


async def _register(runtime, service: DisciplineService, event) -> None:
    # Each referral in its own transaction, as two replicas' consumers would handle them.
    async with runtime.db.transaction() as conn:
        await service.on_referral_requested(conn, event)


async def test_concurrent_registrations_get_distinct_numbers_at_the_first_try(app, clock):
    async with service_harness(app) as h:
        service = DisciplineService(h.runtime, due_working_days=15)
        events = [_referral(clock, f"问题{i}") for i in range(8)]
        # No retry: a collision would raise IntegrityError out of gather.
        await asyncio.gather(*(_register(h.runtime, service, e) for e in events))
        numbers = sorted(e["data"]["number"] for e in await h.emitted(REGISTERED))
        assert numbers == sorted(f"线索〔2026〕{i}号" for i in range(1, 9))


async def test_numbering_continues_after_clues_registered_before_the_counter(app, clock):
    async with service_harness(app) as h:
        await h.publish(_referral(clock, "背街小巷垃圾清运不及时"))
        await h.publish(_referral(clock, "农贸市场周边占道经营"))
        async with h.runtime.db.transaction() as conn:  # a database migrated from before the counter
            await conn.execute(delete(clue_numbers))
        await h.publish(_referral(clock, "公共厕所保洁不到位"))
        numbers = [e["data"]["number"] for e in await h.emitted(REGISTERED)]
        assert numbers == ["线索〔2026〕1号", "线索〔2026〕2号", "线索〔2026〕3号"]
