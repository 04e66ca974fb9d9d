"""Which tasks a unit is responsible for, as 牵头单位 or 配合单位: a row per (unit, task).

A task keeps its co-units (配合单位) in a JSON column, which no index reaches; without this
table a unit operator's list read every task the district stored and filtered them in Python
(at 100,000 tasks, seconds a request). Names are kept normalized (`normalize_unit`), so “区 发改局”
and “区发改局” are one unit. The registry and progress each keep one for their own tasks.

The repositories write it with the task, in the same transaction. `UnitIndexRepair` checks it
against the tasks at start and then every hour, because during a rolling upgrade the pods of
the version before it still write tasks (and change their units) without it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy import Column, ForeignKey, Index, MetaData, String, Table, delete, insert, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_kit.db import Database
from sanwei_kit.loops import SweepLoop
from sanwei_kit.text import normalize_unit

log = structlog.get_logger(__name__)

TABLE = "task_units"

# A loose index scan: each next name is one index seek past the last, so listing the few hundred
# unit names costs what they number, not what the tasks number (SELECT DISTINCT reads every row).
_NAMES = text(f"""
WITH RECURSIVE names(unit) AS (
    SELECT min(unit) FROM {TABLE}
    UNION ALL
    SELECT (SELECT min(unit) FROM {TABLE} WHERE unit > names.unit) FROM names WHERE names.unit IS NOT NULL
)
SELECT unit FROM names WHERE unit IS NOT NULL
""")


def task_units_table(metadata: MetaData, tasks_table: str = "tasks") -> Table:
    table = Table(
        TABLE,
        metadata,
        Column("unit", String(200), primary_key=True),
        Column("task_id", String(36), ForeignKey(f"{tasks_table}.id"), primary_key=True),
    )
    Index("ix_task_units_task_id", table.c.task_id)
    return table


def unit_rows(task_id: str, units: Iterable[str]) -> list[dict[str, str]]:
    """The index rows of one task: each of its units once, normalized."""
    names = dict.fromkeys(normalize_unit(u) for u in units)
    return [{"unit": name, "task_id": task_id} for name in names if name]


class UnitIndex:
    def __init__(self, table: Table) -> None:
        self.table = table

    async def add(self, conn: AsyncConnection, task_id: str, units: Iterable[str]) -> None:
        rows = unit_rows(task_id, units)
        if rows:
            await conn.execute(insert(self.table), rows)

    async def replace(self, conn: AsyncConnection, task_id: str, units: Iterable[str]) -> None:
        """After the task's 牵头单位 or 配合单位 changed."""
        await conn.execute(delete(self.table).where(self.table.c.task_id == task_id))
        await self.add(conn, task_id, units)

    def task_ids(self, units: Iterable[str]) -> sa.Select[Any]:
        """The ids of the tasks one of `units` leads or co-leads, to filter a query with `id IN (…)`."""
        names = {normalize_unit(u) for u in units}
        return select(self.table.c.task_id).where(self.table.c.unit.in_(names))

    async def names(self, conn: AsyncConnection) -> list[str]:
        """Every unit some task names (in the database collation's order)."""
        return list((await conn.execute(_NAMES)).scalars())


class UnitIndexRepair(SweepLoop):
    """Brings the index in line with the tasks' 牵头单位 and 配合单位, a page of tasks a transaction.

    A pass runs through every task (pages sweep one after another), then waits `interval`
    seconds. The page's tasks are locked while it is compared (FOR UPDATE on PostgreSQL; SQLite
    has one writer), so a revision committing meanwhile cannot be undone by a stale repair. Tasks
    another transaction holds are skipped (SKIP LOCKED), never waited for: the repair does not
    stall a consumer or deadlock with one, and a replica repairing at the same time takes the
    others; a task skipped is checked by a later sweep.
    """

    def __init__(self, db: Database, index: UnitIndex, tasks: Table, *, interval: float = 3600.0,
                 page: int = 2000) -> None:
        super().__init__("unit-index-repair", poll_interval=interval, batch_size=page)
        self._db = db
        self._index = index
        self._tasks = tasks
        self._page = page
        self._after = ""  # the last task id of the pass so far
        self.repaired_total = 0

    async def sweep(self) -> int:
        table, tasks = self._index.table, self._tasks
        async with self._db.transaction() as conn:
            page = (await conn.execute(
                select(tasks.c.id, tasks.c.lead_unit, tasks.c.co_units).where(tasks.c.id > self._after)
                .order_by(tasks.c.id).limit(self._page).with_for_update(skip_locked=True)
            )).all()
            if not page:
                self._after = ""  # the pass is over: the next one starts after the interval
                return 0
            ids = [row.id for row in page]
            stored = {(row.unit, row.task_id) for row in await conn.execute(
                select(table.c.unit, table.c.task_id).where(table.c.task_id.in_(ids)))}
            wanted = {(row["unit"], row["task_id"]) for task in page
                      for row in unit_rows(task.id, [task.lead_unit, *(task.co_units or [])])}
            if stale := stored - wanted:
                await conn.execute(delete(table).where(tuple_(table.c.unit, table.c.task_id).in_(stale)))
            if missing := wanted - stored:
                await conn.execute(insert(table), [{"unit": unit, "task_id": task_id} for unit, task_id in missing])
        self._after = ids[-1]
        if stale or missing:
            self.repaired_total += len(stale) + len(missing)
            log.warning("unit_index.repaired", added=len(missing), removed=len(stale))
        return len(page)


# --- migrations ---------------------------------------------------------------------------
# Part of migration history (see sanwei_kit.migrations): once released, these never change.

def create_task_units(op: Any, *, batch: int = 5000) -> None:
    """Create the table and index the units of the tasks already stored."""
    created = op.create_table(
        TABLE,
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_task_units_task_id_tasks")),
        sa.PrimaryKeyConstraint("unit", "task_id", name=op.f("pk_task_units")),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index("ix_task_units_task_id", ["task_id"], unique=False)
    tasks = sa.table("tasks", sa.column("id", sa.String), sa.column("lead_unit", sa.String),
                     sa.column("co_units", sa.JSON))
    stored = op.get_bind().execute(sa.select(tasks.c.id, tasks.c.lead_unit, tasks.c.co_units)).all()
    rows: list[dict[str, str]] = []
    for task_id, lead_unit, co_units in stored:
        rows.extend(unit_rows(task_id, [lead_unit, *(co_units or [])]))
        if len(rows) >= batch:
            op.bulk_insert(created, rows)
            rows = []
    if rows:
        op.bulk_insert(created, rows)


def drop_task_units(op: Any) -> None:
    """Undo `create_task_units`."""
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index("ix_task_units_task_id")
    op.drop_table(TABLE)
