"""`sanwei import FILE` against the registry served by uvicorn on a free port."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from importlib import resources
from pathlib import Path

import pytest

from sanwei.cli.testing import RunCli, cli_runner
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import build_test_app, served, service_harness, test_token
from sanwei_registry.adapters.tables import kit, metadata
from sanwei_registry.app import create_app
from sanwei_registry.settings import RegistrySettings

pytestmark = pytest.mark.handler

DATA = Path(str(resources.files("sanwei") / "data"))
SHEET = DATA / "shizhong-2019q2.xlsx"


@asynccontextmanager
async def _served(tmp_path: Path) -> AsyncIterator[RunCli]:
    """The registry on TestNatsBroker, served over real HTTP; yields a function running the CLI."""
    app = build_test_app(create_app, RegistrySettings, metadata, kit, tmp_path,
                         FakeClock(datetime(2026, 9, 28, 9, 0, tzinfo=CHINA_TZ)))
    async with service_harness(app), served(app) as url:
        with cli_runner({"SANWEI_REGISTRY_URL": url, "SANWEI_TOKEN": test_token()}) as run:
            yield run


async def test_import_prints_the_report_and_a_second_import_changes_nothing(tmp_path):
    async with _served(tmp_path) as run:
        result = await run("import", str(SHEET))
        assert result.exit_code == 0, result.output
        assert "tasks created" in result.output and "110" in result.output
        assert "区投促局" in result.output
        assert "rows inheriting the 责任单位 above: 13," in result.output
        again = await run("import", str(SHEET), "--json")
        assert again.exit_code == 0, again.output
        report = json.loads(again.output)
        assert report["outcome"]["list_created"] is False
        assert (report["outcome"]["created"], report["outcome"]["unchanged"]) == (0, 110)
        assert len(report["inherited_rows"]) == 20


async def test_dry_run_creates_nothing_and_json_lists_every_row(tmp_path):
    async with _served(tmp_path) as run:
        result = await run("import", str(SHEET), "--dry-run", "--json", "--title", "试导入")
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        assert (report["dry_run"], report["title"], report["tasks_read"]) == (True, "试导入", 110)
        assert report["task_list"] is None and len(report["preview"]) == 110
        table = await run("import", str(SHEET), "--dry-run")
        assert "dry run: nothing was created" in table.output and "would be imported" in table.output
        listed = await run("import", str(SHEET), "--json")
        assert json.loads(listed.output)["outcome"]["list_created"] is True


async def test_unreadable_rows_are_listed_and_exit_non_zero(tmp_path):
    sheet = tmp_path / "清单.csv"
    sheet.write_text("某区重点任务清单\n序号,工作任务,责任单位\n1,推进养老服务体系建设,区民政局\n2,,区民政局\n",
                     encoding="utf-8")
    async with _served(tmp_path) as run:
        result = await run("import", str(sheet))
        assert result.exit_code == 1
        assert "unreadable rows" in result.output
        assert "4" in result.output and "the task cell (主要任务) is empty" in result.output


async def test_a_file_the_registry_refuses_exits_non_zero_with_the_reason(tmp_path):
    sheet = tmp_path / "broken.xlsx"
    sheet.write_bytes(b"PK\x03\x04 not really a zip")
    async with _served(tmp_path) as run:
        result = await run("import", str(sheet))
        assert result.exit_code == 1
        assert "not a readable xlsx" in result.output


async def test_units_load_import_unknown_and_map_from_the_command_line(tmp_path):
    sheet = tmp_path / "数据.csv"
    sheet.write_text("序号,主要任务,责任单位\n1,推进政务数据共享,区大数据局、各街道办事处\n", encoding="utf-8")
    async with _served(tmp_path) as run:
        loaded = await run("units", "load", "--json")
        assert loaded.exit_code == 0, loaded.output
        assert len(json.loads(loaded.output)["created"]) > 70
        imported = await run("import", str(sheet))
        assert imported.exit_code == 0, imported.output
        assert "unknown unit names" in imported.output and "区大数据局" in imported.output
        assert "group 各街道办事处 expanded to 17 units" in imported.output
        unknown = await run("units", "unknown", "--json")
        assert [n["name"] for n in json.loads(unknown.output)] == ["区大数据局"]
        mapped = await run("units", "map", "区大数据局", "发改局")
        assert mapped.exit_code == 1  # “发改局” is how sheets write it, not the unit's name or an alias listed
        mapped = await run("units", "map", "区大数据局", "区发改局")
        assert mapped.exit_code == 0, mapped.output
        assert "now means 区发改局" in mapped.output
        assert json.loads((await run("units", "unknown", "--json")).output) == []
