"""outbox trace headers: the NATS headers (traceparent) each event is published with (kit schema 2)

Revision ID: be1205362c53
Revises: cfb1e50d00f6
Create Date: 2026-11-25 23:02:47.223578
"""
from alembic import op

from sanwei_kit.migrations import downgrade_kit_tables_2, upgrade_kit_tables_2

revision = 'be1205362c53'
down_revision = 'cfb1e50d00f6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_kit_tables_2(op)


def downgrade() -> None:
    downgrade_kit_tables_2(op)
