"""Background sweep loops stop at once when idle, and let a sweep in progress finish."""

from __future__ import annotations

import asyncio
import time

import pytest

from sanwei_kit.loops import SweepLoop

pytestmark = pytest.mark.unit


class CountingLoop(SweepLoop):
    def __init__(self, sweep_seconds: float = 0.0) -> None:
        super().__init__("counting", poll_interval=60.0, batch_size=10)
        self.sweep_seconds = sweep_seconds
        self.started_sweeps = 0
        self.finished_sweeps = 0

    async def sweep(self) -> int:
        self.started_sweeps += 1
        await asyncio.sleep(self.sweep_seconds)
        self.finished_sweeps += 1
        return 0


async def test_an_idle_loop_stops_at_once_not_after_its_poll_interval():
    loop = CountingLoop()
    loop.start()
    await asyncio.sleep(0.05)
    loop.wake()  # a wake-up just before the stop, as a commit right before shutdown makes
    started = time.monotonic()
    await loop.stop()
    assert time.monotonic() - started < 5
    assert loop.finished_sweeps >= 1


async def test_a_sweep_in_progress_finishes_before_the_loop_stops():
    loop = CountingLoop(sweep_seconds=0.3)
    loop.start()
    await asyncio.sleep(0.05)  # inside the first sweep
    await loop.stop()
    assert loop.started_sweeps == loop.finished_sweeps == 1


async def test_a_sweep_that_outlasts_the_grace_is_cancelled():
    loop = CountingLoop(sweep_seconds=30)
    loop.start()
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await loop.stop(grace=0.2)
    assert time.monotonic() - started < 5
    assert loop.finished_sweeps == 0
