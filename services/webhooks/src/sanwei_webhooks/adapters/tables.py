"""The webhooks service's database schema (SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String, Table, Text, UniqueConstraint

from sanwei_kit.db import KitTables, UtcDateTime, new_metadata

metadata = new_metadata()
kit = KitTables(metadata)

# A registered receiver: its URL, the event types it wants, the secret its deliveries are signed with.
subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("url", String(2000), nullable=False),
    Column("event_types", JSON, nullable=False),
    Column("description", String(500), nullable=True),
    Column("secret", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("secret_rotated_at", UtcDateTime(), nullable=True),
)

# One event to one subscription. Written with the consumer's inbox row; the delivery loop
# claims open rows whose next attempt is due by moving next_attempt_at (a lease).
deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer().with_variant(BigInteger(), "postgresql"), primary_key=True, autoincrement=True),
    Column("subscription_id", String(36), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("case_id", String(200), nullable=False),
    Column("payload", Text, nullable=False),
    Column("state", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=True),
    Column("last_attempt_at", UtcDateTime(), nullable=True),
    Column("last_status", Integer, nullable=True),
    Column("last_response", Text, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("delivered_at", UtcDateTime(), nullable=True),
    UniqueConstraint("subscription_id", "event_id"),
)
# Only open deliveries are indexed by due time, so a sweep costs what is due, not what was delivered.
_open = deliveries.c.next_attempt_at.is_not(None)
Index("ix_webhook_deliveries_due", deliveries.c.next_attempt_at, sqlite_where=_open, postgresql_where=_open)
Index("ix_webhook_deliveries_subscription", deliveries.c.subscription_id, deliveries.c.id)
