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
    Column("addressee", String(200), nullable=True),
    # 三色督办: the notice of the level below that ran out; a notice escalates once.
    Column("escalated_from", String(36), nullable=True, unique=True),
    Column("repeat_of", String(36), nullable=True),
    Column("escalated_at", UtcDateTime(), nullable=True),
    Column("escalated_to", String(36), nullable=True),
    Column("recheck_on", Date, nullable=True),
    Column("rechecked_at", UtcDateTime(), nullable=True),
    Column("rechecked_by", String(200), nullable=True),
    Column("recheck_note", Text, nullable=True),
    Column("reopened_at", UtcDateTime(), nullable=True),
    Column("reopen_count", Integer, nullable=False, server_default="0"),
    UniqueConstraint("year", "seq"),
    # One notice per overdue task (task_id is NULL for notices the 指挥部 issues directly).
    UniqueConstraint("task_id", "trigger"),
)
Index("ix_notices_unit_status", notices.c.unit, notices.c.status)
Index("ix_notices_case_id", notices.c.case_id)
Index("ix_notices_unit_issued_at", notices.c.unit, notices.c.issued_at)
Index("ix_notices_status_recheck_on", notices.c.status, notices.c.recheck_on)

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

# --- 模拟测评: schemes (考核), 日记分 deductions, published rankings, referrals --------------
# Points are stored in hundredths (0.5 分 → 50) so sums are exact on every database.
scoring_schemes = Table(
    "scoring_schemes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("units", JSON, nullable=False),
    Column("base_score_cents", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(200), nullable=True),
)

score_deductions = Table(
    "score_deductions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("scheme_id", String(36), ForeignKey("scoring_schemes.id"), nullable=False),
    Column("unit", String(200), nullable=False),
    Column("day", Date, nullable=False),
    Column("item", String(500), nullable=False),
    Column("points_cents", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("recorded_by", String(200), nullable=True),
)
Index("ix_score_deductions_scheme_day", score_deductions.c.scheme_id, score_deductions.c.day)

rankings = Table(
    "rankings",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("scheme_id", String(36), ForeignKey("scoring_schemes.id"), nullable=False),
    Column("period_kind", String(10), nullable=False),
    Column("period", String(10), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("lines", JSON, nullable=False),
    Column("published_at", UtcDateTime(), nullable=False),
    Column("published_by", String(200), nullable=True),
    # A period is published once: its ranking is final.
    UniqueConstraint("scheme_id", "period_kind", "period"),
)

ranking_referrals = Table(
    "ranking_referrals",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("scheme_id", String(36), ForeignKey("scoring_schemes.id"), nullable=False),
    Column("period_kind", String(10), nullable=False),
    Column("unit", String(200), nullable=False),
    Column("streak_start", String(10), nullable=False),
    Column("periods", JSON, nullable=False),
    Column("ranking_id", String(36), ForeignKey("rankings.id"), nullable=False),
    Column("requested_at", UtcDateTime(), nullable=False),
    # Exactly one referral per streak of a unit.
    UniqueConstraint("scheme_id", "period_kind", "unit", "streak_start"),
)

# --- 双随机 draws: the published record, and who was drawn when (for the exclusion period) ---
draws = Table(
    "draws",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("scope", String(200), nullable=False),
    Column("title", String(500), nullable=False),
    Column("algorithm", String(50), nullable=False),
    Column("seed", String(200), nullable=False),
    Column("inspector_pool", JSON, nullable=False),
    Column("targets", JSON, nullable=False),
    Column("excluded", JSON, nullable=False),
    Column("inspectors_count", Integer, nullable=False),
    Column("targets_count", Integer, nullable=False),
    Column("drawn_inspectors", JSON, nullable=False),
    Column("drawn_targets", JSON, nullable=False),
    Column("drawn_at", UtcDateTime(), nullable=False),
    Column("drawn_by", String(200), nullable=True),
)
Index("ix_draws_scope_drawn_at", draws.c.scope, draws.c.drawn_at)

drawn_targets = Table(
    "drawn_targets",
    metadata,
    Column("draw_id", String(36), ForeignKey("draws.id"), primary_key=True),
    Column("target", String(200), primary_key=True),
    Column("scope", String(200), nullable=False),
    Column("drawn_at", UtcDateTime(), nullable=False),
)
Index("ix_drawn_targets_scope_drawn_at", drawn_targets.c.scope, drawn_targets.c.drawn_at)

# One row per scope, locked by each draw of the scope until it commits: draws of one scope run one at a time,
# so a draw sees every target drawn before it (the exclusion period cannot be raced).
draw_scopes = Table(
    "draw_scopes",
    metadata,
    Column("scope", String(200), primary_key=True),
    Column("draws", Integer, nullable=False),
)

# --- inspections: plans with a checklist, findings, the closing bulletin (一抽查一通报) -----
inspections = Table(
    "inspections",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("title", String(500), nullable=False),
    Column("planned_on", Date, nullable=False),
    Column("targets", JSON, nullable=False),
    Column("inspectors", JSON, nullable=False),
    Column("checklist", JSON, nullable=False),
    Column("draw_id", String(36), ForeignKey("draws.id"), nullable=True),
    Column("status", String(10), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(200), nullable=True),
    Column("closed_at", UtcDateTime(), nullable=True),
    Column("closed_by", String(200), nullable=True),
    Column("bulletin", Text, nullable=True),
)
Index("ix_inspections_planned_on", inspections.c.planned_on)

inspection_findings = Table(
    "inspection_findings",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("inspection_id", String(36), ForeignKey("inspections.id"), nullable=False),
    Column("unit", String(200), nullable=False),
    Column("check_code", String(50), nullable=False),
    Column("check_item", String(500), nullable=False),
    Column("problem", Text, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("found_at", UtcDateTime(), nullable=False),
    Column("found_by", String(200), nullable=True),
    # A finding becomes at most one notice.
    Column("notice_id", String(36), ForeignKey("notices.id"), nullable=True, unique=True),
    Column("notice_number", String(50), nullable=True),
)
Index("ix_inspection_findings_inspection_id", inspection_findings.c.inspection_id, inspection_findings.c.found_at)
