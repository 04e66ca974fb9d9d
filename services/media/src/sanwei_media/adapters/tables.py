"""The media service's database schema (SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Date, ForeignKey, Index, Integer, String, Table, Text

from sanwei_kit.db import KitTables, UtcDateTime, new_metadata

metadata = new_metadata()
kit = KitTables(metadata)

exposures = Table(
    "exposures",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("case_id", String(100), nullable=False),
    Column("unit", String(200), nullable=False),
    Column("title", Text, nullable=False),
    Column("problem", Text, nullable=False),
    Column("origin", String(50), nullable=False),
    Column("origin_ref", String(200), nullable=True),
    Column("status", String(20), nullable=False),
    Column("round", Integer, nullable=False),
    Column("published_at", UtcDateTime(), nullable=False),
    Column("deadline", Date, nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("deadline_working_days", Integer, nullable=False),
    Column("deadline_start", Date, nullable=False),
    Column("rectified_at", UtcDateTime(), nullable=True),
    Column("rectified_by", String(200), nullable=True),
    Column("rectification_note", Text, nullable=True),
    Column("unrectified_at", UtcDateTime(), nullable=True),
    Column("republished_at", UtcDateTime(), nullable=True),
    Column("referral_id", String(36), nullable=True),
    Column("evidence", JSON, nullable=True),
)
# One exposure per origin: a 督办通知书 that ran out unrectified is exposed once, however often it is reported.
Index("ix_exposures_origin_ref", exposures.c.origin, exposures.c.origin_ref, unique=True)
Index("ix_exposures_case_id", exposures.c.case_id)
Index("ix_exposures_unit_status", exposures.c.unit, exposures.c.status)
Index("ix_exposures_published_at", exposures.c.published_at)
Index("ix_exposures_republished_at", exposures.c.republished_at)
Index("ix_exposures_rectified_at", exposures.c.rectified_at)

exposure_history = Table(
    "exposure_history",
    metadata,
    Column("exposure_id", String(36), ForeignKey("exposures.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("text", Text, nullable=False),
    Column("by", String(200), nullable=True),
    Column("evidence", JSON, nullable=True),
)

published_outcomes = Table(
    "published_outcomes",
    metadata,
    Column("decision_id", String(36), primary_key=True),
    Column("clue_id", String(36), nullable=False),
    Column("case_id", String(100), nullable=False),
    Column("unit", String(200), nullable=False),
    Column("sanction", String(50), nullable=False),
    Column("summary", Text, nullable=False),
    Column("published_at", UtcDateTime(), nullable=False),
    Column("exposure_id", String(36), ForeignKey("exposures.id"), nullable=True),
)
Index("ix_published_outcomes_published_at", published_outcomes.c.published_at)
Index("ix_published_outcomes_case_id", published_outcomes.c.case_id)

# Citizen clues (随手拍, 12345 工单). Reporter name and phone are confidential: never on the feed.
citizen_clues = Table(
    "citizen_clues",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("channel", String(20), nullable=False),
    Column("external_id", String(200), nullable=True),
    Column("text", Text, nullable=False),
    Column("location", Text, nullable=True),
    Column("photos", JSON, nullable=False),
    Column("category", String(200), nullable=True),
    Column("reported_at", UtcDateTime(), nullable=True),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("reporter_name", String(200), nullable=True),
    Column("reporter_phone", String(50), nullable=True),
    Column("callback_url", Text, nullable=True),
    Column("status", String(20), nullable=False),
    Column("exposure_id", String(36), nullable=True),
    Column("dismissal_reason", Text, nullable=True),
    Column("triaged_at", UtcDateTime(), nullable=True),
    Column("triaged_by", String(200), nullable=True),
)
# One clue per 12345 ticket: a replayed push finds the clue it made.
Index("ix_citizen_clues_channel_external_id", citizen_clues.c.channel, citizen_clues.c.external_id, unique=True)
Index("ix_citizen_clues_status", citizen_clues.c.status)
Index("ix_citizen_clues_exposure_id", citizen_clues.c.exposure_id)

# Status callbacks to the hotline system, written in the transaction of the change they report
# (like an outbox) and delivered with retries by the callback dispatcher.
hotline_callbacks = Table(
    "hotline_callbacks",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("clue_id", String(36), ForeignKey("citizen_clues.id"), nullable=False),
    Column("url", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("delivered_at", UtcDateTime(), nullable=True),
    Column("gave_up_at", UtcDateTime(), nullable=True),
    Column("last_error", Text, nullable=True),
    # Order of the ticket's callbacks: several may be written at one instant (triaged, then exposed).
    Column("position", Integer, nullable=False, server_default="0"),
)
Index("ix_hotline_callbacks_pending", hotline_callbacks.c.delivered_at, hotline_callbacks.c.gave_up_at,
      hotline_callbacks.c.next_attempt_at)
Index("ix_hotline_callbacks_clue_id", hotline_callbacks.c.clue_id)
