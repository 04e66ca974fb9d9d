"""The registry's database schema (SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, Text

from sanwei_kit.db import KitTables, UtcDateTime, new_metadata

metadata = new_metadata()
kit = KitTables(metadata)

task_lists = Table(
    "task_lists",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("title", Text, nullable=False),
    Column("source", Text, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
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
)
Index("ix_tasks_task_list_id", tasks.c.task_list_id, tasks.c.position)
Index("ix_tasks_lead_unit", tasks.c.lead_unit)
