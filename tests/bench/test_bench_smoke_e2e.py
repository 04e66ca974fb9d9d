"""A tiny run of the whole benchmark (N=50) on a real stack: it reaches every milestone,
counts every stage, and writes the report with its charts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sanwei.bench.__main__ import main

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]


def test_bench_smoke_run_writes_a_complete_report(tmp_path: Path) -> None:
    n = 50
    code = main(["--tasks", str(n), "--chain-share", "0.04", "--speed", "172800", "--timeout", "240",
                 "--timer-sizes", "1000,5000", "--timer-repetitions", "2", "--api-requests", "20",
                 "--concurrency", "4", "--profile-seconds", "0", "--drain-events", "100",
                 "--drain-stages", "supervision,audit", "--out", str(tmp_path)])
    assert code == 0
    [report] = tmp_path.glob("*-50.md")
    results = json.loads(report.with_suffix(".json").read_text())
    burst = results["burst"]
    assert all(v is not None for v in burst["milestones"].values()), burst["milestones"]
    counts = {s["event"]: s["count"] for s in burst["stages"]}
    assert counts["registry.task.v1.overdue"] == n
    assert counts["supervision.notice.v1.issued"] == n  # exactly one notice per overdue task
    assert counts["discipline.clue.v1.registered"] == n
    assert counts["discipline.outcome.v1.published"] == 2  # the chain share, 4% of 50
    assert burst["chain"]["errors"] == 0
    assert burst["audit"]["events_after_tick"] == burst["audit"]["emitted_after_tick"]
    assert results["baseline"]["messages"] == burst["audit"]["events_after_tick"]
    rates = [float(x.replace(",", "")) for x in results["baseline"]["end-to-end msgs/s of each run"].split(", ")]
    # Each run is shown to the unit: the median shown is the reported rate within that rounding.
    assert len(rates) == 3 and abs(sorted(rates)[1] - results["baseline"]["end_to_end_per_s"]) <= 0.5
    assert {a["endpoint"] for a in results["api"]} >= {"GET /tasks?unit=…", "GET /tasks?limit=50 (unit operator)",
                                                         "POST /reports", "GET /units/{unit}/tasks?view=due_soon",
                                                         "GET /cases/{id}/timeline"}
    assert all(a["errors"] == 0 for a in results["api"])
    assert (tmp_path / f"{report.stem}-burst.png").exists()
    assert (tmp_path / f"{report.stem}-api.png").exists()
    assert "## 6. Where the time goes" in report.read_text()
    drains = {(d["service"], d["database"], d["replicas"]): d for d in results["drain"]}
    assert {("supervision", "SQLite", 1), ("audit", "SQLite", 1)} <= set(drains)
    for d in drains.values():  # every waiting event persisted once: none lost, none doubled
        assert (d["events"], d["persisted"]) == (100, 100), d
        assert d["per_s"] > 0 and d["raw_consume_per_s"] > 0
        assert d["cpu_ms_per_event"] is None or d["cpu_ms_per_event"] > 0
    assert "## 2b. Backlog drain per stage" in report.read_text()
    # Each stage is profiled while it drains (not during the burst, whose figures py-spy would slow).
    assert not any("during the burst" in name for name in results["profiles"])
    # Where py-spy may not attach (no ptrace), the report says why instead.
    profiled = {"supervision (draining task.overdue → 督办通知书)", "audit (draining any event → audit log (hash chain))"}
    refused = [n for n in results["notes"] if "py-spy" in n]
    assert profiled <= set(results["profiles"]) or len(refused) == 2, (results["profiles"].keys(), refused)
    # (100 events drain in a moment: a profile may hold no busy sample, but its file is there.)
    assert all((tmp_path / p["file"]).stat().st_size > 0 for p in results["profiles"].values())
    assert (tmp_path / f"{report.stem}-drain.png").exists()
