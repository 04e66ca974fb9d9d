"""Test support: run one service in-process on FastStream's TestNatsBroker.

TestNatsBroker has no streams, acks or dedupe, so these tests check what a handler
does with an event (state, emitted events, timers), not delivery guarantees; those
are tested on a real nats-server.
"""

from __future__ import annotations

import asyncio
import functools
import io
import json
import os
import re
import socket
import threading
import uuid
import zipfile
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from faststream.nats import TestNatsBroker
from sqlalchemy import MetaData, select

from sanwei_contracts import Envelope
from sanwei_contracts.streams import stream_for_subject
from sanwei_kit.auth import Role, generate_signing_key, mint_token
from sanwei_kit.clock import Clock
from sanwei_kit.db import Database, KitTables, create_database, drop_database, new_metadata
from sanwei_kit.runtime import Runtime
from sanwei_kit.settings import ServiceSettings

if TYPE_CHECKING:
    from sanwei_kit.messaging import Subscription

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


@asynccontextmanager
async def database_with_tables(tmp_path: Path, name: str, metadata: MetaData) -> AsyncIterator[Database]:
    """A fresh test database for `name` (see `test_database_url`) with `metadata`'s tables created."""
    database = Database(test_database_url(tmp_path, name))
    try:
        async with database.transaction() as conn:
            await conn.run_sync(metadata.create_all)
        yield database
    finally:
        await database.dispose()


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


def unit_operator_headers(unit: str, *units: str, name: str = "王科员") -> dict[str, str]:
    """Headers of a 责任单位 operator of `unit` whose scope also covers `units` (its sub-units)."""
    return bearer(test_token(Role.UNIT, subject=f"op-{unit}", name=name, unit=unit, units=(unit, *units)))


def forged_token(*roles: Role | str, **claims: Any) -> str:
    """A token like `test_token`'s, signed with a key no test app trusts."""
    return mint_token(generate_signing_key()[0], subject="mallory", roles=roles or STAFF_ROLES,
                      issuer=TEST_ISSUER, audience=TEST_AUDIENCE, **claims)


def refused_token_headers(*roles: Role | str, **claims: Any) -> dict[str, dict[str, str]]:
    """Headers every protected endpoint must answer 401: no token, expired, for another audience, forged."""
    return {
        "none": {"Authorization": ""},
        "expired": bearer(test_token(ttl_seconds=-100)),
        "audience": bearer(test_token(audience="x")),
        "forged": bearer(forged_token(*roles, **claims)),
    }


def anonymous_client(app: FastAPI) -> httpx.AsyncClient:
    """A client of `app` in-process without a token, as the public calls it."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def operations_open_to_the_public(app: FastAPI, router: APIRouter) -> set[tuple[str, str]]:
    """(METHOD, path) of the operations of `router` that `app` serves without a token.

    Each operation is called with no token (path parameters filled with "x"); every one not open must be
    refused 401 "bearer token required". Run it inside `service_harness(app)`.
    """
    operations = [(method, route.path) for route in router.routes if isinstance(route, APIRoute)
                  for method in route.methods or ()]
    open_operations: set[tuple[str, str]] = set()
    async with anonymous_client(app) as public:
        for method, path in operations:
            response = await public.request(method, re.sub(r"\{[^}]+\}", "x", path))
            if response.status_code != 401:
                open_operations.add((method, path))
            elif response.json()["detail"]["reason"] != "bearer token required":
                raise AssertionError(f"{method} {path}: {response.text}")
    return open_operations


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    """`app` served over real HTTP by uvicorn on a free local port; yields its base URL.

    The app's lifespan is not run: start its runtime first (e.g. inside `service_harness`).
    """
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if serving.done():  # it could not start: raise why rather than wait forever
                await serving
                raise RuntimeError("uvicorn stopped before it started")
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    """An .xlsx file whose first sheet holds `rows`."""
    import openpyxl

    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def with_zip_entry(xlsx: bytes, name: str, data: bytes) -> bytes:
    """The workbook with one more (deflated) entry in its zip, e.g. a zip bomb."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        target.writestr(name, data)
    return out.getvalue()


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

    async def metrics(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        """`GET /metrics` as sample (name, labels) → value, asked without a token like Prometheus does."""
        return await scrape_metrics(self.client, headers={"Authorization": ""})

    async def dead_letters(self) -> list[dict[str, Any]]:
        table = self.runtime.tables.dead_letters
        async with self.runtime.db.connect() as conn:
            return [dict(r) for r in (await conn.execute(select(table))).mappings().all()]


async def scrape_metrics(client: httpx.AsyncClient, **kwargs: Any) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """A service's /metrics parsed: (sample name, its labels) → value."""
    from prometheus_client.parser import text_string_to_metric_families

    response = await client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.text
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


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


def probe_runtime(tmp_path: Path, *, routers: Sequence[APIRouter] = (), subscriptions: Sequence[Subscription] = (),
                  **settings: Any) -> tuple[Runtime, FastAPI]:
    """A bare service named "probe", to test the kit itself: `routers` and `subscriptions` over the kit's tables
    in a fresh test database. Not started, its tables not created."""
    metadata = new_metadata()
    settings.setdefault("migrate_on_start", False)
    config = ServiceSettings(service_name="probe", database_url=test_database_url(tmp_path, "probe"), **settings)
    runtime = Runtime(config, metadata, KitTables(metadata))
    app = runtime.build_app(title="probe", description="", routers=list(routers), subscriptions=list(subscriptions),
                            timer_handlers={}, migrations_dir=tmp_path)
    return runtime, app


async def started_probe_runtime(tmp_path: Path, nats_url: str, subscriptions: Sequence[Subscription],
                                **settings: Any) -> Runtime:
    """`probe_runtime` on a real nats-server with its tables created, its consumers and outbox relay running."""
    runtime, _app = probe_runtime(tmp_path, subscriptions=subscriptions, nats_url=nats_url, **settings)
    async with runtime.db.transaction() as conn:
        await conn.run_sync(runtime.metadata.create_all)
    await runtime.start()
    return runtime


def operations_without_token_requirement(app: FastAPI) -> list[str]:
    """`METHOD path` of every operation the app's OpenAPI does not mark as needing a bearer token."""
    open_operations = []
    for path, operations in app.openapi().get("paths", {}).items():
        for method, operation in operations.items():
            if not operation.get("security"):
                open_operations.append(f"{method.upper()} {path}")
    return sorted(open_operations)
