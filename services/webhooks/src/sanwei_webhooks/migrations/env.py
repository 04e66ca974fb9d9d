from alembic import context

from sanwei_kit.migrations import run_env
from sanwei_webhooks.adapters.tables import metadata

run_env(context, metadata)
