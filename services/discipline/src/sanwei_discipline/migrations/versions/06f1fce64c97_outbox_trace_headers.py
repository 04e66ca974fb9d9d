"""outbox trace headers: the NATS headers (traceparent) each event is published with (kit schema 2)

Revision ID: 06f1fce64c97
Revises: 1c5b726d1671
Create Date: 2026-11-25 23:03:03.270761
"""
from alembic import op

from sanwei_kit.migrations import downgrade_kit_tables_2, upgrade_kit_tables_2

revision = '06f1fce64c97'
down_revision = '1c5b726d1671'
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_kit_tables_2(op)


def downgrade() -> None:
    downgrade_kit_tables_2(op)
