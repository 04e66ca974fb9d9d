"""The CLI against the registry and progress served over real HTTP (`served_office`).

Both services run in this process on TestNatsBroker; what the registry emits is handed to
progress as JetStream would (`Served.relay`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from sanwei.cli.testing import RunCli, cli_runner
from sanwei_contracts.catalog import CATALOG
from sanwei_contracts.streams import stream_for_subject
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import Harness, build_test_app, served, service_harness, test_token
from sanwei_progress.adapters.tables import kit as progress_kit
from sanwei_progress.adapters.tables import metadata as progress_metadata
from sanwei_progress.app import create_app as create_progress
from sanwei_progress.settings import ProgressSettings
from sanwei_registry.adapters.tables import kit as registry_kit
from sanwei_registry.adapters.tables import metadata as registry_metadata
from sanwei_registry.app import create_app as create_registry
from sanwei_registry.settings import RegistrySettings

MONDAY = datetime(2026, 9, 28, 9, 0, tzinfo=CHINA_TZ)
TO_PROGRESS = {spec.type for spec in CATALOG if "progress" in spec.consumers and spec.producer == "registry"}
SHEET = ("2026年区政府重点工作任务清单\n"
         "序号,主要任务,责任单位\n"
         "1,重点打造儒商总部大厦特色楼宇,区投促局、区商务局\n"
         "2,推进政务数据共享,区大数据局\n"
         "3,推进养老服务体系建设,区民政局\n")


@dataclass
class Served:
    registry: Harness
    progress: Harness
    run_cli: RunCli
    clock: FakeClock
    relayed: int = 0

    async def run(self, *args: str, env: dict[str, str] | None = None) -> Result:
        return await self.run_cli(*args, env=env)

    async def json(self, *args: str) -> Any:
        result = await self.run(*args, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    async def relay(self) -> None:
        """Deliver to progress what the registry emitted since the last relay."""
        events = await self.registry.emitted()
        for event in events[self.relayed:]:
            if event["type"] in TO_PROGRESS:
                await self.progress.broker.publish(json.dumps(event).encode(), subject=event["type"],
                                                   stream=stream_for_subject(event["type"]).name)
        self.relayed = len(events)


@asynccontextmanager
async def serve_office(tmp_path: Path) -> AsyncIterator[Served]:
    clock = FakeClock(MONDAY)
    registry_app = build_test_app(create_registry, RegistrySettings, registry_metadata, registry_kit, tmp_path, clock)
    progress_app = build_test_app(create_progress, ProgressSettings, progress_metadata, progress_kit, tmp_path, clock)
    async with (service_harness(registry_app) as registry, service_harness(progress_app) as progress,
                served(registry_app) as registry_url, served(progress_app) as progress_url):
        env = {"SANWEI_REGISTRY_URL": registry_url, "SANWEI_PROGRESS_URL": progress_url, "SANWEI_TOKEN": test_token()}
        with cli_runner(env) as run_cli:
            yield Served(registry, progress, run_cli, clock)


async def imported(s: Served, tmp_path: Path) -> tuple[str, dict[str, str]]:
    sheet = tmp_path / "清单.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    imported = await s.run("import", str(sheet))
    assert imported.exit_code == 0, imported.output
    await s.relay()
    (task_list,) = await s.json("task", "lists")
    tasks = await s.json("task", "list", task_list["id"])
    return task_list["id"], {t["seq"]: t["id"] for t in tasks}


@pytest.fixture
def served_office() -> Callable[[Path], AbstractAsyncContextManager[Served]]:
    """`async with served_office(tmp_path) as s`: both services up, the CLI pointed at them."""
    return serve_office


@pytest.fixture
def import_sample() -> Callable[[Served, Path], Awaitable[tuple[str, dict[str, str]]]]:
    """Import SHEET through the CLI; gives the list id and the task ids by 序号."""
    return imported
