"""Reading and appending recorded events within the caller's transaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_audit.adapters.tables import audit_events, chain_head
from sanwei_audit.domain.chain import ChainHead, Link, StoredLink
from sanwei_audit.domain.timeline import (
    CONFIDENTIAL_PREFIX,
    PUBLIC_CONFIDENTIAL_PRODUCER_TYPES,
    CaseOverview,
    RecordedEvent,
)

HEAD_ID = 1


def _visible(public_only: bool) -> Any:
    """The rows a caller sees: all, or (public_only) none of the 纪委's confidential events."""
    if not public_only:
        return true()
    # The same rule as timeline.is_confidential: a 纪委 type is confidential unless it is a known public one.
    return or_(audit_events.c.type.not_like(CONFIDENTIAL_PREFIX + "%"),
               audit_events.c.type.in_(PUBLIC_CONFIDENTIAL_PRODUCER_TYPES))


def _envelope_time(envelope: dict[str, Any], fallback: datetime) -> datetime:
    """The event's time as its producer wrote it (with its UTC offset), for display."""
    try:
        written = datetime.fromisoformat(envelope["time"])
    except (KeyError, TypeError, ValueError):
        return fallback
    return written if written.tzinfo else written.replace(tzinfo=UTC)


def _event_from_row(row: Any) -> RecordedEvent:
    try:
        envelope = json.loads(row.envelope)
    except ValueError:  # a damaged row still shows in timelines; /audit/verify says what is wrong with it
        envelope = {}
    if not isinstance(envelope, dict):
        envelope = {}
    return RecordedEvent(
        seq=row.seq,
        event_id=row.event_id,
        type=row.type,
        source=row.source,
        subject=row.subject,
        case_id=row.case_id,
        time=_envelope_time(envelope, row.time),
        causation_id=row.causation_id,
        actor=row.actor,
        actor_role=row.actor_role,
        actor_unit=row.actor_unit,
        data=envelope.get("data") or {},
        hash=row.hash,
        recorded_at=row.recorded_at,
    )


def _row(link: Link, envelope: dict[str, Any], time: datetime, recorded_at: datetime) -> dict[str, Any]:
    causation_id = envelope.get("causation_id")
    return {
        "seq": link.seq,
        "event_id": envelope["id"],
        "type": envelope["type"],
        "source": envelope["source"],
        "subject": envelope["subject"],
        "case_id": envelope["case_id"],
        "time": time,
        "causation_id": str(causation_id) if causation_id else None,
        "actor": envelope.get("actor"),
        "actor_role": envelope.get("actor_role"),
        "actor_unit": envelope.get("actor_unit"),
        "envelope": link.canonical,
        "prev_hash": link.prev_hash,
        "hash": link.hash,
        "recorded_at": recorded_at,
    }


class AuditRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def head(self, *, lock: bool = False) -> ChainHead | None:
        """The chain head; with lock, held until commit so appends queue (FOR UPDATE on PostgreSQL)."""
        query = select(chain_head.c.seq, chain_head.c.hash).where(chain_head.c.id == HEAD_ID)
        if lock:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        return ChainHead(seq=row.seq, hash=row.hash) if row else None

    async def locked_head(self, now: datetime) -> ChainHead:
        """The head to append to, creating the empty chain's head on first use."""
        head = await self.head(lock=True)
        if head is None:
            head = ChainHead()
            await self._conn.execute(insert(chain_head).values(id=HEAD_ID, seq=head.seq, hash=head.hash, updated_at=now))
        return head

    async def recorded_envelope(self, event_id: str) -> str | None:
        query = select(audit_events.c.envelope).where(audit_events.c.event_id == event_id)
        return (await self._conn.execute(query)).scalar_one_or_none()

    async def recorded_envelopes(self, event_ids: list[str]) -> dict[str, str]:
        """The recorded envelopes of those of `event_ids` already on the chain, by event id."""
        query = select(audit_events.c.event_id, audit_events.c.envelope).where(audit_events.c.event_id.in_(event_ids))
        return {row.event_id: row.envelope for row in await self._conn.execute(query)}

    async def append(self, link: Link, envelope: dict[str, Any], time: datetime, recorded_at: datetime) -> None:
        await self.append_many([(link, envelope, time)], recorded_at=recorded_at)

    async def append_many(self, links: list[tuple[Link, dict[str, Any], datetime]], recorded_at: datetime) -> None:
        """Store consecutive links (each with its envelope and event time) and move the head to the last."""
        if not links:
            return
        await self._conn.execute(insert(audit_events), [_row(link, envelope, time, recorded_at)
                                                        for link, envelope, time in links])
        last = links[-1][0]
        await self._conn.execute(
            update(chain_head).where(chain_head.c.id == HEAD_ID).values(seq=last.seq, hash=last.hash,
                                                                         updated_at=recorded_at)
        )

    async def last_seq(self) -> int:
        return (await self._conn.execute(select(func.coalesce(func.max(audit_events.c.seq), 0)))).scalar_one()

    async def links(self, *, after_seq: int, up_to_seq: int, limit: int) -> list[StoredLink]:
        query = (
            select(audit_events.c.seq, audit_events.c.prev_hash, audit_events.c.hash, audit_events.c.envelope,
                   audit_events.c.event_id, audit_events.c.type, audit_events.c.case_id, audit_events.c.time,
                   audit_events.c.actor, audit_events.c.actor_role, audit_events.c.actor_unit)
            .where(audit_events.c.seq > after_seq, audit_events.c.seq <= up_to_seq)
            .order_by(audit_events.c.seq)
            .limit(limit)
        )
        return [
            StoredLink(seq=r.seq, prev_hash=r.prev_hash, hash=r.hash, envelope_text=r.envelope,
                       event_id=r.event_id, type=r.type, case_id=r.case_id, time=r.time, actor=r.actor,
                       actor_role=r.actor_role, actor_unit=r.actor_unit)
            for r in (await self._conn.execute(query)).all()
        ]

    async def case_events(self, case_id: str, *, public_only: bool = False) -> list[RecordedEvent]:
        query = (
            select(audit_events)
            .where(audit_events.c.case_id == case_id, _visible(public_only))
            .order_by(audit_events.c.time, audit_events.c.seq)
        )
        return [_event_from_row(r) for r in (await self._conn.execute(query)).all()]

    async def find(
        self,
        *,
        event_type: str | None = None,
        case_id: str | None = None,
        after_seq: int = 0,
        limit: int = 100,
        public_only: bool = False,
    ) -> list[RecordedEvent]:
        query = (select(audit_events).where(audit_events.c.seq > after_seq, _visible(public_only))
                 .order_by(audit_events.c.seq).limit(limit))
        if event_type:
            query = query.where(audit_events.c.type == event_type)
        if case_id:
            query = query.where(audit_events.c.case_id == case_id)
        return [_event_from_row(r) for r in (await self._conn.execute(query)).all()]

    async def cases(self, *, limit: int = 100, offset: int = 0, public_only: bool = False) -> list[CaseOverview]:
        """Cases with their span, count and last type; public_only counts no confidential 纪委 event."""
        ranked = select(
            audit_events.c.case_id,
            audit_events.c.type,
            func.row_number()
            .over(partition_by=audit_events.c.case_id,
                  order_by=(audit_events.c.time.desc(), audit_events.c.seq.desc()))
            .label("rn"),
        ).where(_visible(public_only)).subquery()
        last = select(ranked.c.case_id, ranked.c.type).where(ranked.c.rn == 1).subquery()
        totals = (
            select(
                audit_events.c.case_id,
                func.min(audit_events.c.time).label("first_time"),
                func.max(audit_events.c.time).label("last_time"),
                func.count().label("events"),
            )
            .where(_visible(public_only))
            .group_by(audit_events.c.case_id)
            .subquery()
        )
        query = (
            select(totals, last.c.type.label("last_type"))
            .join(last, last.c.case_id == totals.c.case_id)
            .order_by(totals.c.first_time, totals.c.case_id)
            .limit(limit)
            .offset(offset)
        )
        return [
            CaseOverview(case_id=r.case_id, first_time=r.first_time, last_time=r.last_time,
                         events=r.events, last_type=r.last_type)
            for r in (await self._conn.execute(query)).all()
        ]
