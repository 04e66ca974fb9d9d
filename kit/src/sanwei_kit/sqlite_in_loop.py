"""SQLite statements run on the event loop's own thread, not on aiosqlite's worker thread.

aiosqlite hands every call (execute, fetch, cursor, commit) to a thread per connection
and waits for it. A SQLite statement on a local file costs a few microseconds; the hop
costs a thread wake-up each way, about 200 µs on the 2-core machines sanwei is measured
on, and SQLAlchemy makes several calls per statement: a consumer storing a 督办通知书
(seven statements) spent ~10 ms in hops. Running the calls in place removes that cost.

The price is that a statement blocks the loop while it runs. That is what SQLite costs
anyway (one writer, no network), and it is why two rules hold for the embedded database:

- Writers never wait on SQLite's lock inside the loop: `Database.transaction()` lets one
  write transaction at a time in per process (an asyncio lock, awaited without blocking),
  so a writer that awaits something mid-transaction never makes another one spin in
  SQLite's busy handler on the loop thread. Readers use WAL snapshots and never wait.
- Production runs on PostgreSQL (asyncpg is truly asynchronous); the embedded SQLite is
  for the one-command stack, tests and small offices (docs/postgresql.md).

SQLAlchemy's aiosqlite dialect is kept as it is: it is given this module in place of
aiosqlite, whose connections run each call at once instead of queueing it for a thread.
"""

from __future__ import annotations

import asyncio
import sqlite3
import types
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_dbapi


class _RunAtOnce:
    """Stands in for aiosqlite's queue to its worker thread: runs each call when it is queued."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to the awaiting caller, as the worker thread would
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InLoopConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run on the calling (event loop) thread."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], iter_chunk_size: int) -> None:
        super().__init__(connector, iter_chunk_size)
        self._tx = _RunAtOnce()  # type: ignore[assignment]

    def __await__(self) -> Generator[Any, None, aiosqlite.Connection]:
        return self._connect().__await__()  # no worker thread to start


def connect(database: str | bytes | Path, *, iter_chunk_size: int = 64, **kwargs: Any) -> InLoopConnection:
    """aiosqlite.connect, for connections that run in place."""
    location = database.decode("utf-8") if isinstance(database, bytes) else str(database)
    return InLoopConnection(lambda: sqlite3.connect(location, **kwargs), iter_chunk_size)


def in_loop_dbapi() -> AsyncAdapt_aiosqlite_dbapi:
    """The DBAPI for `create_async_engine("sqlite+aiosqlite://…", module=in_loop_dbapi())`."""
    module = types.ModuleType("sanwei_kit.sqlite_in_loop.aiosqlite")
    module.__dict__.update(vars(aiosqlite))
    module.connect = connect  # type: ignore[attr-defined]
    module.Connection = InLoopConnection  # type: ignore[attr-defined]
    return AsyncAdapt_aiosqlite_dbapi(module, sqlite3)
