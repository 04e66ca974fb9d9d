"""outbox trace headers: the NATS headers (traceparent) each event is published with (kit schema 2)

Revision ID: be43ada90e69
Revises: 51751f8d090a
Create Date: 2026-11-25 23:02:16.238631
"""
from alembic import op

from sanwei_kit.migrations import downgrade_kit_tables_2, upgrade_kit_tables_2

revision = 'be43ada90e69'
down_revision = '51751f8d090a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_kit_tables_2(op)


def downgrade() -> None:
    downgrade_kit_tables_2(op)
