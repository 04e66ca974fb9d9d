"""Every service's migrations build exactly the schema its tables declare.

A service's database is created by its Alembic migrations, while its code reads and
writes through its SQLAlchemy tables; if the two drift, a fresh deployment runs on a
schema the code does not expect. Upgrading a fresh database to head and asking
Alembic's autogenerate for differences proves they match (the same check
`python -m sanwei_kit.makemigration <service> …` would make), and downgrading back
to base proves the migrations undo themselves.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from sanwei_kit.db import Database
from sanwei_kit.migrations import alembic_config, render_item
from sanwei_kit.testing import test_database_url

pytestmark = pytest.mark.unit

SERVICES = ["registry", "progress", "supervision", "media", "discipline", "audit", "webhooks"]


def _migrations_dir(service: str) -> Path:
    return Path(importlib.import_module(f"sanwei_{service}.app").MIGRATIONS_DIR)


@asynccontextmanager
async def _database_at_head(service: str, tmp_path: Path) -> AsyncIterator[tuple[AsyncEngine, Config]]:
    """A fresh database (SQLite, or PostgreSQL with SANWEI_TEST_DATABASE_URL) upgraded to the
    service's head, and the Alembic config that did it."""
    url = test_database_url(tmp_path, service)
    config = alembic_config(_migrations_dir(service), url)
    engine = create_async_engine(url)

    def _upgrade(conn: Connection) -> None:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")

    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade)
        yield engine, config
    finally:
        await engine.dispose()


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_at_head_match_the_tables(service: str, tmp_path: Path) -> None:
    metadata = importlib.import_module(f"sanwei_{service}.adapters.tables").metadata

    def _differences(conn: Connection) -> list[object]:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True, "render_item": render_item}
        )
        return compare_metadata(context, metadata)

    async with _database_at_head(service, tmp_path) as (engine, _config), engine.connect() as conn:
        differences = await conn.run_sync(_differences)
    assert differences == []


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_downgrade_to_an_empty_database(service: str, tmp_path: Path) -> None:
    def _downgrade(conn: Connection, config: Config) -> None:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")

    async with _database_at_head(service, tmp_path) as (engine, config):
        async with engine.begin() as conn:
            await conn.run_sync(_downgrade, config)
        async with engine.connect() as conn:
            left = set(await conn.run_sync(lambda sync_conn: inspect(sync_conn).get_table_names()))
    assert left <= {"alembic_version"}


def test_two_replicas_migrating_one_fresh_database_at_once_both_succeed(tmp_path: Path) -> None:
    """Replicas that start together with migrate_on_start (or a migration Job next to a starting
    pod) take turns on PostgreSQL's advisory lock: both `migrate` commands succeed and the
    schema is at head, once. On SQLite the write transactions queue the same way."""
    service = "supervision"
    url = test_database_url(tmp_path, service)
    env = {**os.environ, "SANWEI_DATABASE_URL": url, "SANWEI_LOG_FORMAT": "console"}
    replicas = [
        subprocess.Popen([sys.executable, "-m", f"sanwei_{service}", "migrate"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(2)
    ]
    outputs = [replica.communicate(timeout=120)[0].decode(errors="replace") for replica in replicas]
    assert [replica.returncode for replica in replicas] == [0, 0], outputs

    async def _read() -> tuple[list[str], set[str]]:
        db = Database(url)
        try:
            async with db.connect() as conn:
                versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
                tables = set(await conn.run_sync(lambda sync_conn: inspect(sync_conn).get_table_names()))
        finally:
            await db.dispose()
        return list(versions), tables

    versions, tables = asyncio.run(_read())
    head = ScriptDirectory.from_config(alembic_config(_migrations_dir(service), url)).get_current_head()
    assert versions == [head]
    assert {"outbox", "inbox", "timers", "dead_letters", "notices"} <= tables
