"""The chaos run (`uv run task chaos`; excluded from `task test`): the quarter-end chain on a
3-node NATS cluster while a node and every service are killed, one service frozen past the
ack wait. Writes docs/bench/chaos.md (or $SANWEI_CHAOS_REPORT) whatever the outcome, then
fails on any case not in its expected final state or any duplicate (sanwei.bench.chaos)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sanwei.bench.__main__ import machine, say
from sanwei.bench.chaos import Chaos, ChaosSettings, render

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(3600)]

REPORT = Path(__file__).resolve().parents[2] / "docs" / "bench" / "chaos.md"


def test_nothing_lost_or_duplicated_whatever_crashes(tmp_path: Path) -> None:
    settings = ChaosSettings.from_env()
    host = machine()
    chaos = Chaos(settings, tmp_path / "stack", say)
    try:
        result = chaos.run()
    finally:
        report = Path(os.environ.get("SANWEI_CHAOS_REPORT") or REPORT)
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(render(chaos.result, machine={k: host[k] for k in (
            "nproc", "CPU", "load average at start", "nats-server", "nats-py", "Python")}))
    assert {a["what"] for a in result.actions} >= {"registry", "progress", "supervision", "media", "discipline",
                                                    "audit", "webhooks"}
    assert any(a["what"].startswith("NATS node") for a in result.actions)
    failed = [name for name, ok in result.checks.items() if not ok]
    assert not failed, json.dumps({"failed": failed, "counts": result.counts}, ensure_ascii=False, default=str)
