from alembic import context

from sanwei_audit.adapters.tables import metadata
from sanwei_kit.migrations import run_env

run_env(context, metadata)
