"""The supervision service's database schema (SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from sanwei_kit.db import KitTables, UtcDateTime, new_metadata

metadata = new_metadata()
kit = KitTables(metadata)

# The last notice number given out per year: 督〔2026〕N号.
notice_numbers = Table(
    "notice_numbers",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("last_seq", Integer, nullable=False),
)

notices = Table(
    "notices",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", String(50), nullable=False, unique=True),
    Column("year", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("case_id", String(100), nullable=False),
    Column("trigger", String(20), nullable=False),
    Column("task_id", String(36), nullable=True),
    # The event that caused the notice (a TaskOverdue), if any: never two notices for it.
    Column("cause_event_id", String(36), nullable=True, unique=True),
    Column("unit", String(200), nullable=False),
    Column("problem", Text, nullable=False),
    Column("requirement", Text, nullable=False),
    Column("level", String(10), nullable=False),
    Column("status", String(20), nullable=False),
    Column("issued_at", UtcDateTime(), nullable=False),
    Column("issued_by", String(200), nullable=True),
    Column("deadline_start", Date, nullable=False),
    Column("working_days", Integer, nullable=False),
    Column("deadline", Date, nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("rectified_at", UtcDateTime(), nullable=True),
    Column("rectified_report_id", String(36), nullable=True),
    Column("rectified_by", String(200), nullable=True),
    Column("unrectified_at", UtcDateTime(), nullable=True),
    UniqueConstraint("year", "seq"),
    # One notice per overdue task (task_id is NULL for notices the 指挥部 issues directly).
    UniqueConstraint("task_id", "trigger"),
)
Index("ix_notices_unit_status", notices.c.unit, notices.c.status)
Index("ix_notices_case_id", notices.c.case_id)

rectification_reports = Table(
    "rectification_reports",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("notice_id", String(36), ForeignKey("notices.id"), nullable=False),
    Column("unit", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("submitted_at", UtcDateTime(), nullable=False),
    Column("reviewed_by", String(200), nullable=True),
    Column("reviewed_at", UtcDateTime(), nullable=True),
    Column("return_reason", Text, nullable=True),
)
Index("ix_rectification_reports_notice_id", rectification_reports.c.notice_id, rectification_reports.c.submitted_at)
# At most one report of a notice waits for review.
_pending = rectification_reports.c.status == "pending"
Index("uq_rectification_reports_pending_notice", rectification_reports.c.notice_id, unique=True,
      sqlite_where=_pending, postgresql_where=_pending)
