"""The benchmark's own pure parts: percentiles, rates, profile summaries, the report."""

from __future__ import annotations

import math
import os
import time

import pytest

from sanwei.bench.burst import cpu_seconds, used_between
from sanwei.bench.chaos import chaos_command
from sanwei.bench.report import fmt, render, table
from sanwei.bench.stats import collapsed_profile_summary, percentile, rate, ratio, summarize_latencies

pytestmark = pytest.mark.unit


def test_percentile_interpolates_between_closest_ranks() -> None:
    values = [10.0, 1.0, 4.0, 2.0, 3.0]  # unsorted on purpose
    assert percentile(values, 0) == 1.0
    assert percentile(values, 50) == 3.0
    assert percentile(values, 100) == 10.0
    assert percentile(values, 75) == 4.0
    assert percentile(values, 87.5) == pytest.approx(7.0)


def test_percentile_of_one_value_and_of_none() -> None:
    assert percentile([5.0], 99) == 5.0
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_rates_and_ratios_refuse_empty_windows() -> None:
    assert rate(100, 4.0) == 25.0
    assert math.isnan(rate(100, 0))
    assert math.isnan(rate(0, 3))
    assert ratio(1.0, 4.0) == 0.25
    assert math.isnan(ratio(1.0, 0))


def test_latency_summary_in_milliseconds() -> None:
    summary = summarize_latencies([0.001 * i for i in range(1, 101)], errors=2, seconds=2.0)
    assert summary.count == 100
    assert summary.errors == 2
    assert summary.per_second == 50.0
    assert summary.p50_ms == pytest.approx(50.5)
    assert summary.p99_ms == pytest.approx(99.01)


def test_profile_summary_leaves_idle_waits_out_and_counts_inclusive_once_per_stack() -> None:
    lines = [
        "main (sanwei_kit/cli.py:30);EpollSelector.select (selectors.py:468) 50",
        "main (sanwei_kit/cli.py:30);TimerLoop.fire_due (sanwei_kit/timers.py:140);"
        "Connection.execute (sqlalchemy/engine/base.py:1494);Connection.execute (sqlalchemy/engine/base.py:1494) 30",
        "_connection_worker_thread (aiosqlite/core.py:59) 40",
        "_connection_worker_thread (aiosqlite/core.py:63) 10",
        "not a sample line",
    ]
    total, self_top, inclusive = collapsed_profile_summary(lines)
    assert total == 40  # 50 in select and 40 waiting on aiosqlite's queue are idle
    assert self_top[0] == ("Connection.execute (sqlalchemy/engine/base.py:1494)", 30)
    assert dict(inclusive)["Connection.execute (sqlalchemy/engine/base.py:1494)"] == 30  # not 60
    assert "main (sanwei_kit/cli.py:30)" not in dict(inclusive)  # entry frames say nothing
    assert dict(self_top)["_connection_worker_thread (aiosqlite/core.py:63)"] == 10


def test_fmt_and_table() -> None:
    assert fmt(None) == "—"
    assert fmt(math.nan) == "—"
    assert fmt(1234567) == "1,234,567"
    assert fmt(0.01) == "0.01"
    assert fmt(12.345) == "12.3"
    assert table(["a", "b"], [[1, None]]) == "| a | b |\n| --- | --- |\n| 1 | — |"


def test_report_renders_every_section_with_the_ratios() -> None:
    results = {
        "date": "2026-11-25 21:00 UTC",
        "args": "--quick",
        "machine": {"nproc": 2},
        "summary": [["ratio sanwei / raw", 0.0042, "≥ 0.25"]],
        "burst": {
            "settings": {"tasks": 2000, "chain_share": 0.01},
            "milestones": {"all 督办通知书 persisted": 12.5, "settled": None},
            "stages": [{"service": "supervision", "event": "supervision.notice.v1.issued", "count": 2000,
                        "first_s": 0.5, "last_s": 12.4, "per_s": 168.1}],
            "memory": {"idle": {"registry": 96.1}, "after": {"registry": 120.5}},
            "cpu": {"registry": 3.0, "audit": 9.0},
            "audit": {"events_after_tick": 9000},
            "chain": {"share_cases": 20},
            "notes": ["stopped by the timeout"],
        },
        "baseline": {"end_to_end_per_s": 2854.4},
        "timers": [
            {"stored": 10000, "due": 1000, "found": 1000, "repetitions": 3, "median_ms": 0.7, "best_ms": 0.6,
             "insert_seconds": 0.1, "plan": ["SEARCH timers USING INDEX ix_timers_pending_due (due_at<?)"]},
            {"stored": 1000000, "due": 1000, "found": 1000, "repetitions": 3, "median_ms": 0.8, "best_ms": 0.7,
             "insert_seconds": 40.0, "plan": ["SEARCH timers USING INDEX ix_timers_pending_due (due_at<?)"]},
        ],
        "timer_ratio": 1.14,
        "api": [{"service": "registry", "endpoint": "GET /healthz", "count": 10, "errors": 0, "p50_ms": 1.0,
                 "p99_ms": 2.0, "per_s": 900.0}],
        "profiles": {"supervision": {"file": "p.txt", "samples": 100, "self": [("f (m.py:1)", 40)],
                                     "inclusive": [("g (m.py:2)", 90)]}},
    }
    text = render(results)
    for heading in ("## 1. Quarter-end burst", "## 2. Baseline", "## 3. Scaling", "## 4. API", "## 5. Memory",
                    "## 6. Where the time goes"):
        assert heading in text
    assert "| supervision | supervision.notice.v1.issued | 2,000 | 0.5 | 12.4 | 168.1 |" in text
    assert "**1.14** (target ≤ 1.5)" in text
    assert "USING INDEX ix_timers_pending_due" in text
    assert "| settled | — |" in text
    assert "| registry | 96.1 | 120.5 |" in text
    assert "| audit | 9.0 | 75% |" in text and "| all | 12.0 | 100% |" in text
    assert "| `g (m.py:2)` | 90% |" in text
    assert "- stopped by the timeout" in text


def test_cpu_seconds_of_a_busy_process_grow_and_a_gone_one_is_none() -> None:
    before = cpu_seconds(os.getpid())
    deadline = time.process_time() + 0.3
    while time.process_time() < deadline:
        pass
    after = cpu_seconds(os.getpid())
    assert before is not None and after is not None and after - before >= 0.2
    assert cpu_seconds(2**22 + 12345) is None
    assert used_between({"a": 1.0, "b": None}, {"a": 2.5, "b": 3.0}) == {"a": 1.5}


def test_a_chaos_report_names_the_command_that_reproduces_it() -> None:
    assert chaos_command({"cases": 300}) == "`uv run task chaos`"
    assert chaos_command({"cases": 2000}) == "`SANWEI_CHAOS_CASES=2000 uv run task chaos` (CI runs the default, 300 cases)"
