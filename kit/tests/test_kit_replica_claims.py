"""Two replicas on one PostgreSQL database: each outbox row is published by one relay, and
each timer fires once. (SQLite runs one process per file, so these run on PostgreSQL only.)"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_contracts import new_envelope
from sanwei_contracts.events.progress import CompletionAccepted
from sanwei_kit.clock import FakeClock
from sanwei_kit.db import Database, KitTables, new_metadata
from sanwei_kit.outbox import OutboxRelay, Publisher, add_event
from sanwei_kit.testing import postgres_test_server, test_database_url
from sanwei_kit.timers import DueTimer, TimerLoop, schedule

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(postgres_test_server() is None, reason="replicas share a database: PostgreSQL only"),
]

ROWS = 60


class SlowPublisher(Publisher):
    """Records what it was asked to publish; slow enough that two relays overlap."""

    def __init__(self, sent: Counter[str]) -> None:
        self.sent = sent

    async def publish(self, subject: str, payload: bytes, msg_id: str, headers=None) -> None:  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.01)
        self.sent[msg_id] += 1


@pytest.fixture
async def replicas(tmp_path):
    metadata = new_metadata()
    tables = KitTables(metadata)
    url = test_database_url(tmp_path, "claims")
    first, second = Database(url), Database(url)
    async with first.transaction() as conn:
        await conn.run_sync(metadata.create_all)
    yield tables, first, second
    await first.dispose()
    await second.dispose()


async def test_two_relays_publish_each_outbox_row_once(replicas) -> None:
    tables, first, second = replicas
    now = datetime.now(UTC)
    async with first.transaction() as conn:
        for i in range(ROWS):
            data = CompletionAccepted(claim_id=f"c{i}", task_id=f"t{i}", unit="区发改局", accepted_by="督查室",
                                      accepted_at=now)
            await add_event(conn, tables, new_envelope(data, subject=f"completion/c{i}", case_id=f"t{i}", time=now))
    sent: Counter[str] = Counter()
    relays = [
        OutboxRelay(db, tables, SlowPublisher(sent), batch_size=10, poll_interval=0.05) for db in (first, second)
    ]

    async def drain(relay: OutboxRelay) -> None:
        while await relay.relay_once():
            pass

    await asyncio.gather(*(drain(relay) for relay in relays))
    assert len(sent) == ROWS
    assert set(sent.values()) == {1}
    assert all(relay.published_total > 0 for relay in relays), [r.published_total for r in relays]
    assert await relays[0].pending() == 0


async def test_two_timer_loops_fire_each_timer_once(replicas) -> None:
    tables, first, second = replicas
    now = datetime(2026, 10, 9, 1, 0, tzinfo=UTC)
    async with first.transaction() as conn:
        for i in range(ROWS):
            await schedule(conn, tables, kind="overdue", key=f"task-{i}", due_at=now - timedelta(minutes=1))
    fired: Counter[str] = Counter()

    async def handler(conn: AsyncConnection, timer: DueTimer) -> None:
        await asyncio.sleep(0.005)  # keep the row claimed a while, as real effects do
        fired[timer.key] += 1

    loops = [
        TimerLoop(db, tables, FakeClock(now), {"overdue": handler}, poll_interval=0.05, batch_size=ROWS)
        for db in (first, second)
    ]
    await asyncio.gather(*(loop.fire_due() for loop in loops))
    assert len(fired) == ROWS
    assert set(fired.values()) == {1}
    assert sum(loop.fired_total for loop in loops) == ROWS
    async with first.connect() as conn:
        pending = (await conn.execute(select(tables.timers.c.id).where(tables.timers.c.fired_at.is_(None)))).all()
    assert pending == []
