"""Writing events: wrap domain facts in envelopes and put them in the outbox."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_contracts import Envelope, new_envelope
from sanwei_kit.auth import current_principal
from sanwei_kit.clock import Clock
from sanwei_kit.db import KitTables
from sanwei_kit.outbox import add_event
from sanwei_kit.tracing import current_trace_headers


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
        caller = current_principal.get() if cause is None else None
        envelope = new_envelope(
            data,
            subject=subject,
            case_id=case_id,
            time=self._clock.now(),
            causation_id=cause.id if cause else None,
            actor=(caller.actor if caller else actor) or ("system" if cause is None else None),
            actor_role=caller.role_label if caller else None,
            actor_unit=caller.unit if caller else None,
        )
        await add_event(conn, self._tables, envelope, current_trace_headers())
        return envelope
