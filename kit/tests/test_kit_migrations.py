"""Every service's migrations build exactly the schema its tables declare.

A service's database is created by its Alembic migrations, while its code reads and
writes through its SQLAlchemy tables; if the two drift, a fresh deployment runs on a
schema the code does not expect. Upgrading a fresh database to head and asking
Alembic's autogenerate for differences proves they match (the same check
`python -m sanwei_kit.makemigration <service> …` would make), and downgrading back
to base proves the migrations undo themselves.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect

from sanwei_kit.migrations import alembic_config, render_item

pytestmark = pytest.mark.unit

SERVICES = ["registry", "progress", "supervision", "media", "discipline", "audit"]


@contextmanager
def _database_at_head(service: str, tmp_path: Path) -> Iterator[tuple[Engine, Config]]:
    """A fresh SQLite database upgraded to the service's head, and the Alembic config that did it."""
    app = importlib.import_module(f"sanwei_{service}.app")
    url = f"sqlite:///{tmp_path}/{service}.db"
    config = alembic_config(Path(app.MIGRATIONS_DIR), url)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        yield engine, config
    finally:
        engine.dispose()


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_at_head_match_the_tables(service: str, tmp_path: Path) -> None:
    metadata = importlib.import_module(f"sanwei_{service}.adapters.tables").metadata
    with _database_at_head(service, tmp_path) as (engine, _config), engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True, "render_item": render_item}
        )
        differences = compare_metadata(context, metadata)
    assert differences == []


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_downgrade_to_an_empty_database(service: str, tmp_path: Path) -> None:
    with _database_at_head(service, tmp_path) as (engine, config):
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
        with engine.connect() as conn:
            left = set(inspect(conn).get_table_names())
    assert left <= {"alembic_version"}
