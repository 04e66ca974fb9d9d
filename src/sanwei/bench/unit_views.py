"""What a unit operator's lists cost among many stored tasks: the registry's task list (a 50-task
page, co-led tasks included) and progress's 我的任务 view, each against `/healthz` of the same app.

    uv run python -m sanwei.bench.unit_views --tasks 100000

In process (ASGI, no network), on SQLite. The tasks are written straight into each service's
tables (and their unit index, where the code has one), spread over 32 units, each with one
配合单位; progress also gets a weekly 调度 cadence due this week and each lead unit's reports of
the `--weeks` weeks before (what the 我的任务 view checks to say which reports are owed). The file imports only what every version of the services has, so the same file run
in an older checkout measures the code before a change (the numbers in
docs/bench/2026-11-26-unit-views.md were taken that way).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, inspect

from sanwei_kit.calendar import CHINA_TZ, due_instant
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import Harness, build_test_app, service_harness, unit_operator_headers

UNITS = [f"区第{i}局" for i in range(32)]
ASKING = UNITS[5]
BATCH = 5000


def _units(i: int) -> tuple[str, list[str]]:
    return UNITS[i % len(UNITS)], [UNITS[(i * 7 + 3) % len(UNITS)]]


def _chunks(n: int, row: Callable[[int, str, list[str]], dict[str, Any]]) -> Iterator[tuple[list, list]]:
    tasks, units = [], []
    for i in range(n):
        lead, co = _units(i)
        tasks.append(row(i, lead, co))
        units += [{"unit": u, "task_id": f"t{i:07d}"} for u in dict.fromkeys([lead, *co])]
        if len(tasks) == BATCH:
            yield tasks, units
            tasks, units = [], []
    if tasks:
        yield tasks, units


async def _store(h: Harness, n: int, row: Callable[[int, str, list[str]], dict[str, Any]]) -> bool:
    """Write n tasks; True when this version of the service keeps a unit index (and it was written)."""
    tables = h.runtime.metadata.tables
    async with h.runtime.db.transaction() as conn:
        indexed = await conn.run_sync(lambda sync: inspect(sync).has_table("task_units"))
        for tasks, units in _chunks(n, row):
            await conn.execute(insert(tables["tasks"]), tasks)
            if indexed:
                await conn.execute(insert(tables["task_units"]), units)
    return indexed


async def _p50_ms(client: httpx.AsyncClient, path: str, repetitions: int, **request: Any) -> float:
    took = []
    for _ in range(repetitions):
        started = time.perf_counter()
        response = await client.get(path, **request)
        took.append(time.perf_counter() - started)
        response.raise_for_status()
    return statistics.median(took) * 1000


async def _store_reports(h: Harness, n: int, weeks: int, at: datetime) -> None:
    """Each lead unit's weekly reports of the `weeks` weeks before this one."""
    reports = h.runtime.metadata.tables["reports"]
    this_week = at.isocalendar().week
    async with h.runtime.db.transaction() as conn:
        for week in range(this_week - weeks, this_week):
            rows = [{"id": f"r{week}-{i:07d}", "task_id": f"t{i:07d}", "unit": _units(i)[0],
                     "period": f"{at.year}-W{week:02d}", "text": "推进中", "submitted_at": at} for i in range(n)]
            for start in range(0, n, BATCH):
                await conn.execute(insert(reports), rows[start:start + BATCH])


async def measure(n: int, repetitions: int, scratch: Path, weeks: int = 4) -> list[dict[str, Any]]:
    from sanwei_progress.adapters.tables import kit as progress_kit
    from sanwei_progress.adapters.tables import metadata as progress_metadata
    from sanwei_progress.app import create_app as progress_app
    from sanwei_progress.settings import ProgressSettings
    from sanwei_registry.adapters.tables import kit as registry_kit
    from sanwei_registry.adapters.tables import metadata as registry_metadata
    from sanwei_registry.app import create_app as registry_app
    from sanwei_registry.settings import RegistrySettings

    clock = FakeClock(datetime(2026, 9, 28, 9, 0, tzinfo=CHINA_TZ))
    operator = unit_operator_headers(ASKING)
    results = []
    app = build_test_app(registry_app, RegistrySettings, registry_metadata, registry_kit, scratch, clock)
    async with service_harness(app) as h:
        async with h.runtime.db.transaction() as conn:
            await conn.execute(insert(registry_metadata.tables["task_lists"]).values(
                id="L", title="清单", created_at=clock.now()))
        indexed = await _store(h, n, lambda i, lead, co: {
            "id": f"t{i:07d}", "task_list_id": "L", "position": i, "title": f"任务{i}", "lead_unit": lead,
            "co_units": co, "status": "open"})
        results.append({
            "service": "registry", "endpoint": "GET /tasks?limit=50 (unit operator)", "unit index": indexed,
            "p50 ms": await _p50_ms(h.client, "/tasks", repetitions, headers=operator, params={"limit": 50}),
            "/healthz p50 ms": await _p50_ms(h.client, "/healthz", repetitions)})
    app = build_test_app(progress_app, ProgressSettings, progress_metadata, progress_kit, scratch, clock)
    deadline = date(2026, 12, 31)
    async with service_harness(app) as h:
        indexed = await _store(h, n, lambda i, lead, co: {
            "id": f"t{i:07d}", "title": f"任务{i}", "lead_unit": lead, "co_units": co, "task_list_id": "L",
            "status": "open", "deadline": deadline, "due_at": due_instant(deadline)})
        cadence = await h.client.put("/task-lists/L/cadence", json={
            "cadence": "周", "due_working_days": 0, "set_by": "区政府督查室"})
        cadence.raise_for_status()
        await _store_reports(h, n, weeks, clock.now())
        results.append({
            "service": "progress", "endpoint": "GET /units/{unit}/tasks?view=due_soon", "unit index": indexed,
            "p50 ms": await _p50_ms(h.client, f"/units/{ASKING}/tasks", repetitions, headers=operator,
                                    params={"view": "due_soon"}),
            "/healthz p50 ms": await _p50_ms(h.client, "/healthz", repetitions)})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--repetitions", type=int, default=7)
    parser.add_argument("--weeks", type=int, default=4, help="weeks of reports stored before this one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sanwei-unit-views-") as scratch:
        for row in asyncio.run(measure(args.tasks, args.repetitions, Path(scratch), args.weeks)):
            print(f"{row['service']} {row['endpoint']} among {args.tasks:,} tasks (unit index: {row['unit index']}): "
                  f"p50 {row['p50 ms']:.1f} ms; /healthz {row['/healthz p50 ms']:.1f} ms; "
                  f"ratio {row['p50 ms'] / row['/healthz p50 ms']:.1f}")


if __name__ == "__main__":
    main()
