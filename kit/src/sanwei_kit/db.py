"""Database access: one async engine per service, and the kit's own tables.

Every service keeps its state, its outbox, its inbox, its timers and its dead letters
in its own database, so a state change, the events it causes and the fact that an
incoming event was handled commit in one transaction.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    bindparam,
    event,
    func,
    select,
)
from sqlalchemy.engine import Row, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from sanwei_kit.errors import NotFound
from sanwei_kit.sqlite_in_loop import in_loop_dbapi

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """An instant column: `DateTime(timezone=True)` that stores UTC and reads back aware UTC.

    SQLite keeps no UTC offset: it would store 10:00+08:00 as "10:00" and hand back a
    naive 10:00, eight hours off once read as UTC. PostgreSQL's timestamptz keeps the
    instant. With this type both databases behave alike, so repositories pass domain
    datetimes straight through. A naive datetime is taken to be UTC, the convention of
    everything stored. Migrations see the plain `DateTime(timezone=True)` it stores as.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return _as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return _as_utc(value)


def _as_utc(value: datetime | None) -> datetime | None:
    """The same instant in UTC; a naive value is taken to be UTC already."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class KitTables:
    """The outbox, inbox, timers and dead letters, added to a service's MetaData."""

    def __init__(self, metadata: MetaData) -> None:
        self.outbox = Table(
            "outbox",
            metadata,
            Column("seq", Integer().with_variant(BigInteger(), "postgresql"), primary_key=True, autoincrement=True),
            Column("event_id", String(36), nullable=False, unique=True),
            Column("subject", String(200), nullable=False),
            Column("payload", Text, nullable=False),
            Column("created_at", UtcDateTime(), nullable=False),
            Column("published_at", UtcDateTime(), nullable=True),
            # NATS headers to publish with the event: the W3C trace context it was emitted in (kit schema 2).
            Column("headers", JSON, nullable=True),
        )
        Index("ix_outbox_unpublished", self.outbox.c.seq, sqlite_where=self.outbox.c.published_at.is_(None),
              postgresql_where=self.outbox.c.published_at.is_(None))
        self.inbox = Table(
            "inbox",
            metadata,
            Column("event_id", String(36), primary_key=True),
            Column("consumer", String(200), primary_key=True),
            Column("handled_at", UtcDateTime(), nullable=False),
        )
        self.timers = Table(
            "timers",
            metadata,
            Column("id", Integer().with_variant(BigInteger(), "postgresql"), primary_key=True, autoincrement=True),
            Column("kind", String(100), nullable=False),
            Column("key", String(200), nullable=False),
            Column("due_at", UtcDateTime(), nullable=False),
            Column("payload", JSON, nullable=False, default=dict),
            Column("created_at", UtcDateTime(), nullable=False),
            Column("fired_at", UtcDateTime(), nullable=True),
            Column("cancelled_at", UtcDateTime(), nullable=True),
        )
        # Only pending timers are indexed, so finding due ones costs what is due, not what is stored.
        pending = self.timers.c.fired_at.is_(None) & self.timers.c.cancelled_at.is_(None)
        Index("ix_timers_pending_due", self.timers.c.due_at, sqlite_where=pending, postgresql_where=pending)
        Index("ix_timers_kind_key", self.timers.c.kind, self.timers.c.key)
        self.dead_letters = Table(
            "dead_letters",
            metadata,
            Column("id", Integer().with_variant(BigInteger(), "postgresql"), primary_key=True, autoincrement=True),
            Column("consumer", String(200), nullable=False),
            Column("subject", String(200), nullable=False),
            Column("event_id", String(100), nullable=True),
            Column("payload", Text, nullable=False),
            Column("headers", JSON, nullable=False, default=dict),
            Column("reason", Text, nullable=False),
            Column("deliveries", Integer, nullable=False),
            Column("failed_at", UtcDateTime(), nullable=False),
            Column("replayed_at", UtcDateTime(), nullable=True),
        )


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


async def once_more_on_race(attempt: Callable[[], Awaitable[T]]) -> T:
    """Run a use case; if a concurrent writer won a unique constraint, run it again.

    The second run sees the winner's row, so the domain gives its ordinary answer
    (the existing record, or a 409) instead of a database error.
    """
    try:
        return await attempt()
    except IntegrityError:
        return await attempt()


async def append_new_rows(
    conn: AsyncConnection, table: Table, owner: Column[Any], owner_id: str, rows: Sequence[dict[str, Any]]
) -> None:
    """Store an append-only list of an owner (a case's history lines): the rows not stored yet.

    Each row is stored with its owner's id and its `position` in the list. Lines are only
    ever appended, so the number already stored says which rows are new.
    """
    await append_new_rows_many(conn, table, owner, {owner_id: rows})


async def append_new_rows_many(
    conn: AsyncConnection, table: Table, owner: Column[Any], lists: Mapping[str, Sequence[dict[str, Any]]]
) -> None:
    """`append_new_rows` for several owners (owner id → its whole list): one count, one insert."""
    if not lists:
        return
    stored = {row[0]: row[1] for row in await conn.execute(
        select(owner, func.count()).where(owner.in_(list(lists))).group_by(owner)
    )}
    new = [{owner.name: owner_id, "position": i, **row}
           for owner_id, rows in lists.items() for i, row in enumerate(rows) if i >= stored.get(owner_id, 0)]
    if new:
        await conn.execute(table.insert(), new)


async def rows_by_id(conn: AsyncConnection, table: Table, ids: Sequence[str], *, what: str) -> list[Row[Any]]:
    """The rows of `table` whose `id` is in `ids`, in that order, each once; NotFound names the first missing."""
    found = {row.id: row for row in await conn.execute(select(table).where(table.c.id.in_(ids)))}
    missing = next((i for i in ids if i not in found), None)
    if missing is not None:
        raise NotFound(f"no {what} {missing}")
    return [found[i] for i in dict.fromkeys(ids)]


async def update_rows_by_id(conn: AsyncConnection, table: Table, changes: Mapping[str, Mapping[str, Any]]) -> None:
    """Set each row's new values (row id → column values, the same columns for every row) in one statement."""
    if changes:
        # The id is bound under its own name: a bind parameter may not share a column's name in an UPDATE.
        by_id = table.update().where(table.c.id == bindparam("row_id_"))
        await conn.execute(by_id, [{"row_id_": row_id, **values} for row_id, values in changes.items()])


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: AsyncEngine = _create_engine(url)
        self._write_engine = self.engine.execution_options(sanwei_write=True)
        # SQLite runs on the loop's thread (sanwei_kit.sqlite_in_loop): one writer at a time
        # waits here, without blocking the loop, instead of in SQLite's busy handler.
        self._writer_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A read-write transaction; commits on success, rolls back on error."""
        if not self.is_sqlite:
            async with self._write_engine.begin() as conn:
                yield conn
            return
        async with self._writer_lock(), self._write_engine.begin() as conn:
            yield conn

    def _writer_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._writer_locks.get(loop)
        if lock is None:
            lock = self._writer_locks[loop] = asyncio.Lock()
        return lock

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn

    async def ping(self) -> None:
        from sqlalchemy import text

        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"


def _create_engine(url: str) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, module=in_loop_dbapi(), connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record) -> None:
        # WAL lets the HTTP side read while the relay and timers write.
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        # Let SQLAlchemy's begin event below emit BEGIN, instead of the driver's lazy one.
        dbapi_conn.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _sqlite_begin_immediate(conn) -> None:
        # Writers take the lock at BEGIN so two of them queue instead of failing to upgrade a read lock.
        write = conn.get_execution_options().get("sanwei_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


# --- creating and dropping whole databases (tests, the local stack) ---------------------------


def is_postgresql_url(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


async def create_database(server_url: str, name: str) -> str:
    """Create database `name` on the PostgreSQL server of `server_url`; return its URL.

    `server_url` is any database URL on that server whose user may create databases
    (e.g. `postgresql+asyncpg://postgres@127.0.0.1:5432/postgres`).
    """
    from sqlalchemy import text

    server = make_url(server_url)
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


async def drop_database(url: str, *, maintenance_database: str = "postgres") -> None:
    """Drop the PostgreSQL database of `url`, disconnecting whoever is still connected."""
    from sqlalchemy import text

    target = make_url(url)
    engine = create_async_engine(target.set(database=maintenance_database), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    finally:
        await engine.dispose()
