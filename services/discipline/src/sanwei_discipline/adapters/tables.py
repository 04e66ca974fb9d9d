"""The discipline service's database schema (SQLAlchemy Core). Everything here is confidential."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Date, ForeignKey, Index, Integer, String, Table, Text

from sanwei_kit.counters import counter_table
from sanwei_kit.db import KitTables, UtcDateTime, new_metadata

metadata = new_metadata()
kit = KitTables(metadata)

clues = Table(
    "clues",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("case_id", String(100), nullable=False),
    Column("year", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("unit", String(200), nullable=False),
    Column("problem", Text, nullable=False),
    Column("state", String(20), nullable=False),
    Column("registered_at", UtcDateTime(), nullable=False),
    Column("assignee", String(200), nullable=True),
    Column("mode", String(20), nullable=True),
    Column("due", Date, nullable=True),
    Column("due_at", UtcDateTime(), nullable=True),
    Column("due_working_days", Integer, nullable=True),
    Column("due_start", Date, nullable=True),
    Column("assigned_at", UtcDateTime(), nullable=True),
    Column("finding", String(30), nullable=True),
    Column("disposal_summary", Text, nullable=True),
    Column("disposed_at", UtcDateTime(), nullable=True),
    Column("decision_id", String(36), nullable=True),
    Column("sanction", String(50), nullable=True),
    Column("person", String(200), nullable=True),
    Column("decision_reason", Text, nullable=True),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("publication_summary", Text, nullable=True),
    Column("published_at", UtcDateTime(), nullable=True),
    Column("fingerprint", String(64), nullable=True),
    Column("kind", String(40), nullable=True),
    Column("level", String(40), nullable=True),
    Column("supervisor", String(200), nullable=True),
    Column("receipt_due", Date, nullable=True),
    Column("receipt_due_at", UtcDateTime(), nullable=True),
    Column("receipt_due_working_days", Integer, nullable=True),
    Column("receipt_due_start", Date, nullable=True),
    Column("receipt_at", UtcDateTime(), nullable=True),
    Column("receipt_by", String(200), nullable=True),
    Column("escalated_stages", JSON, nullable=True),
    Column("disposal_way", String(40), nullable=True),
)
# One clue per case, however often it is referred; one number per clue and year.
Index("ix_clues_case_id", clues.c.case_id, unique=True)
Index("ix_clues_year_seq", clues.c.year, clues.c.seq, unique=True)
Index("ix_clues_state", clues.c.state)
# The same matter (unit + problem, see matter_fingerprint) referred by several tracks joins one open clue.
Index("ix_clues_fingerprint", clues.c.fingerprint)
Index("ix_clues_kind_level", clues.c.kind, clues.c.level)

# The last clue number given out per year (claimed with UPDATE … RETURNING: no two replicas share one).
clue_numbers = counter_table("clue_numbers", metadata)

clue_sources = Table(
    "clue_sources",
    metadata,
    Column("clue_id", String(36), ForeignKey("clues.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("kind", String(50), nullable=False),
    Column("ref", String(200), nullable=False),
    Column("origin", String(50), nullable=False),
    Column("origin_ref", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("case_id", String(100), nullable=True),
)
Index("ix_clue_sources_case_id", clue_sources.c.case_id)

clue_steps = Table(
    "clue_steps",
    metadata,
    Column("clue_id", String(36), ForeignKey("clues.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("text", Text, nullable=False),
    Column("by", String(200), nullable=True),
)
