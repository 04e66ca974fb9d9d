"""The sweep benchmark builds what it says: `due` pending timers found by the kit's SELECT,
through the kit's partial index, among many more stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from sanwei.bench.timer_scaling import time_sweep, time_sweeps

pytestmark = pytest.mark.integration


def test_sweep_finds_exactly_the_due_timers_through_the_partial_index(tmp_path: Path) -> None:
    timing = time_sweep(tmp_path / "timers.db", stored=3000, due=150, repetitions=2)
    assert timing.found == 150
    assert timing.repetitions == 2 and timing.median_ms > 0
    assert any("ix_timers_pending_due" in line for line in timing.plan), timing.plan
    assert not (tmp_path / "timers.db").exists()  # the scratch database is removed


def test_stores_are_timed_in_turns_with_the_loops_own_query(tmp_path: Path) -> None:
    small, large = time_sweeps([(tmp_path / "a.db", 500), (tmp_path / "b.db", 4000)], due=100, repetitions=3)
    assert (small.stored, small.found, large.stored, large.found) == (500, 100, 4000, 100)
    assert all(any("ix_timers_pending_due" in line for line in t.plan) for t in (small, large))
    assert list(tmp_path.iterdir()) == []
