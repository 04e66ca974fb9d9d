"""outbox trace headers: the NATS headers (traceparent) each event is published with (kit schema 2)

Revision ID: a9fca5702f0b
Revises: ccca2900bf0c
Create Date: 2026-11-25 23:01:44.762372
"""
from alembic import op

from sanwei_kit.migrations import downgrade_kit_tables_2, upgrade_kit_tables_2

revision = 'a9fca5702f0b'
down_revision = 'ccca2900bf0c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_kit_tables_2(op)


def downgrade() -> None:
    downgrade_kit_tables_2(op)
