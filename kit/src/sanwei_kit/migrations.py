"""Alembic, driven from code: each service keeps its own migrations folder.

A service's `migrations/env.py` is two lines that call `run_env`. At start-up (dev,
SQLite) the service upgrades itself; in Kubernetes a Job runs `sanwei-<service>
migrate` before the Deployments roll.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, MetaData, pool
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


async def upgrade(conn: AsyncConnection, migrations_dir: Path, database_url: str) -> None:
    config = alembic_config(migrations_dir, database_url)

    def _run(sync_conn: Connection) -> None:
        config.attributes["connection"] = sync_conn
        command.upgrade(config, "head")

    await conn.run_sync(_run)


def run_env(context, metadata: MetaData) -> None:  # type: ignore[no-untyped-def]
    """Body of every service's migrations/env.py."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(context, connection, metadata)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    async def _online() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync_conn: _migrate(context, sync_conn, metadata))
        await engine.dispose()

    asyncio.run(_online())


def _migrate(context, connection: Connection, metadata: MetaData) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
