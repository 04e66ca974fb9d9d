"""The unit index: a unit's tasks by index, its names listed without reading every row."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Column, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import create_async_engine

from sanwei_kit.testing import test_database_url
from sanwei_kit.unit_index import UnitIndex, task_units_table

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
