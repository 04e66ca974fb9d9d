"""task_units: every unit of a task, indexed for unit operators' lists

Revision ID: 4c29d757b225
Revises: a9fca5702f0b
Create Date: 2026-11-26 15:03:56.185432
"""
from alembic import op

from sanwei_kit.unit_index import create_task_units, drop_task_units

revision = '4c29d757b225'
down_revision = 'a9fca5702f0b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_task_units(op)


def downgrade() -> None:
    drop_task_units(op)
