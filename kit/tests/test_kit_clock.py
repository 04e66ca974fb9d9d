"""Clocks: the accelerated clock agrees across processes from a shared origin."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from sanwei_kit.clock import AcceleratedClock, FakeClock, SystemClock, clock_from_settings

pytestmark = pytest.mark.unit


def test_accelerated_clock_runs_a_day_per_second() -> None:
    origin_sim = datetime(2026, 9, 28, 1, 0, tzinfo=UTC)
    clock = AcceleratedClock(datetime.now(UTC) - timedelta(seconds=2), origin_sim, speed=86400)
    elapsed = clock.now() - origin_sim
    assert timedelta(days=2) <= elapsed < timedelta(days=3)


def test_two_clocks_from_the_same_origin_agree() -> None:
    real = datetime.now(UTC)
    sim = datetime(2026, 1, 5, tzinfo=UTC)
    a, b = AcceleratedClock(real, sim, 1000), AcceleratedClock(real, sim, 1000)
    first, second = a.now(), b.now()
    assert abs((second - first).total_seconds()) < 5  # a few ms of real time, times 1000


def test_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    before = clock.now()
    time.sleep(0.01)
    assert clock.now() == before
    clock.advance(timedelta(hours=1))
    assert clock.now() == before + timedelta(hours=1)


def test_settings_choose_the_clock() -> None:
    assert isinstance(clock_from_settings(1.0, None, None), SystemClock)
    assert isinstance(clock_from_settings(60.0, None, datetime(2026, 1, 1, tzinfo=UTC)), AcceleratedClock)
