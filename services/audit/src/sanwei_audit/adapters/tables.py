"""The audit service's database schema (SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from sanwei_kit.db import KitTables, UtcDateTime, new_metadata

metadata = new_metadata()
kit = KitTables(metadata)

# Every recorded event, one row each, in chain order. `seq` is given by the chain (head + 1),
# so it has no gaps; `envelope` is the exact canonical text that was hashed.
audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", Integer().with_variant(BigInteger(), "postgresql"), primary_key=True, autoincrement=False),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("type", String(200), nullable=False),
    Column("source", String(200), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("case_id", String(200), nullable=False),
    Column("time", UtcDateTime(), nullable=False),
    Column("causation_id", String(36), nullable=True),
    Column("actor", String(200), nullable=True),
    # Who acted when a person did (the envelope's actor_role / actor_unit); NULL for rows recorded before
    # envelopes carried them, for timers and for other systems' events.
    Column("actor_role", String(200), nullable=True),
    Column("actor_unit", String(200), nullable=True),
    Column("envelope", Text, nullable=False),
    # Not unique on its own: a fork (two rows on one predecessor) would give both the same `seq`, which
    # the primary key refuses, since both come from the one locked head. An index on a random hash cost
    # every append a write to a random page: 180,000 appends took 17.9 CPU-s in SQLite with it, 12.4 without.
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
)
Index("ix_audit_events_case_time", audit_events.c.case_id, audit_events.c.time, audit_events.c.seq)
Index("ix_audit_events_type_seq", audit_events.c.type, audit_events.c.seq)

# The chain head: one row (id 1), locked by every append so that concurrent consumers and
# replicas append one after another. Its hash can be copied elsewhere to anchor the chain.
chain_head = Table(
    "audit_chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer().with_variant(BigInteger(), "postgresql"), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)
