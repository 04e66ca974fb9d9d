"""outbox trace headers: the NATS headers (traceparent) each event is published with (kit schema 2)

Revision ID: c95ff1e41bb0
Revises: 6c3b61f921a8
Create Date: 2026-11-25 23:03:21.365498
"""
from alembic import op

from sanwei_kit.migrations import downgrade_kit_tables_2, upgrade_kit_tables_2

revision = 'c95ff1e41bb0'
down_revision = '6c3b61f921a8'
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_kit_tables_2(op)


def downgrade() -> None:
    downgrade_kit_tables_2(op)
