"""The unit index: a unit's tasks by index, its names listed without reading every row."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import JSON, Column, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import create_async_engine

from sanwei_kit.db import Database
from sanwei_kit.testing import postgres_test_server, test_database_url
from sanwei_kit.unit_index import UnitIndex, UnitIndexRepair, task_units_table

pytestmark = pytest.mark.integration


async def test_tasks_are_found_by_any_of_their_units_and_follow_a_change(tmp_path: Path) -> None:
    metadata = MetaData()
    tasks = Table("tasks", metadata, Column("id", String(36), primary_key=True))
    index = UnitIndex(task_units_table(metadata))
    engine = create_async_engine(test_database_url(tmp_path, "unit_index"))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            await conn.execute(tasks.insert(), [{"id": t} for t in ("t1", "t2", "t3")])
            assert await index.names(conn) == []
            await index.add(conn, "t1", ["区投促局", "区 发改局", "区发改局"])  # one unit, spelt twice
            await index.add(conn, "t2", ["区发改局"])
            await index.add(conn, "t3", ["区商务局"])

            async def involving(*units: str) -> list[str]:
                found = await conn.execute(select(tasks.c.id).where(tasks.c.id.in_(index.task_ids(units)))
                                           .order_by(tasks.c.id))
                return list(found.scalars())

            assert sorted(await index.names(conn)) == sorted(["区发改局", "区商务局", "区投促局"])  # in the collation's order
            assert await involving("区 发改局") == ["t1", "t2"]
            assert await involving("区投促局", "区商务局") == ["t1", "t3"]
            await index.replace(conn, "t1", ["区财政局"])
            assert await involving("区发改局") == ["t2"]
            assert await involving("区财政局") == ["t1"]
            assert "区投促局" not in await index.names(conn)
    finally:
        await engine.dispose()


async def _tasks_with_units(tmp_path: Path, name: str, rows: list[dict]) -> tuple[Database, Table, UnitIndex]:
    """A database holding a tasks table with its units (as the services' tables have them) and the index."""
    metadata = MetaData()
    tasks = Table("tasks", metadata, Column("id", String(36), primary_key=True),
                  Column("lead_unit", String(200)), Column("co_units", JSON))
    index = UnitIndex(task_units_table(metadata))
    db = Database(test_database_url(tmp_path, name))
    async with db.transaction() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(tasks.insert(), rows)
    return db, tasks, index


async def test_the_repair_adds_what_an_older_version_left_out_and_removes_what_it_left_behind(tmp_path: Path) -> None:
    """A rolling upgrade: pods of the version before the index wrote tasks, and changed units, without it."""
    db, tasks, index = await _tasks_with_units(tmp_path, "unit_index_repair", [
        {"id": "t1", "lead_unit": "区投促局", "co_units": ["区发改局"]},   # indexed as it is
        {"id": "t2", "lead_unit": "区商务局", "co_units": []},            # written by an older pod
        {"id": "t3", "lead_unit": "区财政局", "co_units": ["区 统计局"]},  # its co-unit changed since
        {"id": "t4", "lead_unit": "区民政局", "co_units": None},
        {"id": "t5", "lead_unit": "区人社局", "co_units": ["区民政局"]},
    ])
    try:
        async with db.transaction() as conn:
            await index.add(conn, "t1", ["区投促局", "区发改局"])
            await index.add(conn, "t3", ["区财政局", "区科技局"])
            await index.add(conn, "t5", ["区人社局", "区民政局"])
        repair = UnitIndexRepair(db, index, tasks, page=2)
        pages = [await repair.sweep() for _ in range(4)]
        assert pages == [2, 2, 1, 0]  # a full page sweeps again at once; the end of a pass waits
        assert repair.repaired_total == 4  # t2, t3's 区统计局 and t4 added; t3's 区科技局 removed
        async with db.connect() as conn:
            rows = {tuple(row) for row in await conn.execute(select(index.table.c.unit, index.table.c.task_id))}
        assert rows == {("区投促局", "t1"), ("区发改局", "t1"), ("区商务局", "t2"), ("区财政局", "t3"),
                        ("区统计局", "t3"), ("区民政局", "t4"), ("区人社局", "t5"), ("区民政局", "t5")}
        assert [await repair.sweep() for _ in range(3)] == [2, 2, 1]  # the next pass finds nothing to do
        assert repair.repaired_total == 4
    finally:
        await db.dispose()


async def test_the_repair_skips_a_task_another_transaction_holds_and_mends_it_later(tmp_path: Path) -> None:
    if postgres_test_server() is None:
        pytest.skip("row locks held by another transaction: PostgreSQL only (SQLite has one writer)")
    db, tasks, index = await _tasks_with_units(tmp_path, "unit_index_skip", [
        {"id": "t1", "lead_unit": "区投促局", "co_units": []}, {"id": "t2", "lead_unit": "区商务局", "co_units": []}])
    try:
        repair = UnitIndexRepair(db, index, tasks)
        async with db.engine.connect() as holder:
            transaction = await holder.begin()
            await holder.execute(select(tasks.c.id).where(tasks.c.id == "t2").with_for_update())
            assert await asyncio.wait_for(repair.sweep(), timeout=10) == 1  # t1 only, without waiting for t2
            await transaction.rollback()
        assert await repair.sweep() == 1  # t2, free now: it came after the page, so this pass reaches it
        assert await repair.sweep() == 0
        async with db.connect() as conn:
            rows = {tuple(row) for row in await conn.execute(select(index.table.c.unit, index.table.c.task_id))}
        assert rows == {("区投促局", "t1"), ("区商务局", "t2")}
    finally:
        await db.dispose()
