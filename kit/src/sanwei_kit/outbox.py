"""Transactional outbox: events are written with the state change, published after commit.

`add_event` is called inside the service's transaction. `OutboxRelay` publishes what
was committed, in order, to JetStream with `Nats-Msg-Id` = event id, so a relay that
crashes between publishing and marking re-publishes and JetStream drops the duplicate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import Row, Select, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_contracts import Envelope
from sanwei_kit.db import Database, KitTables
from sanwei_kit.loops import SweepLoop

log = structlog.get_logger(__name__)

# Marks, on the connection, a transaction that stored events: only then is the relay woken.
_EVENTS_ADDED = "sanwei_outbox_events_added"


async def add_event(conn: AsyncConnection, tables: KitTables, envelope: Envelope[Any],
                    headers: Mapping[str, str] | None = None) -> None:
    """Store `envelope` for publishing, with the NATS `headers` to send it with (e.g. its traceparent)."""
    await add_events(conn, tables, [(envelope, headers)])


async def add_events(conn: AsyncConnection, tables: KitTables,
                     envelopes: Sequence[tuple[Envelope[Any], Mapping[str, str] | None]]) -> None:
    """Store events for publishing, in their order, in one statement."""
    if not envelopes:
        return
    now = datetime.now(UTC)
    # Parameters beside the statement, not `.values(…)`: the statement is then the same object each
    # time (its cache key memoised), instead of one built and keyed per row.
    await conn.execute(tables.outbox.insert(), [{
        "event_id": str(envelope.id),
        "subject": envelope.type,
        "payload": envelope.model_dump_json(),
        "created_at": now,
        "headers": dict(headers) if headers else None,
    } for envelope, headers in envelopes])
    conn.info[_EVENTS_ADDED] = True


def take_events_added(conn: AsyncConnection) -> bool:
    """Whether `add_event` stored events on `conn` since the last call; clears the mark.

    Call it when a transaction begins (the mark lives on the pooled connection and may be
    left by one that rolled back) and before it commits: a consumer or timer whose
    transaction stored no events does not wake the relay for an empty SELECT.
    """
    return bool(conn.info.pop(_EVENTS_ADDED, False))


# subject, payload, Nats-Msg-Id, stored headers
OutgoingMessage = tuple[str, bytes, str, Mapping[str, str] | None]


class Publisher:
    """What the relay needs from a broker: publish to a stream and wait for the ack."""

    async def publish(self, subject: str, payload: bytes, msg_id: str,
                      headers: Mapping[str, str] | None = None) -> None:  # pragma: no cover
        raise NotImplementedError

    async def publish_batch(self, messages: Sequence[OutgoingMessage]) -> list[BaseException | None]:
        """Publish in order; for each message, None when the stream acknowledged it, else the error."""
        sends = [asyncio.ensure_future(self.publish(*message)) for message in messages]
        results = await asyncio.gather(*sends, return_exceptions=True)
        return [res if isinstance(res, BaseException) else None for res in results]


class OutboxRelay(SweepLoop):
    def __init__(
        self,
        db: Database,
        tables: KitTables,
        publisher: Publisher,
        *,
        batch_size: int,
        poll_interval: float,
    ) -> None:
        super().__init__("outbox-relay", poll_interval=poll_interval, batch_size=batch_size)
        self._db = db
        self._tables = tables
        self._publisher = publisher
        self.published_total = 0

    def notify(self) -> None:
        """Called after a commit that added events, so they leave without waiting a poll."""
        self.wake()

    async def sweep(self) -> int:
        return await self.relay_once()

    async def stop(self, grace: float = 10.0) -> None:
        await super().stop(grace)
        # One last sweep so what was committed before shutdown leaves now, not at next start.
        try:
            await self.relay_once()
        except Exception as exc:  # the broker may already be gone; the rows stay for next start
            log.warning("outbox.final_sweep_failed", error_type=type(exc).__name__)

    async def relay_once(self) -> int:
        if self._db.is_sqlite:
            return await self._relay_unclaimed()
        return await self._relay_claimed()

    def _unpublished(self, *, claim: bool) -> Select[Any]:
        outbox = self._tables.outbox
        query = (
            select(outbox.c.seq, outbox.c.event_id, outbox.c.subject, outbox.c.payload, outbox.c.headers)
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.seq)
            .limit(self._batch_size)
        )
        return query.with_for_update(skip_locked=True) if claim else query

    async def _relay_claimed(self) -> int:
        """Several replicas (PostgreSQL): each row is claimed by one relay while it publishes.

        The rows are locked `FOR UPDATE SKIP LOCKED` in a transaction that lasts one
        batch's publishing (acks take milliseconds): another replica's relay skips them and
        takes the next unpublished rows instead of sending the same ones. If this replica
        dies mid-batch the locks go with its connection and the rows are sent again by
        whoever claims them next; the stream drops the copies by Nats-Msg-Id.
        """
        async with self._db.transaction() as conn:
            rows = (await conn.execute(self._unpublished(claim=True))).all()
            if not rows:
                return 0
            done, failed = await self._publish(rows)
            await self._mark_published(conn, done)
        return self._count(done, failed)

    async def _relay_unclaimed(self) -> int:
        """One process per SQLite file: read, publish, then mark in a short write transaction."""
        async with self._db.connect() as conn:
            rows = (await conn.execute(self._unpublished(claim=False))).all()
        if not rows:
            return 0
        done, failed = await self._publish(rows)
        if done:
            async with self._db.transaction() as conn:
                await self._mark_published(conn, done)
        return self._count(done, failed)

    async def _publish(self, rows: Sequence[Row[Any]]) -> tuple[list[int], list[BaseException]]:
        # Send in order and await every ack together: JetStream keeps the order of sending.
        results = await self._publisher.publish_batch(
            [(r.subject, r.payload.encode(), r.event_id, r.headers) for r in rows]
        )
        done = [r.seq for r, res in zip(rows, results, strict=True) if res is None]
        failed = [res for res in results if res is not None]
        return done, failed

    async def _mark_published(self, conn: AsyncConnection, done: list[int]) -> None:
        if done:
            outbox = self._tables.outbox
            await conn.execute(update(outbox).where(outbox.c.seq.in_(done)).values(published_at=datetime.now(UTC)))

    def _count(self, done: list[int], failed: list[BaseException]) -> int:
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
