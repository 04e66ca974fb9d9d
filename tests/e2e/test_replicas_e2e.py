"""Two replicas of every service on PostgreSQL: the chain still runs exactly once per case.

Every service runs as two processes sharing its database. Timers are claimed with
`FOR UPDATE SKIP LOCKED`, outbox rows likewise, and both replicas pull from the same
durable JetStream consumers. Twenty tasks fall overdue on the same working day and nobody
rectifies: each must end with exactly one notice, one exposure and one clue, and the audit
timeline must hold each event type once per case, while both replicas did part of the work.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import MetaData, Table, func, select
from sqlalchemy.ext.asyncio import create_async_engine

from sanwei.demo import Demo, accelerated_stack
from sanwei.stack import SERVICES, Stack
from sanwei_kit.testing import postgres_test_server

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        postgres_test_server() is None,
        reason="replicas share a database: needs PostgreSQL (set SANWEI_TEST_DATABASE_URL, as .ci/run does)",
    ),
]

CASES = 20
CHAIN_ONCE = [
    "registry.task.v1.assigned",
    "registry.task.v1.overdue",
    "supervision.notice.v1.issued",
    "supervision.notice.v1.unrectified",
    "media.exposure.v1.published",
    "media.exposure.v1.unrectified",
    "media.exposure.v1.republished",
    "media.referral.v1.requested",
    "discipline.clue.v1.registered",
]
QUIET_DAYS_AFTER_CLUES = 10  # simulated days to wait after the last clue, so late duplicates would show


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = accelerated_stack(tmp_path_factory.mktemp("replicas"))
    stack.replicas = 2
    try:
        stack.start(timeout=120)
        yield stack
    finally:
        stack.stop()


@dataclass
class Played:
    tasks: list[dict[str, Any]]
    timelines: dict[str, list[dict[str, Any]]]
    audit_verify: dict[str, Any]


@pytest.fixture(scope="module")
def played(replicated: Stack) -> Played:
    """Twenty tasks due in one 工作日, nobody acts; the HTTP calls go to the first replicas."""
    demo = Demo(Console(width=200), {name: replicated.url(name) for name in SERVICES}, replicated.token)
    demo.wait_for_clock_to_start()
    body = {
        "title": "两个副本的端到端测试",
        "tasks": [
            {"seq": str(i + 1), "title": f"副本测试任务{i + 1}。", "lead_unit": "区投促局", "working_days": 1}
            for i in range(CASES)
        ],
    }
    tasks = demo.call("POST", "registry", "/task-lists", json=body)["tasks"]
    ids = {t["id"] for t in tasks}

    def all_clues() -> bool:
        clues = demo.call("GET", "discipline", "/clues")
        return len({c["case_id"] for c in clues if c.get("case_id") in ids}) == CASES

    demo.wait_for("a clue for every case", all_clues, timeout=300)
    # Let the clock run on, so a duplicate fired late would still be counted below.
    quiet_until = _sim_day_after(demo.call("GET", "registry", "/clock")["now"], QUIET_DAYS_AFTER_CLUES)
    demo.wait_for(f"the simulated clock to pass {quiet_until}",
                  lambda: demo.call("GET", "registry", "/clock")["now"] >= quiet_until, timeout=120)
    return Played(
        tasks=tasks,
        timelines={t["id"]: demo.call("GET", "audit", f"/cases/{t['id']}/timeline") for t in tasks},
        audit_verify=demo.call("GET", "audit", "/audit/verify"),
    )


def _sim_day_after(now: str, days: int) -> str:
    return (datetime.fromisoformat(now) + timedelta(days=days)).isoformat()


def _rows_per_case(url: str, table_name: str, case_column: str) -> Counter[str]:
    async def query() -> Counter[str]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                table = await conn.run_sync(lambda sync: Table(table_name, MetaData(), autoload_with=sync))
                rows = (
                    await conn.execute(select(table.c[case_column], func.count()).group_by(table.c[case_column]))
                ).all()
        finally:
            await engine.dispose()
        return Counter({row[0]: row[1] for row in rows})

    return asyncio.run(query())


def _work_per_process(stack: Stack, service: str) -> dict[str, int]:
    """Events handled and timers fired by each process of a service, read from its JSON log."""
    counts: dict[str, int] = {}
    for replica in (1, 2):
        name = stack.process_name(service, replica)
        path: Path = stack.log_dir / f"{name}.log"
        done = 0
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            # One line per event handled alone, one per batch (with its size), one per timer sweep.
            if entry.get("event") == "consumer.handled":
                done += 1
            elif entry.get("event") == "consumer.handled_batch":
                done += entry.get("events", 0)
            elif entry.get("event") == "timers.fired":
                done += entry.get("timers", 0)
        counts[name] = done
    return counts


def test_each_case_has_exactly_one_notice_exposure_and_clue(replicated: Stack, played: Played) -> None:
    ids = {t["id"] for t in played.tasks}
    notices = _rows_per_case(replicated.databases["supervision"], "notices", "task_id")
    exposures = _rows_per_case(replicated.databases["media"], "exposures", "case_id")
    clues = _rows_per_case(replicated.databases["discipline"], "clues", "case_id")
    for name, per_case in [("notices", notices), ("exposures", exposures), ("clues", clues)]:
        assert {case: per_case[case] for case in ids} == dict.fromkeys(ids, 1), name


def test_the_audit_timeline_holds_each_event_once_per_case(played: Played) -> None:
    for task in played.tasks:
        steps = played.timelines[task["id"]]
        counts = Counter(s["type"].removeprefix("sanwei.") for s in steps)
        assert {t: counts[t] for t in CHAIN_ONCE} == dict.fromkeys(CHAIN_ONCE, 1), task["id"]
        assert max(counts.values()) == 1, counts
    assert played.audit_verify["ok"] is True


def test_both_replicas_of_each_consuming_service_did_work(replicated: Stack, played: Played) -> None:
    for service in ("supervision", "media", "discipline", "audit"):
        work = _work_per_process(replicated, service)
        assert all(count > 0 for count in work.values()), (service, work)
