"""Test support: run one service in-process on FastStream's TestNatsBroker.

TestNatsBroker has no streams, acks or dedupe, so these tests check what a handler
does with an event (state, emitted events, timers), not delivery guarantees; those
are tested on a real nats-server.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from faststream.nats import TestNatsBroker
from sqlalchemy import MetaData, select

from sanwei_contracts import Envelope
from sanwei_contracts.streams import stream_for_subject
from sanwei_kit.clock import Clock
from sanwei_kit.db import KitTables
from sanwei_kit.runtime import Runtime
from sanwei_kit.settings import ServiceSettings


@dataclass
class Harness:
    runtime: Runtime
    broker: Any
    client: httpx.AsyncClient

    async def publish(self, envelope: Envelope[Any]) -> None:
        """Deliver an event to the service's subscribers, as JetStream would."""
        await self.broker.publish(
            envelope.model_dump_json().encode(),
            subject=envelope.type,
            stream=stream_for_subject(envelope.type).name,
        )

    async def emitted(self, event_type: str | None = None) -> list[dict[str, Any]]:
        """Events this service has written to its outbox, oldest first."""
        outbox = self.runtime.tables.outbox
        query = select(outbox.c.subject, outbox.c.payload).order_by(outbox.c.seq)
        if event_type:
            query = query.where(outbox.c.subject == event_type)
        async with self.runtime.db.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [json.loads(r.payload) for r in rows]

    async def fire_timers(self) -> int:
        assert self.runtime.timers is not None
        return await self.runtime.timers.fire_due()

    async def dead_letters(self) -> list[dict[str, Any]]:
        table = self.runtime.tables.dead_letters
        async with self.runtime.db.connect() as conn:
            return [dict(r) for r in (await conn.execute(select(table))).mappings().all()]


def build_test_app(
    create_app: Callable[..., FastAPI],
    settings_cls: type[ServiceSettings],
    metadata: MetaData,
    kit_tables: KitTables,
    tmp_path: Path,
    clock: Clock,
    **settings: Any,
) -> FastAPI:
    """A service's app as its tests want it: a fresh SQLite file in `tmp_path`, the test's clock.

    `settings` override the service's own (e.g. a smaller batch size); the database is
    named after the service. Start it with `service_harness`.
    """
    service_name = settings_cls.model_fields["service_name"].default
    config = settings_cls(database_url=f"sqlite+aiosqlite:///{tmp_path}/{service_name}.db", **settings)
    return create_app(config, runtime=Runtime(config, metadata, kit_tables, clock=clock))


@asynccontextmanager
async def service_harness(app: FastAPI) -> AsyncIterator[Harness]:
    runtime: Runtime = app.state.runtime
    await runtime.migrate()
    async with TestNatsBroker(runtime.broker) as broker:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Harness(runtime, broker, client)
    await runtime.db.dispose()
