"""Durable timers: a row with an indexed due time, fired once inside a transaction.

A timer row is written in the same transaction as the state that needs it (a task's
deadline, a notice's 整改时限). The loop finds pending timers whose time has come on the
service's clock, and for each runs its handler and marks it fired in one transaction.
A service that was down while a deadline passed fires it on its first sweep after
restart: late, but exactly once.

Why rows and not JetStream scheduled messages: a row can be queried ("what falls due
this week"), explained, re-armed when the calendar changes, and claimed with
`FOR UPDATE SKIP LOCKED` by several replicas; and the state and its timer commit together.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

import structlog
from sqlalchemy import Select, and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_kit.clock import Clock
from sanwei_kit.db import Database, KitTables
from sanwei_kit.loops import SweepLoop
from sanwei_kit.outbox import take_events_added

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class DueTimer:
    id: int
    kind: str
    key: str
    due_at: datetime
    payload: dict[str, Any]


TimerHandler = Callable[[AsyncConnection, DueTimer], Awaitable[None]]
TimerBatchHandler = Callable[[AsyncConnection, list[DueTimer]], Awaitable[None]]


@dataclass(frozen=True)
class OnTimer:
    """What a service does when a timer of one kind fires.

    `handle_many`, when given, does for a run of due timers of this kind what `handle` does
    for each, in the same transaction (a quarter-end tick fires thousands at once: one
    lookup and one insert for the run, not one per timer). It must have the same effect as
    `handle` called on each in order; when it raises, the batch rolls back and every timer
    is fired alone through `handle`.
    """

    handle: TimerHandler
    handle_many: TimerBatchHandler | None = None


async def schedule(
    conn: AsyncConnection,
    tables: KitTables,
    *,
    kind: str,
    key: str,
    due_at: datetime,
    payload: dict[str, Any] | None = None,
) -> None:
    """Arm a timer; an earlier pending timer of the same kind and key is replaced."""
    await schedule_many(conn, tables, kind=kind, due={key: due_at}, payload=payload)


async def schedule_many(
    conn: AsyncConnection,
    tables: KitTables,
    *,
    kind: str,
    due: Mapping[str, datetime],
    payload: dict[str, Any] | None = None,
) -> None:
    """Arm a timer of `kind` for each key (key → due_at) in two statements; earlier pending ones are replaced."""
    if not due:
        return
    await _cancel_keys(conn, tables, kind, list(due))
    now = datetime.now(UTC)
    await conn.execute(tables.timers.insert(), [
        {"kind": kind, "key": key, "due_at": due_at, "payload": payload or {}, "created_at": now}
        for key, due_at in due.items()
    ])


async def cancel(conn: AsyncConnection, tables: KitTables, *, kind: str, key: str) -> None:
    await _cancel_keys(conn, tables, kind, [key])


async def _cancel_keys(conn: AsyncConnection, tables: KitTables, kind: str, keys: list[str]) -> None:
    t = tables.timers
    await conn.execute(
        update(t)
        .where(and_(t.c.kind == kind, t.c.key.in_(keys), t.c.fired_at.is_(None), t.c.cancelled_at.is_(None)))
        .values(cancelled_at=datetime.now(UTC))
    )


class TimerLoop(SweepLoop):
    def __init__(
        self,
        db: Database,
        tables: KitTables,
        clock: Clock,
        handlers: Mapping[str, TimerHandler | OnTimer],
        *,
        poll_interval: float,
        batch_size: int,
        after_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._tables = tables
        self._clock = clock
        super().__init__("timer-loop", poll_interval=poll_interval, batch_size=batch_size)
        self._handlers = {kind: h if isinstance(h, OnTimer) else OnTimer(h) for kind, h in handlers.items()}
        self._after_commit = after_commit
        self.fired_total = 0
        self.last_lag_seconds = 0.0

    async def sweep(self) -> int:
        return await self.fire_due()

    async def fire_due(self) -> int:
        """Fire every timer due now (up to a batch) in one transaction; returns how many fired.

        One transaction per batch, not per timer: at quarter end thousands of deadlines pass
        at one tick, and a COMMIT each made firing the bottleneck (docs/bench, 2026-11-25).
        If a handler fails, the batch rolls back whole and its timers are fired one by one,
        so the failing timer neither loses nor fires twice the others.
        """
        now = self._clock.now()
        try:
            fired, events_added = await self._fire_batch(now)
        except Exception as exc:
            log.warning("timers.batch_failed", error_type=type(exc).__name__)
            return await self._fire_one_by_one(now)
        self._fired(fired, now)
        if events_added:
            self._after_commit()
        return len(fired)

    def _due(self, now: datetime) -> Select[Any]:
        return due_timers(self._tables, now, self._batch_size)

    async def _fire_batch(self, now: datetime) -> tuple[list[DueTimer], bool]:
        t = self._tables.timers
        query = self._due(now)
        if not self._db.is_sqlite:  # another replica skips the rows this one has claimed
            query = query.with_for_update(skip_locked=True)
        fired: list[DueTimer] = []
        async with self._db.transaction() as conn:
            take_events_added(conn)
            due = [_due_timer(row) for row in (await conn.execute(query)).mappings().all()]
            for kind, run in groupby(due, key=lambda timer: timer.kind):
                fired.extend(await self._run_handlers(conn, kind, list(run)))
            if fired:
                await conn.execute(
                    update(t).where(t.c.id.in_([timer.id for timer in fired])).values(fired_at=datetime.now(UTC))
                )
            events_added = take_events_added(conn)
        return fired, events_added

    async def _fire_one_by_one(self, now: datetime) -> int:
        async with self._db.connect() as conn:
            ids = (await conn.execute(self._due(now).with_only_columns(self._tables.timers.c.id))).scalars().all()
        fired = 0
        failure: Exception | None = None
        for timer_id in ids:
            try:
                if await self._fire_one(timer_id, now):
                    fired += 1
            except Exception as exc:  # this timer stays pending and is tried again next sweep
                log.warning("timers.failed", error_type=type(exc).__name__)
                failure = failure or exc
        if failure is not None and not fired:
            raise failure
        return fired

    async def _run_handlers(self, conn: AsyncConnection, kind: str, run: list[DueTimer]) -> list[DueTimer]:
        """Fire a run of due timers of one kind (in due order): together if the kind has a bulk form."""
        on_timer = self._handlers.get(kind)
        if on_timer is None or on_timer.handle_many is None or len(run) == 1:
            return [timer for timer in run if await self._run_handler(conn, timer)]
        with structlog.contextvars.bound_contextvars(timer_kind=kind, timers=len(run)):
            await on_timer.handle_many(conn, run)
        return run

    async def _run_handler(self, conn: AsyncConnection, timer: DueTimer) -> bool:
        on_timer = self._handlers.get(timer.kind)
        if on_timer is None:
            log.error("timers.no_handler", kind=timer.kind, key=timer.key)
            return False
        with structlog.contextvars.bound_contextvars(timer_kind=timer.kind, timer_key=timer.key):
            await on_timer.handle(conn, timer)
        return True

    async def _fire_one(self, timer_id: int, now: datetime) -> bool:
        t = self._tables.timers
        async with self._db.transaction() as conn:
            take_events_added(conn)
            query = select(t).where(t.c.id == timer_id, t.c.fired_at.is_(None), t.c.cancelled_at.is_(None))
            if not self._db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            row = (await conn.execute(query)).mappings().first()
            if row is None:  # fired or cancelled meanwhile, or claimed by another replica
                return False
            timer = _due_timer(row)
            if not await self._run_handler(conn, timer):
                return False
            await conn.execute(update(t).where(t.c.id == timer_id).values(fired_at=datetime.now(UTC)))
            events_added = take_events_added(conn)
        self._fired([timer], now)
        if events_added:
            self._after_commit()
        return True

    def _fired(self, fired: list[DueTimer], now: datetime) -> None:
        if not fired:
            return
        self.fired_total += len(fired)
        # Lag of the most overdue one (the batch is in due order): how far behind the loop runs.
        self.last_lag_seconds = (now - fired[0].due_at).total_seconds() / max(self._clock.speed, 1e-9)
        kinds = sorted({timer.kind for timer in fired})
        log.info("timers.fired", timers=len(fired), kinds=kinds, lag_seconds=self.last_lag_seconds)
        for timer in fired:  # each one at DEBUG: a quarter-end tick is thousands
            log.debug("timers.fired_one", timer_kind=timer.kind, timer_key=timer.key)


def due_timers(tables: KitTables, now: datetime, limit: int) -> Select[Any]:
    """The sweep's SELECT: pending timers due at `now`, the most overdue first, up to `limit`.

    Served by the partial index `ix_timers_pending_due` (pending rows only), so its cost grows
    with the number due, not with the fired and cancelled history (docs/bench §3).
    """
    t = tables.timers
    pending_due = and_(t.c.fired_at.is_(None), t.c.cancelled_at.is_(None), t.c.due_at <= now)
    return select(t).where(pending_due).order_by(t.c.due_at, t.c.id).limit(limit)


def _due_timer(row: Any) -> DueTimer:
    return DueTimer(row["id"], row["kind"], row["key"], row["due_at"], dict(row["payload"] or {}))
