"""Test support: run one service in-process on FastStream's TestNatsBroker.

TestNatsBroker has no streams, acks or dedupe, so these tests check what a handler
does with an event (state, emitted events, timers), not delivery guarantees; those
are tested on a real nats-server.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import re
import threading
import uuid
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
from sanwei_kit.auth import Role, generate_signing_key, mint_token
from sanwei_kit.clock import Clock
from sanwei_kit.db import KitTables, create_database, drop_database
from sanwei_kit.runtime import Runtime
from sanwei_kit.settings import ServiceSettings

TEST_DATABASE_URL_ENV = "SANWEI_TEST_DATABASE_URL"

# Databases made by `test_database_url` and not dropped yet; the root conftest drops them after each test.
created_test_databases: list[str] = []


def postgres_test_server() -> str | None:
    """The PostgreSQL server tests run on (`SANWEI_TEST_DATABASE_URL`), or None for SQLite."""
    return os.environ.get(TEST_DATABASE_URL_ENV) or None


def _run_sync(coroutine: Any) -> Any:
    """Run a coroutine to completion from sync code, even inside a running event loop."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(coroutine)
        except BaseException as exc:  # handed to the caller below
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


def new_postgres_database(server_url: str, name: str) -> str:
    """Create a fresh, uniquely named database on `server_url` for `name`; return its URL."""
    label = re.sub(r"[^a-z0-9_]+", "_", name.lower())[:30]
    return _run_sync(create_database(server_url, f"sanwei_t_{uuid.uuid4().hex[:12]}_{label}"))


def drop_postgres_database(url: str) -> None:
    _run_sync(drop_database(url))


def test_database_url(tmp_path: Path, name: str) -> str:
    """The database URL a test should use for `name`.

    SQLite (the default): a file `name.db` in `tmp_path`. With `SANWEI_TEST_DATABASE_URL`
    set to a PostgreSQL server URL: a fresh database on that server, dropped after the test
    (by the root conftest's `drop_test_databases`).
    """
    server = postgres_test_server()
    if server is None:
        return f"sqlite+aiosqlite:///{tmp_path}/{name}.db"
    url = new_postgres_database(server, name)
    created_test_databases.append(url)
    return url


test_database_url.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test to collect


def drop_test_databases() -> None:
    """Drop every database `test_database_url` made so far (WITH (FORCE))."""
    while created_test_databases:
        drop_postgres_database(created_test_databases.pop())


TEST_ISSUER = "sanwei-test"
TEST_AUDIENCE = "sanwei"
# What the harness's default client may do: every office's role, 纪委 at district level.
# Tests of who-may-do-what mint narrower tokens with `Harness.token` / `test_token`.
STAFF_ROLES = (Role.COMMAND, Role.MEDIA, Role.DISCIPLINE, Role.AUDITOR, Role.ADMIN, Role.INTEGRATION)


@functools.cache
def test_signing_key() -> tuple[bytes, bytes]:
    """One ES256 key pair per test process (private PEM, public PEM)."""
    return generate_signing_key()


def test_token(*roles: Role | str, subject: str = "tester", unit: str | None = None, units: tuple[str, ...] = (),
               level: str | None = "district", ttl_seconds: float = 3600, name: str | None = None,
               audience: str = TEST_AUDIENCE, issuer: str = TEST_ISSUER, now: float | None = None) -> str:
    """A token the test apps accept (unless `audience`/`issuer` say otherwise)."""
    return mint_token(test_signing_key()[0], subject=subject, name=name, roles=roles or STAFF_ROLES,
                      issuer=issuer, audience=audience, unit=unit, units=units,
                      level=level if Role.DISCIPLINE in {Role(r) for r in (roles or STAFF_ROLES)} else None,
                      ttl_seconds=ttl_seconds, now=now)


test_signing_key.__test__ = False  # type: ignore[attr-defined]
test_token.__test__ = False  # type: ignore[attr-defined]


def test_auth_settings() -> dict[str, str]:
    """Settings that make a service accept `test_token`s."""
    return {"auth_issuer": TEST_ISSUER, "auth_audience": TEST_AUDIENCE,
            "auth_public_key": test_signing_key()[1].decode()}


test_auth_settings.__test__ = False  # type: ignore[attr-defined]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


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

    def as_(self, *roles: Role | str, **claims: Any) -> dict[str, str]:
        """Headers for a request made as a narrower caller, e.g. `h.as_(Role.UNIT, unit="区发改局")`."""
        return bearer(test_token(*roles, **claims))

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
    """A service's app as its tests want it: a fresh database, the test's clock.

    The database is a SQLite file in `tmp_path` named after the service, or a fresh
    PostgreSQL database when `SANWEI_TEST_DATABASE_URL` is set (see `test_database_url`).
    `settings` override the service's own (e.g. a smaller batch size). Start it with
    `service_harness`.
    """
    service_name = settings_cls.model_fields["service_name"].default
    if "database_url" not in settings:
        settings["database_url"] = test_database_url(tmp_path, service_name)
    for key, value in test_auth_settings().items():
        settings.setdefault(key, value)
    config = settings_cls(**settings)
    return create_app(config, runtime=Runtime(config, metadata, kit_tables, clock=clock))


@asynccontextmanager
async def service_harness(app: FastAPI) -> AsyncIterator[Harness]:
    runtime: Runtime = app.state.runtime
    await runtime.migrate()
    async with TestNatsBroker(runtime.broker) as broker:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test",
                                     headers=bearer(test_token())) as client:
            yield Harness(runtime, broker, client)
    await runtime.db.dispose()
