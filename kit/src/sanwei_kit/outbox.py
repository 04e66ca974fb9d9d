"""Transactional outbox: events are written with the state change, published after commit.

`add_event` is called inside the service's transaction. `OutboxRelay` publishes what
was committed, in order, to JetStream with `Nats-Msg-Id` = event id, so a relay that
crashes between publishing and marking re-publishes and JetStream drops the duplicate.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_contracts import Envelope
from sanwei_kit.db import Database, KitTables

log = structlog.get_logger(__name__)


async def add_event(conn: AsyncConnection, tables: KitTables, envelope: Envelope[Any]) -> None:
    await conn.execute(
        tables.outbox.insert().values(
            event_id=str(envelope.id),
            subject=envelope.type,
            payload=envelope.model_dump_json(),
            created_at=datetime.now(UTC),
        )
    )


class Publisher:
    """What the relay needs from a broker: publish to a stream and wait for the ack."""

    async def publish(self, subject: str, payload: bytes, msg_id: str) -> None:  # pragma: no cover
        raise NotImplementedError


class OutboxRelay:
    def __init__(
        self,
        db: Database,
        tables: KitTables,
        publisher: Publisher,
        *,
        batch_size: int,
        poll_interval: float,
    ) -> None:
        self._db = db
        self._tables = tables
        self._publisher = publisher
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.published_total = 0

    def notify(self) -> None:
        """Called after a commit that added events, so they leave without waiting a poll."""
        self._wakeup.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        # One last sweep so what was committed before shutdown leaves now, not at next start.
        try:
            await self.relay_once()
        except Exception as exc:  # the broker may already be gone; the rows stay for next start
            log.warning("outbox.final_sweep_failed", error=str(exc))

    async def _run(self) -> None:
        while True:
            try:
                sent = await self.relay_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox.relay_failed", error=str(exc))
                sent = 0
            if sent >= self._batch_size:
                continue
            self._wakeup.clear()
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll_interval)
            except TimeoutError:
                pass

    async def relay_once(self) -> int:
        outbox = self._tables.outbox
        async with self._db.connect() as conn:
            rows = (
                await conn.execute(
                    select(outbox.c.seq, outbox.c.event_id, outbox.c.subject, outbox.c.payload)
                    .where(outbox.c.published_at.is_(None))
                    .order_by(outbox.c.seq)
                    .limit(self._batch_size)
                )
            ).all()
        if not rows:
            return 0
        # Publish concurrently and await every ack; order within a subject is kept by JetStream
        # sequence only if sent in order, so send in order and await the acks together.
        sends = [
            asyncio.ensure_future(self._publisher.publish(r.subject, r.payload.encode(), r.event_id))
            for r in rows
        ]
        results = await asyncio.gather(*sends, return_exceptions=True)
        done = [r.seq for r, res in zip(rows, results, strict=True) if not isinstance(res, BaseException)]
        failed = [res for res in results if isinstance(res, BaseException)]
        if done:
            async with self._db.transaction() as conn:
                await conn.execute(
                    update(outbox).where(outbox.c.seq.in_(done)).values(published_at=datetime.now(UTC))
                )
        self.published_total += len(done)
        if failed:
            raise failed[0]
        return len(done)

    async def pending(self) -> int:
        from sqlalchemy import func

        outbox = self._tables.outbox
        async with self._db.connect() as conn:
            return (
                await conn.execute(select(func.count()).where(outbox.c.published_at.is_(None)))
            ).scalar_one()
