"""The burst's sampler counts what can still change: a finished stage is not counted again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sanwei.bench import burst as burst_module
from sanwei.bench.burst import Burst, BurstSettings


def _burst(tmp_path: Path) -> Burst:
    settings = BurstSettings(tasks=10, chain_share=0.1, speed=1.0, timeout=1.0, profile_seconds=0,
                             profile_services=(), out_dir=tmp_path, stem="t")
    return Burst(settings, tmp_path, say=lambda _: None)


def test_counts_that_reached_their_end_are_carried_not_read_again(tmp_path: Path, monkeypatch) -> None:
    read: list[str] = []

    def counting_scalar(path: Any, sql: str) -> int:
        read.append(sql)
        return 3

    monkeypatch.setattr(burst_module, "scalar", counting_scalar)
    burst = _burst(tmp_path)
    first = burst.sample(n=10, share=1)
    assert len(read) == 6 and first["notices"] == 3

    read.clear()
    finished = {"overdue": 10, "notices": 10, "exposures": 10, "clues": 10, "published": 1, "audit": 50, "t": 1.0}
    later = burst.sample(n=10, share=1, carried=finished)
    assert read == ["SELECT count(*) FROM audit_events"]  # the only count without a known end
    assert later == {"overdue": 10, "notices": 10, "exposures": 10, "clues": 10, "published": 1, "audit": 3}


@pytest.mark.parametrize("reached", ["overdue", "notices"])
def test_a_stage_still_moving_is_read(tmp_path: Path, monkeypatch, reached: str) -> None:
    read: list[str] = []
    monkeypatch.setattr(burst_module, "scalar", lambda path, sql: read.append(sql) or 0)
    _burst(tmp_path).sample(n=10, share=1, carried={reached: 10})
    assert len(read) == 5
