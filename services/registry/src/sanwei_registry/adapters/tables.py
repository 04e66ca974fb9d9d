"""The registry's database schema (SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from sanwei_kit.db import KitTables, UtcDateTime, new_metadata
from sanwei_kit.unit_index import task_units_table

metadata = new_metadata()
kit = KitTables(metadata)

task_lists = Table(
    "task_lists",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("title", Text, nullable=False),
    Column("source", Text, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    # The caller's own id (an OA system's), or `sheet:<title>` for an imported sheet: pushes are idempotent by it.
    Column("external_id", String(200), nullable=True, unique=True),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("task_list_id", String(36), ForeignKey("task_lists.id"), nullable=False),
    Column("seq", String(50), nullable=True),
    Column("position", Integer, nullable=False, default=0),
    Column("title", Text, nullable=False),
    Column("lead_unit", String(200), nullable=False),
    Column("co_units", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("deadline", Date, nullable=True),
    Column("due_at", UtcDateTime(), nullable=True),
    Column("deadline_working_days", Integer, nullable=True),
    Column("deadline_start", Date, nullable=True),
    Column("overdue_at", UtcDateTime(), nullable=True),
    Column("completed_at", UtcDateTime(), nullable=True),
    Column("completed_late", Boolean, nullable=True),
    # The caller's id of the task within its list (an OA id, or `序号:N` / `row:N` for a sheet).
    Column("external_id", String(200), nullable=True),
    UniqueConstraint("task_list_id", "external_id", name="uq_tasks_list_external_id"),
    # 层层分解: a sub-task for a lower unit points at the task it was split from.
    Column("parent_id", String(36), ForeignKey("tasks.id"), nullable=True),
    Column("paused_at", UtcDateTime(), nullable=True),
    Column("pause_reason", Text, nullable=True),
    Column("paused_days_left", Integer, nullable=True),
)
Index("ix_tasks_parent_id", tasks.c.parent_id)
Index("ix_tasks_task_list_id", tasks.c.task_list_id, tasks.c.position)
Index("ix_tasks_lead_unit", tasks.c.lead_unit)

# 牵头单位 and 配合单位 of each task, a row a unit: a unit operator's tasks, co-led ones included,
# are found by index and paged in SQL.
task_units = task_units_table(metadata)

# The units directory (区 → 局/街道 → 处/科 → person), with aliases and groups.
units = Table(
    "units",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),
    Column("parent_id", String(36), ForeignKey("units.id"), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

# Every name a unit is known by, its own name included; `key` is the name without the
# district prefix (区/市中区), so “发改局”, “区发改局” and “市中区发改局” meet on one row.
unit_aliases = Table(
    "unit_aliases",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("alias", String(200), nullable=False),
    Column("unit_id", String(36), ForeignKey("units.id"), nullable=False),
    Column("added_by", String(200), nullable=True),
    Column("added_at", UtcDateTime(), nullable=False),
)
Index("ix_unit_aliases_unit_id", unit_aliases.c.unit_id)

unit_group_members = Table(
    "unit_group_members",
    metadata,
    Column("group_id", String(36), ForeignKey("units.id"), primary_key=True),
    Column("member_id", String(36), ForeignKey("units.id"), primary_key=True),
    Column("position", Integer, nullable=False, default=0),
)

# Names an import or push met that the directory does not know, for a person to map.
unknown_unit_names = Table(
    "unknown_unit_names",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("first_seen_at", UtcDateTime(), nullable=False),
    Column("last_seen_at", UtcDateTime(), nullable=False),
    Column("times_seen", Integer, nullable=False, default=1),
    Column("mapped_to", String(36), ForeignKey("units.id"), nullable=True),
    Column("mapped_by", String(200), nullable=True),
    Column("mapped_at", UtcDateTime(), nullable=True),
)

# 延期: extension requests, asked by the responsible unit, decided by the issuing unit.
extensions = Table(
    "extensions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("task_id", String(36), ForeignKey("tasks.id"), nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("requested_deadline", Date, nullable=False),
    Column("previous_deadline", Date, nullable=False),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("status", String(20), nullable=False),
    Column("decided_by", String(200), nullable=True),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("decision_reason", Text, nullable=True),
)
Index("ix_extensions_task_id", extensions.c.task_id)

# Every change of a task's deadline, in order, for `deadline/explain`.
deadline_history = Table(
    "deadline_history",
    metadata,
    Column("task_id", String(36), ForeignKey("tasks.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("deadline", Date, nullable=True),
    Column("detail", Text, nullable=True),
    Column("actor", String(200), nullable=True),
)

# Operator corrections of the working-day calendar, per year and versioned: the latest
# version of a year gives that year's corrected days.
calendar_corrections = Table(
    "calendar_corrections",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False),
    Column("days", JSON, nullable=False),  # {"2027-02-06": true (working day), "2027-02-11": false (day off)}
    Column("reason", Text, nullable=False),
    Column("corrected_by", String(200), nullable=False),
    Column("corrected_at", UtcDateTime(), nullable=False),
    Column("policy", String(20), nullable=False),  # recompute | keep (running deadlines)
)
Index("ix_calendar_corrections_year", calendar_corrections.c.year, calendar_corrections.c.version)

calendar_deadline_moves = Table(
    "calendar_deadline_moves",
    metadata,
    Column("version", Integer, ForeignKey("calendar_corrections.version"), primary_key=True),
    Column("task_id", String(36), ForeignKey("tasks.id"), primary_key=True),
    Column("old_deadline", Date, nullable=False),
    Column("new_deadline", Date, nullable=False),
)
