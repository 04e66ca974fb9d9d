"""The tiny command line every service has: `serve` (default) and `migrate`."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from fastapi import FastAPI

from sanwei_kit.db import Database
from sanwei_kit.migrations import upgrade
from sanwei_kit.runtime import serve
from sanwei_kit.settings import ServiceSettings

Settings = TypeVar("Settings", bound=ServiceSettings)


def service_main(
    settings_cls: type[Settings],
    create_app: Callable[[Settings], FastAPI],
    migrations_dir: Path,
) -> None:
    parser = argparse.ArgumentParser(description=f"sanwei {settings_cls().service_name} service")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    args = parser.parse_args()
    settings = settings_cls()
    if args.command == "migrate":
        asyncio.run(_migrate(settings.database_url, migrations_dir))
        return
    serve(lambda: create_app(settings), settings)


async def _migrate(database_url: str, migrations_dir: Path) -> None:
    db = Database(database_url)
    async with db.transaction() as conn:
        await upgrade(conn, migrations_dir, database_url)
    await db.dispose()
