"""The embedded SQLite runs its statements on the event loop's thread, one writer at a time."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy import Column, Integer, String, Table, func, insert, select, text

from sanwei_kit.db import Database, new_metadata

pytestmark = pytest.mark.unit

metadata = new_metadata()
notes = Table("notes", metadata, Column("id", Integer, primary_key=True), Column("text", String(50)))


@pytest.fixture
async def db(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'in-loop.db'}")
    async with database.transaction() as conn:
        await conn.run_sync(metadata.create_all)
    yield database
    await database.dispose()


async def test_statements_run_on_the_loop_thread_without_a_worker_thread_per_connection(db):
    threads_before = threading.active_count()
    ran_on: list[int] = []

    async with db.connect() as conn:
        raw = await conn.get_raw_connection()
        raw.driver_connection._conn.create_function("thread_id", 0, threading.get_ident)
        ran_on.append((await conn.execute(text("SELECT thread_id()"))).scalar_one())
    async with db.transaction() as conn:
        await conn.execute(insert(notes), [{"text": f"第{i}条"} for i in range(100)])

    assert ran_on == [threading.get_ident()]
    assert threading.active_count() == threads_before


async def test_a_writer_waiting_mid_transaction_makes_the_next_writer_wait_for_it_not_fail(db):
    order: list[str] = []
    first_inside = asyncio.Event()

    async def first() -> None:
        async with db.transaction() as conn:
            await conn.execute(insert(notes).values(text="first"))
            order.append("first wrote")
            first_inside.set()
            await asyncio.sleep(0.2)  # e.g. waiting on NATS while holding SQLite's write lock
            order.append("first commits")

    async def second() -> None:
        await first_inside.wait()
        async with db.transaction() as conn:
            order.append("second begins")
            await conn.execute(insert(notes).values(text="second"))

    await asyncio.wait_for(asyncio.gather(first(), second()), timeout=10)

    assert order == ["first wrote", "first commits", "second begins"]
    async with db.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(notes))).scalar_one() == 2


async def test_a_reader_sees_the_last_commit_while_a_writer_holds_the_lock(db):
    async with db.transaction() as conn:
        await conn.execute(insert(notes).values(text="committed"))
    async with db.transaction() as writer:
        await writer.execute(insert(notes).values(text="not yet"))
        async with db.connect() as reader:
            seen = (await reader.execute(select(notes.c.text))).scalars().all()
    assert seen == ["committed"]


async def test_an_error_in_a_statement_reaches_the_caller_and_the_transaction_rolls_back(db):
    with pytest.raises(Exception, match="no such table"):
        async with db.transaction() as conn:
            await conn.execute(insert(notes).values(text="lost"))
            await conn.execute(text("SELECT * FROM missing"))
    async with db.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(notes))).scalar_one() == 0
