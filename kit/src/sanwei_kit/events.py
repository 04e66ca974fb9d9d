"""Writing events: wrap domain facts in envelopes and put them in the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_contracts import Envelope, new_envelope
from sanwei_kit.auth import current_principal
from sanwei_kit.clock import Clock
from sanwei_kit.db import KitTables
from sanwei_kit.outbox import add_events
from sanwei_kit.tracing import current_trace_headers


@dataclass(frozen=True)
class Emission:
    """One event to emit: its data, subject, case, and the event or actor that caused it."""

    data: BaseModel
    subject: str
    case_id: str
    cause: Envelope[Any] | None = None
    actor: str | None = None


class EventWriter:
    def __init__(self, tables: KitTables, clock: Clock) -> None:
        self._tables = tables
        self._clock = clock

    async def emit(
        self,
        conn: AsyncConnection,
        data: BaseModel,
        *,
        subject: str,
        case_id: str,
        cause: Envelope[Any] | None = None,
        actor: str | None = None,
    ) -> Envelope[Any]:
        """Record `data` as an event in this transaction; it is published after commit.

        When a person's request caused it, the authenticated caller is the actor (with
        role and unit); `actor` names it otherwise (a timer, an external system). The trace
        the event is emitted in (a request's, or the handled event's) is published with it.
        """
        [envelope] = await self.emit_many(conn, [Emission(data, subject, case_id, cause, actor)])
        return envelope

    async def emit_many(self, conn: AsyncConnection, emissions: Sequence[Emission]) -> list[Envelope[Any]]:
        """`emit` for several events (a batch handler's), stored in their order in one statement."""
        caller = current_principal.get()
        headers = current_trace_headers()
        envelopes = [self._envelope(e, caller if e.cause is None else None) for e in emissions]
        await add_events(conn, self._tables, [(envelope, headers) for envelope in envelopes])
        return envelopes

    def _envelope(self, e: Emission, caller: Any) -> Envelope[Any]:
        return new_envelope(
            e.data,
            subject=e.subject,
            case_id=e.case_id,
            time=self._clock.now(),
            causation_id=e.cause.id if e.cause else None,
            actor=(caller.actor if caller else e.actor) or ("system" if e.cause is None else None),
            actor_role=caller.role_label if caller else None,
            actor_unit=caller.unit if caller else None,
        )
