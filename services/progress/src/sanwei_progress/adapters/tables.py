"""The progress service's database schema (SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from sanwei_kit.db import KitTables, UtcDateTime, new_metadata

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
    Column("status", String(20), nullable=False),
    Column("deadline", Date, nullable=True),
    Column("due_at", UtcDateTime(), nullable=True),
    Column("deadline_changed_at", UtcDateTime(), nullable=True),
    Column("completed_at", UtcDateTime(), nullable=True),
    Column("completed_late", Boolean, nullable=True),
)
Index("ix_tasks_lead_unit", tasks.c.lead_unit)

reports = Table(
    "reports",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("task_id", String(36), ForeignKey("tasks.id"), nullable=False),
    Column("unit", String(200), nullable=False),
    Column("period", String(20), nullable=False),
    Column("text", Text, nullable=False),
    Column("submitted_at", UtcDateTime(), nullable=False),
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
    Column("decided_by", String(200), nullable=True),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("rejection_reason", Text, nullable=True),
)
Index("ix_completion_claims_task_id", completion_claims.c.task_id, completion_claims.c.claimed_at)
# At most one claim of a task waits for verification.
_pending = completion_claims.c.status == "pending"
Index("uq_completion_claims_pending_task", completion_claims.c.task_id, unique=True,
      sqlite_where=_pending, postgresql_where=_pending)
