"""Audit use cases: record an event on the hash chain, verify the chain, read a case.

Every event of the catalogue reaches `record`, each in its consumer's transaction with
its inbox row, so a redelivered event is recognised twice over: by the kit's inbox and
by the unique event id of the recorded row.
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_audit.adapters.repository import AuditRepository
from sanwei_audit.domain.chain import ChainVerifier, Verification, same_content
from sanwei_audit.domain.timeline import TimelineStep, timeline
from sanwei_contracts import Envelope
from sanwei_kit.errors import Conflict, NotFound
from sanwei_kit.runtime import Runtime

log = structlog.get_logger(__name__)


class AuditService:
    def __init__(self, runtime: Runtime, *, verify_batch_size: int = 1000) -> None:
        self.rt = runtime
        self.verify_batch_size = verify_batch_size

    async def record(self, conn: AsyncConnection, event: Envelope[Any]) -> None:
        """Append one event to the chain (once: a second delivery of the same event changes nothing)."""
        repo = AuditRepository(conn)
        envelope = event.model_dump(mode="json")
        recorded = await repo.recorded_envelope(str(event.id))
        if recorded is not None:
            if not same_content(recorded, envelope):
                # Same id, other content: a producer bug or a forgery. Refuse, so it lands in the dead letters.
                raise Conflict(f"event {event.id} was already recorded with different content")
            log.info("audit.duplicate_ignored")
            return
        now = self.rt.clock.now()
        head = await repo.locked_head(now)
        link = head.append(envelope)
        await repo.append(link, envelope, event.time, recorded_at=now)
        log.info("audit.recorded", seq=link.seq)

    async def record_many(self, conn: AsyncConnection, events: list[Envelope[Any]]) -> None:
        """`record` for events that waited together: one lookup, one head lock, one bulk insert.

        Links are appended in the order the events came, exactly as one `record` after another.
        """
        repo = AuditRepository(conn)
        envelopes = [event.model_dump(mode="json") for event in events]
        event_ids = [envelope["id"] for envelope in envelopes]  # the id as text, made once by model_dump
        recorded = await repo.recorded_envelopes(event_ids)
        now = self.rt.clock.now()
        head = await repo.locked_head(now)
        rows = []
        for event, event_id, envelope in zip(events, event_ids, envelopes, strict=True):
            earlier = recorded.get(event_id)
            if earlier is not None:
                if not same_content(earlier, envelope):
                    raise Conflict(f"event {event_id} was already recorded with different content")
                log.info("audit.duplicate_ignored", event_id=event_id)
                continue
            link = head.append(envelope)
            head = head.advance(link)
            recorded[event_id] = link.canonical
            rows.append((link, envelope, event.time))
        await repo.append_many(rows, recorded_at=now)
        log.info("audit.recorded_batch", count=len(rows), last_seq=head.seq)

    async def verify(self) -> Verification:
        """Recompute the whole chain, in batches, up to the head as it stood when verification began."""
        verifier = ChainVerifier()
        async with self.rt.db.connect() as conn:
            repo = AuditRepository(conn)
            head = await repo.head()
            up_to = head.seq if head else await repo.last_seq()
            after = 0
            while after < up_to:
                rows = await repo.links(after_seq=after, up_to_seq=up_to, limit=self.verify_batch_size)
                if not rows or not verifier.feed(rows):
                    break
                after = rows[-1].seq
        result = verifier.finish(head)
        log.info("audit.verified", ok=result.ok, checked=result.checked, first_broken_seq=result.first_broken_seq)
        return result

    async def timeline(self, case_id: str, *, public_only: bool = False) -> list[TimelineStep]:
        """The case's steps; public_only leaves out the 纪委's confidential events, without a trace: a case
        of only such events is as unknown as one never recorded (no visible event is caused by a
        confidential one: only audit consumes them)."""
        async with self.rt.db.connect() as conn:
            events = await AuditRepository(conn).case_events(case_id, public_only=public_only)
        if not events:
            raise NotFound(f"no event of case {case_id} has been recorded")
        return timeline(events)
