"""task_units: every unit of a task, indexed for what a unit sees

Revision ID: 97e8359b865f
Revises: af478b9dbc6a
Create Date: 2026-11-26 15:07:20.178434
"""
from alembic import op

from sanwei_kit.unit_index import create_task_units, drop_task_units

revision = '97e8359b865f'
down_revision = 'af478b9dbc6a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_task_units(op)


def downgrade() -> None:
    drop_task_units(op)
