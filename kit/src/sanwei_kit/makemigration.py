"""Developer tool: autogenerate a service's next migration from its tables.

    uv run python -m sanwei_kit.makemigration registry "add extensions"
"""

from __future__ import annotations

import importlib
import sys
import tempfile
from pathlib import Path

from alembic import command

from sanwei_kit.migrations import alembic_config


def main() -> None:
    service, message = sys.argv[1], sys.argv[2]
    app = importlib.import_module(f"sanwei_{service}.app")
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite+aiosqlite:///{scratch}/scratch.db"
        config = alembic_config(Path(app.MIGRATIONS_DIR), url)
        command.upgrade(config, "head")
        command.revision(config, message=message, autogenerate=True)


if __name__ == "__main__":
    main()
