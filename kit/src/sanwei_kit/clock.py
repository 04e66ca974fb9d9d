"""Injectable clocks. Domain code never calls datetime.now(): it is handed a Clock.

`AcceleratedClock` lets the demo and the end-to-end tests run weeks of working days in
seconds: every process computes the same simulated time from a shared origin and speed,
so independent services agree on "now" without talking to each other. Before its real
origin the clock stands still at its simulated origin, so a stack can be started with
the origin a little in the future and every service begins the story at the same instant.
"""

from __future__ import annotations

import time as _time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    @property
    def speed(self) -> float: ...


class SystemClock:
    speed = 1.0

    def now(self) -> datetime:
        return datetime.now(UTC)


class AcceleratedClock:
    def __init__(self, origin_real: datetime, origin_sim: datetime, speed: float) -> None:
        self._origin_real = origin_real.timestamp()
        self._origin_sim = origin_sim
        self._speed = speed

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> datetime:
        elapsed = max(0.0, _time.time() - self._origin_real) * self._speed
        return self._origin_sim + timedelta(seconds=elapsed)


class FakeClock:
    """A clock tests move by hand."""

    speed = 1.0

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, instant: datetime) -> None:
        self._now = instant


def clock_from_settings(speed: float, origin_real: datetime | None, origin_sim: datetime | None) -> Clock:
    if speed == 1.0 and origin_sim is None:
        return SystemClock()
    real = origin_real or datetime.now(UTC)
    return AcceleratedClock(real, origin_sim or real, speed)
