"""outbox trace headers: the NATS headers (traceparent) each event is published with (kit schema 2)

Revision ID: af478b9dbc6a
Revises: 247f224750e7
Create Date: 2026-11-25 23:01:59.494145
"""
from alembic import op

from sanwei_kit.migrations import downgrade_kit_tables_2, upgrade_kit_tables_2

revision = 'af478b9dbc6a'
down_revision = '247f224750e7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_kit_tables_2(op)


def downgrade() -> None:
    downgrade_kit_tables_2(op)
