"""Pure helpers of the benchmark: percentiles, rates, profile summaries."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100) by linear interpolation between closest ranks; NaN when empty."""
    if not 0 <= p <= 100:
        raise ValueError(f"percentile {p} outside 0..100")
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def rate(count: int, seconds: float | None) -> float:
    """Events per second; NaN when the window is unknown or empty."""
    if seconds is None or seconds <= 0 or count <= 0:
        return math.nan
    return count / seconds


def ratio(numerator: float, denominator: float) -> float:
    if denominator == 0 or math.isnan(denominator) or math.isnan(numerator):
        return math.nan
    return numerator / denominator


@dataclass(frozen=True)
class LatencySummary:
    count: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return rate(self.count, self.seconds)


def summarize_latencies(latencies_s: Sequence[float], errors: int, seconds: float) -> LatencySummary:
    return LatencySummary(
        count=len(latencies_s),
        errors=errors,
        seconds=seconds,
        p50_ms=percentile(latencies_s, 50) * 1000,
        p99_ms=percentile(latencies_s, 99) * 1000,
    )


def collapsed_profile_summary(lines: Iterable[str], top: int = 15) -> tuple[int, list[tuple[str, int]], list[tuple[str, int]]]:
    """Read py-spy's raw (collapsed) stacks: `frame;frame;frame count` per line.

    Returns the total samples, the frames with most *self* samples (the leaf) and the
    frames with most *inclusive* samples (anywhere in the stack, once per stack).
    """
    self_counts: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            continue
        stack, _, count_text = line.rpartition(" ")
        try:
            count = int(count_text)
        except ValueError:
            continue
        frames = [f for f in stack.split(";") if f]
        if not frames or _idle(frames[-1]):
            continue
        total += count
        self_counts[_short(frames[-1])] += count
        for frame in {_short(f) for f in frames if _interesting(f)}:
            inclusive[frame] += count
    return total, self_counts.most_common(top), inclusive.most_common(top)


IDLE_LEAVES = ("select (selectors.py", "_connection_worker_thread (", "wait (threading.py", "get (queue.py",
               "_worker (concurrent/futures/thread.py")
ENTRY_FRAMES = ("<module>", "main (", "service_main (", "serve (", "_run_code (", "_run_module_as_main (")
PACKAGES = ("sanwei", "sqlalchemy", "aiosqlite", "nats/", "faststream", "pydantic", "structlog", "sqlite3",
            "fastapi", "starlette", "json/", "uvicorn/protocols", "jsonschema")


def _idle(leaf: str) -> bool:
    """A thread waiting (event loop in select, aiosqlite's worker on its queue) is not work."""
    return any(marker in leaf for marker in IDLE_LEAVES) and "core.py:6" not in leaf


def _interesting(frame: str) -> bool:
    return not frame.startswith(ENTRY_FRAMES) and any(p in frame for p in PACKAGES)


def _short(frame: str) -> str:
    """`fn (path/to/module.py:12)` → `fn (module.py:12)`; site-packages prefixes dropped."""
    name, sep, where = frame.partition(" (")
    if not sep:
        return frame
    where = where.rstrip(")")
    for marker in ("site-packages/", "/src/", "lib/python"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    return f"{name} ({where})"
