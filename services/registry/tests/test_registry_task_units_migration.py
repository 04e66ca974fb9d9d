"""The migration that indexes every unit of a task fills the index for the tasks stored before it."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine

from sanwei_kit.migrations import alembic_config
from sanwei_kit.testing import test_database_url
from sanwei_registry.app import MIGRATIONS_DIR

pytestmark = pytest.mark.integration

BEFORE_TASK_UNITS = "a9fca5702f0b"


async def test_tasks_stored_before_the_index_are_found_by_each_of_their_units(tmp_path: Path) -> None:
    url = test_database_url(tmp_path, "registry")
    config = alembic_config(MIGRATIONS_DIR, url)
    engine = create_async_engine(url)

    def upgrade_to(revision: str):  # type: ignore[no-untyped-def]
        def run(conn: Connection) -> None:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
        return run

    try:
        async with engine.begin() as conn:
            await conn.run_sync(upgrade_to(BEFORE_TASK_UNITS))
            await conn.execute(text("INSERT INTO task_lists (id, title, created_at) "
                                    "VALUES ('L', '2019年《政府工作报告》主要工作任务', '2026-09-28 01:00:00')"))
            for task_id, lead, co_units in (("T1", "区投促局", '["区 发改局", "区财政局"]'),
                                            ("T2", "区发改局", '["区发改局"]'),  # a co-unit that also leads
                                            ("T3", "区商务局", "[]")):
                await conn.execute(text(
                    "INSERT INTO tasks (id, task_list_id, position, title, lead_unit, co_units, status) "
                    "VALUES (:id, 'L', 0, '任务', :lead, :co, 'open')"), {"id": task_id, "lead": lead, "co": co_units})
        async with engine.begin() as conn:
            await conn.run_sync(upgrade_to("head"))
            rows = (await conn.execute(text("SELECT unit, task_id FROM task_units ORDER BY task_id, unit"))).all()
    finally:
        await engine.dispose()
    assert sorted(map(tuple, rows)) == sorted([
        ("区发改局", "T1"), ("区投促局", "T1"), ("区财政局", "T1"),
        ("区发改局", "T2"),
        ("区商务局", "T3"),
    ])
