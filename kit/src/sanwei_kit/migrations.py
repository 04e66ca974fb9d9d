"""Alembic, driven from code: each service keeps its own migrations folder.

A service's `migrations/env.py` is two lines that call `run_env`. At start-up (dev,
SQLite) the service upgrades itself; in Kubernetes a Job runs `sanwei-<service>
migrate` before the Deployments roll.

The kit's own tables (outbox, inbox, timers, dead letters) live in every service's
database. Their schema is written here once, as migration operations a service's
migration calls (`create_kit_tables`), not copied into every service's first migration.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, MetaData, pool
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from sanwei_kit.db import UtcDateTime


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


def run_env(context, metadata: MetaData) -> None:
    """Body of every service's migrations/env.py."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(context, connection, metadata)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True,
                          render_item=render_item)
        with context.begin_transaction():
            context.run_migrations()
        return

    async def _online() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync_conn: _migrate(context, sync_conn, metadata))
        await engine.dispose()

    asyncio.run(_online())


# Key of the PostgreSQL advisory lock held while a database is migrated ("sanwei" in ASCII).
MIGRATION_LOCK_KEY = 0x73616E776569


def lock_for_migration(connection: Connection) -> None:
    """On PostgreSQL, wait for the database's migration lock; held until the transaction ends.

    Two replicas starting at once (migrate_on_start) or a migration Job next to a starting
    pod then migrate one after the other: the second finds the schema at head and does
    nothing, instead of both creating the same tables. PostgreSQL's DDL is transactional, so
    the lock, the migration and the version row commit together. SQLite needs no lock: the
    kit's write transactions already serialise (BEGIN IMMEDIATE).
    """
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})


def _migrate(context, connection: Connection, metadata: MetaData) -> None:
    lock_for_migration(connection)
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Autogenerate hook: write the kit's column types as the plain types they store as.

    `UtcDateTime` converts values in Python; in the database it is `DateTime(timezone=True)`.
    Rendering it so keeps generated migrations free of imports from the kit's code.
    (Comparing needs no hook: Alembic compares a TypeDecorator by the type it compiles to.)
    """
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


# --- the kit's tables, as migration operations ----------------------------------------------
#
# These functions are part of migration history: once released they never change, or a
# database migrated earlier and one migrated later would differ. When `KitTables` changes,
# add new operations here (e.g. `upgrade_kit_tables_2(op)`) and call them from a new
# migration of every service; the schema test in kit/tests proves each service matches.


def create_kit_tables(op: Any) -> None:
    """Create the outbox, inbox, timers and dead letters (kit schema 1) in a service's database."""
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), autoincrement=True, nullable=False),
        sa.Column("consumer", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
    )
    op.create_table(
        "inbox",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("consumer", sa.String(length=200), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "consumer", name=op.f("pk_inbox")),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_unpublished", ["seq"], unique=False,
                              sqlite_where=sa.text("published_at IS NULL"),
                              postgresql_where=sa.text("published_at IS NULL"))
    op.create_table(
        "timers",
        sa.Column("id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timers")),
    )
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.create_index("ix_timers_kind_key", ["kind", "key"], unique=False)
        batch_op.create_index("ix_timers_pending_due", ["due_at"], unique=False,
                              sqlite_where=sa.text("fired_at IS NULL AND cancelled_at IS NULL"),
                              postgresql_where=sa.text("fired_at IS NULL AND cancelled_at IS NULL"))


def upgrade_kit_tables_2(op: Any) -> None:
    """Kit schema 2: the outbox keeps the NATS headers an event is published with (its traceparent)."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("headers", sa.JSON(), nullable=True))


def downgrade_kit_tables_2(op: Any) -> None:
    """Undo `upgrade_kit_tables_2`."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("headers")


def drop_kit_tables(op: Any) -> None:
    """Undo `create_kit_tables`."""
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.drop_index("ix_timers_pending_due",
                            sqlite_where=sa.text("fired_at IS NULL AND cancelled_at IS NULL"),
                            postgresql_where=sa.text("fired_at IS NULL AND cancelled_at IS NULL"))
        batch_op.drop_index("ix_timers_kind_key")
    op.drop_table("timers")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_unpublished", sqlite_where=sa.text("published_at IS NULL"),
                            postgresql_where=sa.text("published_at IS NULL"))
    op.drop_table("outbox")
    op.drop_table("inbox")
    op.drop_table("dead_letters")
