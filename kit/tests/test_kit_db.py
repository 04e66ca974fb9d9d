"""The kit's database helpers on SQLite: instants in UTC, append-only lists, racing writers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import produce_migrations, render_python_code
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, String, Table, create_engine, select
from sqlalchemy.exc import IntegrityError

from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.db import (
    UtcDateTime,
    append_new_rows,
    append_new_rows_many,
    new_metadata,
    once_more_on_race,
    rows_by_id,
    update_rows_by_id,
)
from sanwei_kit.errors import NotFound
from sanwei_kit.migrations import render_item
from sanwei_kit.testing import database_with_tables

pytestmark = pytest.mark.unit

metadata = new_metadata()
events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime(), nullable=True),
)
cases = Table(
    "cases",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("round", Integer, nullable=False),
)
lines = Table(
    "lines",
    metadata,
    Column("owner_id", String(36), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("text", String(200), nullable=False),
)


@pytest.fixture
async def db(tmp_path):
    async with database_with_tables(tmp_path, "kit", metadata) as database:
        yield database


async def test_an_instant_in_china_time_reads_back_as_the_same_instant_in_utc(db):
    nine_in_jinan = datetime(2026, 10, 8, 9, 0, tzinfo=CHINA_TZ)
    async with db.transaction() as conn:
        await conn.execute(events.insert().values(id=1, at=nine_in_jinan))
        await conn.execute(events.insert().values(id=2, at=datetime(2026, 10, 8, 1, 0)))  # naive: taken as UTC
        await conn.execute(events.insert().values(id=3, at=None))
    async with db.connect() as conn:
        stored = dict((await conn.execute(select(events.c.id, events.c.at).order_by(events.c.id))).all())
        # Compared values are converted too, so a China-time bound finds the UTC-stored row.
        found = (await conn.execute(select(events.c.id).where(events.c.at <= nine_in_jinan))).scalars().all()
    assert stored[1] == nine_in_jinan
    assert stored[1].tzinfo is UTC
    assert stored[2] == datetime(2026, 10, 8, 1, 0, tzinfo=UTC)
    assert stored[3] is None
    assert sorted(found) == [1, 2]
    async with db.connect() as conn:
        earlier = nine_in_jinan - timedelta(minutes=1)
        assert (await conn.execute(select(events.c.id).where(events.c.at <= earlier))).scalars().all() == []


async def test_an_append_only_list_stores_only_the_rows_not_yet_stored(db):
    async with db.transaction() as conn:
        await append_new_rows(conn, lines, lines.c.owner_id, "a", [{"text": "one"}])
        await append_new_rows(conn, lines, lines.c.owner_id, "b", [{"text": "other"}])
        await append_new_rows(conn, lines, lines.c.owner_id, "a", [{"text": "one"}, {"text": "two"}])
        await append_new_rows(conn, lines, lines.c.owner_id, "a", [{"text": "one"}, {"text": "two"}])
    async with db.connect() as conn:
        rows = (await conn.execute(select(lines).order_by(lines.c.owner_id, lines.c.position))).all()
    assert [tuple(r) for r in rows] == [("a", 0, "one"), ("a", 1, "two"), ("b", 0, "other")]


async def test_append_only_lists_of_several_owners_store_each_ones_new_rows(db):
    async with db.transaction() as conn:
        await append_new_rows(conn, lines, lines.c.owner_id, "a", [{"text": "one"}])
        await append_new_rows_many(conn, lines, lines.c.owner_id, {
            "a": [{"text": "one"}, {"text": "two"}], "b": [{"text": "other"}], "c": [],
        })
        await append_new_rows_many(conn, lines, lines.c.owner_id, {})
    async with db.connect() as conn:
        rows = (await conn.execute(select(lines).order_by(lines.c.owner_id, lines.c.position))).all()
    assert [tuple(r) for r in rows] == [("a", 0, "one"), ("a", 1, "two"), ("b", 0, "other")]


async def test_rows_are_read_by_id_in_the_asked_order_and_updated_in_one_statement(db):
    async with db.transaction() as conn:
        await conn.execute(cases.insert(), [{"id": i, "status": "open", "round": 1} for i in ("a", "b", "c")])
        assert [r.id for r in await rows_by_id(conn, cases, ["c", "a", "c"], what="case")] == ["c", "a"]
        with pytest.raises(NotFound, match="no case x"):
            await rows_by_id(conn, cases, ["a", "x", "y"], what="case")
        await update_rows_by_id(conn, cases, {"a": {"status": "referred", "round": 2},
                                              "c": {"status": "closed", "round": 1}})
        await update_rows_by_id(conn, cases, {})
    async with db.connect() as conn:
        rows = (await conn.execute(select(cases).order_by(cases.c.id))).all()
    assert [tuple(r) for r in rows] == [("a", "referred", 2), ("b", "open", 1), ("c", "closed", 1)]


async def test_a_use_case_that_lost_a_race_runs_once_more_and_no_more():
    calls: list[int] = []

    async def loses_once() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise IntegrityError("INSERT", {}, Exception("unique"))
        return "answer"

    assert await once_more_on_race(loses_once) == "answer"
    assert len(calls) == 2

    async def always_loses() -> str:
        raise IntegrityError("INSERT", {}, Exception("unique"))

    with pytest.raises(IntegrityError):
        await once_more_on_race(always_loses)


def test_autogenerate_writes_the_utc_type_as_the_plain_type_it_stores_as():
    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        operations = produce_migrations(context, metadata)
    code = render_python_code(operations.upgrade_ops, render_item=render_item)
    assert "sa.Column('at', sa.DateTime(timezone=True), nullable=True)" in code
    assert "UtcDateTime" not in code
