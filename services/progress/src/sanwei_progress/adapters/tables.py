"""The progress service's database schema (SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    true,
)

from sanwei_kit.db import KitTables, UtcDateTime, new_metadata
from sanwei_kit.unit_index import task_units_table

metadata = new_metadata()
kit = KitTables(metadata)

# The registry's tasks, as its events announced them (a read model).
tasks = Table(
    "tasks",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("title", Text, nullable=False),
    Column("lead_unit", String(200), nullable=False),
    Column("co_units", JSON, nullable=False),
    Column("task_list_id", String(36), nullable=True),
    Column("task_list_title", Text, nullable=True),
    Column("seq", String(50), nullable=True),
    Column("parent_id", String(36), nullable=True),
    Column("units_merged_above", Boolean, nullable=True),
    Column("status", String(20), nullable=False),
    Column("deadline", Date, nullable=True),
    Column("due_at", UtcDateTime(), nullable=True),
    Column("deadline_changed_at", UtcDateTime(), nullable=True),
    Column("assigned_at", UtcDateTime(), nullable=True),
    Column("completed_at", UtcDateTime(), nullable=True),
    Column("completed_late", Boolean, nullable=True),
    # 挂起: the latest pause and resume the registry announced (paused while paused_at > resumed_at).
    Column("paused_at", UtcDateTime(), nullable=True),
    Column("resumed_at", UtcDateTime(), nullable=True),
    Column("pause_reason", Text, nullable=True),
)
Index("ix_tasks_lead_unit", tasks.c.lead_unit)
Index("ix_tasks_task_list_id", tasks.c.task_list_id)

# 牵头单位 and 配合单位 of each task, a row a unit: what a unit sees is read by index.
task_units = task_units_table(metadata)

reports = Table(
    "reports",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("task_id", String(36), ForeignKey("tasks.id"), nullable=False),
    Column("unit", String(200), nullable=False),
    Column("period", String(20), nullable=False),
    Column("text", Text, nullable=False),
    Column("submitted_at", UtcDateTime(), nullable=False),
    # False: a unit the task does not list as 牵头/配合单位 (named in a 落实情况表 all the same).
    Column("listed", Boolean, nullable=False, server_default=true()),
    # 最多报一次: one report per task, unit and period, whatever the race.
    UniqueConstraint("task_id", "unit", "period"),
)
Index("ix_reports_unit_period", reports.c.unit, reports.c.period)

completion_claims = Table(
    "completion_claims",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("task_id", String(36), ForeignKey("tasks.id"), nullable=False),
    Column("unit", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("claimed_at", UtcDateTime(), nullable=False),
    Column("attachments", JSON, nullable=True),
    Column("decided_by", String(200), nullable=True),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("rejection_reason", Text, nullable=True),
)
Index("ix_completion_claims_task_id", completion_claims.c.task_id, completion_claims.c.claimed_at)
# At most one claim of a task waits for verification.
_pending = completion_claims.c.status == "pending"
Index("uq_completion_claims_pending_task", completion_claims.c.task_id, unique=True,
      sqlite_where=_pending, postgresql_where=_pending)

# How often a task list is reported on (调度频次), and the period whose due day is watched.
cadences = Table(
    "cadences",
    metadata,
    Column("task_list_id", String(36), primary_key=True),
    Column("cadence", String(20), nullable=False),
    Column("due_working_days", Integer, nullable=False),
    Column("set_by", String(200), nullable=False),
    Column("set_at", UtcDateTime(), nullable=False),
    Column("watched_period", String(20), nullable=False),
    Column("watched_due_on", Date, nullable=False),
)

# 逾期未报: a responsible unit did not report on a task for a period by its due day.
missed_reports = Table(
    "missed_reports",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("task_id", String(36), ForeignKey("tasks.id"), nullable=False),
    Column("task_list_id", String(36), nullable=False),
    Column("unit", String(200), nullable=False),
    Column("period", String(20), nullable=False),
    Column("cadence", String(20), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("missed_at", UtcDateTime(), nullable=False),
    # When the unit reported after all (补报), if it did.
    Column("reported_late_at", UtcDateTime(), nullable=True),
    # Exactly once per task, unit and period, whatever the race.
    UniqueConstraint("task_id", "unit", "period"),
)
Index("ix_missed_reports_unit", missed_reports.c.unit, missed_reports.c.period)
