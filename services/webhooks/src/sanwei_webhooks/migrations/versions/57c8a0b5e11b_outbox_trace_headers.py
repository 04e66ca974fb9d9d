"""outbox trace headers: the NATS headers (traceparent) each event is published with (kit schema 2)

Revision ID: 57c8a0b5e11b
Revises: 52bdb87efff0
Create Date: 2026-11-25 23:03:39.866382
"""
from alembic import op

from sanwei_kit.migrations import downgrade_kit_tables_2, upgrade_kit_tables_2

revision = '57c8a0b5e11b'
down_revision = '52bdb87efff0'
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_kit_tables_2(op)


def downgrade() -> None:
    downgrade_kit_tables_2(op)
