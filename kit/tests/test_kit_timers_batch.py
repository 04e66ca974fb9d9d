"""The timer loop fires a batch of due timers in one transaction; a failing handler costs the
others nothing: they fire once, and the failing timer stays pending for the next sweep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import structlog
from sqlalchemy import Column, MetaData, String, Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_contracts import new_envelope
from sanwei_contracts.events.progress import CompletionAccepted
from sanwei_kit.clock import FakeClock
from sanwei_kit.db import Database, KitTables, new_metadata
from sanwei_kit.outbox import add_event
from sanwei_kit.testing import test_database_url
from sanwei_kit.timers import DueTimer, OnTimer, TimerLoop, schedule

pytestmark = pytest.mark.integration

NOW = datetime(2026, 6, 30, 16, 0, tzinfo=UTC)


def _effects(metadata: MetaData) -> Table:
    return Table("effects", metadata, Column("key", String(50), nullable=False))


@pytest.fixture
async def store(tmp_path):
    metadata = new_metadata()
    tables = KitTables(metadata)
    effects = _effects(metadata)
    db = Database(test_database_url(tmp_path, "timers"))
    async with db.transaction() as conn:
        await conn.run_sync(metadata.create_all)
        for i in range(5):
            await schedule(conn, tables, kind="overdue", key=f"task-{i}", due_at=NOW - timedelta(minutes=i))
    yield db, tables, effects
    await db.dispose()


async def _effect_keys(db: Database, effects: Table) -> list[str]:
    async with db.connect() as conn:
        return sorted((await conn.execute(select(effects.c.key))).scalars().all())


async def _pending(db: Database, tables: KitTables) -> int:
    t = tables.timers
    async with db.connect() as conn:
        return (await conn.execute(select(func.count()).where(t.c.fired_at.is_(None)))).scalar_one()


async def test_a_batch_of_due_timers_fires_in_one_sweep(store) -> None:
    db, tables, effects = store
    commits: list[int] = []

    async def handler(conn: AsyncConnection, timer: DueTimer) -> None:
        await conn.execute(effects.insert().values(key=timer.key))
        data = CompletionAccepted(claim_id=timer.key, task_id=timer.key, unit="区发改局", accepted_by="督查室",
                                  accepted_at=NOW)
        await add_event(conn, tables, new_envelope(data, subject=f"completion/{timer.key}", case_id=timer.key,
                                                   time=NOW))

    loop = TimerLoop(db, tables, FakeClock(NOW), {"overdue": handler}, poll_interval=1.0, batch_size=100,
                     after_commit=lambda: commits.append(1))
    with structlog.testing.capture_logs() as logs:
        assert await loop.fire_due() == 5
    assert await _effect_keys(db, effects) == [f"task-{i}" for i in range(5)]
    assert await _pending(db, tables) == 0
    fired = [e for e in logs if e["event"] == "timers.fired"]
    assert [(e["timers"], e["kinds"]) for e in fired] == [(5, ["overdue"])]  # one line for the batch
    assert fired[0]["lag_seconds"] == 240.0  # the most overdue: task-4, due 4 minutes before now
    assert commits == [1]  # one commit, and one wake-up of the relay, for the whole batch
    assert await loop.fire_due() == 0


async def test_a_failing_handler_neither_loses_nor_doubles_the_other_timers(store) -> None:
    db, tables, effects = store

    async def handler(conn: AsyncConnection, timer: DueTimer) -> None:
        await conn.execute(effects.insert().values(key=timer.key))
        if timer.key == "task-2":
            raise RuntimeError("cannot fire this one")

    commits: list[int] = []
    loop = TimerLoop(db, tables, FakeClock(NOW), {"overdue": handler}, poll_interval=1.0, batch_size=100,
                     after_commit=lambda: commits.append(1))
    assert await loop.fire_due() == 4
    assert commits == []  # no events were stored: the relay is not woken for nothing
    assert await _effect_keys(db, effects) == ["task-0", "task-1", "task-3", "task-4"]
    assert await _pending(db, tables) == 1
    assert loop.fired_total == 4
    # The failing timer is tried again on the next sweep (and fails again, for the loop to log); the fired ones are not.
    with pytest.raises(RuntimeError):
        await loop.fire_due()
    assert await _effect_keys(db, effects) == ["task-0", "task-1", "task-3", "task-4"]
    assert await _pending(db, tables) == 1


async def test_a_run_of_one_kind_goes_to_its_bulk_form_in_due_order_and_other_kinds_alone(store) -> None:
    db, tables, effects = store
    async with db.transaction() as conn:  # a timer of another kind between the runs (by due time)
        await schedule(conn, tables, kind="warn", key="task-9", due_at=NOW - timedelta(minutes=2, seconds=30))
    calls: list[tuple[str, list[str]]] = []

    async def one(conn: AsyncConnection, timer: DueTimer) -> None:
        calls.append((timer.kind, [timer.key]))
        await conn.execute(effects.insert().values(key=timer.key))

    async def many(conn: AsyncConnection, due: list[DueTimer]) -> None:
        calls.append(("overdue many", [timer.key for timer in due]))
        await conn.execute(effects.insert(), [{"key": timer.key} for timer in due])

    loop = TimerLoop(db, tables, FakeClock(NOW), {"overdue": OnTimer(one, many), "warn": one},
                     poll_interval=1.0, batch_size=100)
    assert await loop.fire_due() == 6
    assert calls == [("overdue many", ["task-4", "task-3"]), ("warn", ["task-9"]),
                     ("overdue many", ["task-2", "task-1", "task-0"])]
    assert await _pending(db, tables) == 0
    assert loop.fired_total == 6


async def test_a_failing_bulk_form_falls_back_to_each_timer_alone(store) -> None:
    db, tables, effects = store

    async def one(conn: AsyncConnection, timer: DueTimer) -> None:
        await conn.execute(effects.insert().values(key=timer.key))

    async def many(conn: AsyncConnection, due: list[DueTimer]) -> None:
        await conn.execute(effects.insert(), [{"key": timer.key} for timer in due])
        raise RuntimeError("the bulk form cannot take this run")

    loop = TimerLoop(db, tables, FakeClock(NOW), {"overdue": OnTimer(one, many)}, poll_interval=1.0, batch_size=100)
    assert await loop.fire_due() == 5
    assert await _effect_keys(db, effects) == [f"task-{i}" for i in range(5)]  # each once: the bulk insert rolled back
    assert await _pending(db, tables) == 0
