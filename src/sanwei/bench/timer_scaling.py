"""Scaling of the due-timer sweep: the kit's TimerLoop.fire_due SELECT with 1,000 due
timers among 10,000 and among 1,000,000 stored ones, on a fresh SQLite file with the
kit's own tables (so the partial index `ix_timers_pending_due` is the kit's).

The stores are built first, then timed in turns (one sweep of each, repeated): a ratio of
two timings taken minutes apart on a shared machine says more about the machine.
"""

from __future__ import annotations

import json
import random
import sqlite3
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

from sanwei_kit.db import KitTables, new_metadata
from sanwei_kit.timers import due_timers

NOW = datetime(2026, 7, 1, 0, 0, tzinfo=UTC)


@dataclass(frozen=True)
class SweepTiming:
    stored: int
    due: int
    found: int
    repetitions: int
    median_ms: float
    best_ms: float
    plan: list[str]
    insert_seconds: float


def _fmt(moment: datetime) -> str:
    # What SQLAlchemy's SQLite DateTime stores (UtcDateTime hands it UTC); checked below by a round trip.
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def build(path: Path, stored: int, due: int, seed: int = 8) -> tuple[KitTables, Any, float]:
    """A fresh database with `stored` timers of which `due` are pending and due at NOW.

    Of the others, four in five have fired or were cancelled (history: past due times) and
    one in five is pending with a due time in the coming year, as in a district's
    long-running registry.
    """
    path.unlink(missing_ok=True)
    tables = KitTables(new_metadata())
    engine = create_engine(f"sqlite:///{path}")
    tables.timers.metadata.create_all(engine)
    with engine.begin() as conn:  # one row through SQLAlchemy, to check the raw format matches
        conn.execute(tables.timers.insert().values(kind="probe", key="probe", due_at=NOW, payload={},
                                                   created_at=NOW))
        raw = conn.exec_driver_sql("SELECT due_at FROM timers WHERE kind='probe'").scalar_one()
        if raw != _fmt(NOW):
            raise RuntimeError(f"unexpected SQLite datetime format {raw!r}")
        conn.exec_driver_sql("DELETE FROM timers")
        for index in tables.timers.indexes:  # load first, index after (the same indexes, built faster)
            conn.exec_driver_sql(f"DROP INDEX {index.name}")
    rng = random.Random(seed)
    started = time.perf_counter()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    payload = json.dumps({})
    created = _fmt(NOW - timedelta(days=400))

    def rows() -> Any:
        for i in range(stored):
            if i < due:
                due_at = NOW - timedelta(seconds=rng.randint(1, 86400))
                yield ("task.due", f"due-{i}", _fmt(due_at), payload, created, None, None)
            elif rng.random() < 0.8:
                due_at = NOW - timedelta(seconds=rng.randint(86400, 3 * 365 * 86400))
                done = _fmt(due_at + timedelta(seconds=1))
                fired, cancelled = (done, None) if rng.random() < 0.7 else (None, done)
                yield ("task.due", f"old-{i}", _fmt(due_at), payload, created, fired, cancelled)
            else:
                due_at = NOW + timedelta(seconds=rng.randint(60, 365 * 86400))
                yield ("task.due", f"future-{i}", _fmt(due_at), payload, created, None, None)

    db.executemany(
        "INSERT INTO timers (kind, key, due_at, payload, created_at, fired_at, cancelled_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows(),
    )
    db.commit()
    db.close()
    for index in tables.timers.indexes:
        index.create(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return tables, engine, time.perf_counter() - started


def time_sweep(path: Path, stored: int, due: int, repetitions: int = 30) -> SweepTiming:
    return time_sweeps([(path, stored)], due, repetitions)[0]


def time_sweeps(stores: list[tuple[Path, int]], due: int, repetitions: int) -> list[SweepTiming]:
    """Build each store (path, stored timers), then time their sweeps in turns; the files are removed."""
    built = [(path, stored, *build(path, stored, due)) for path, stored in stores]
    try:
        # TimerLoop.fire_due's own SELECT, its batch size `due`
        conns = [(engine.connect(), due_timers(tables, NOW, limit=due)) for _, _, tables, engine, _ in built]
        samples: list[list[float]] = [[] for _ in built]
        found = [0] * len(built)
        for i in range(repetitions + 3):
            for k, (conn, query) in enumerate(conns):
                started = time.perf_counter()
                rows = conn.execute(query).all()
                elapsed = time.perf_counter() - started
                if i >= 3:  # the first runs warm the page cache
                    samples[k].append(elapsed)
                found[k] = len(rows)
        plans = []
        for (conn, query), (_, _, _, engine, _) in zip(conns, built, strict=True):
            compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
            plans.append([row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")])
            conn.close()
    finally:
        for path, _, _, engine, _ in built:
            engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
    return [
        SweepTiming(stored=stored, due=due, found=found[k], repetitions=repetitions,
                    median_ms=statistics.median(samples[k]) * 1000, best_ms=min(samples[k]) * 1000,
                    plan=plans[k], insert_seconds=insert_seconds)
        for k, (_, stored, _, _, insert_seconds) in enumerate(built)
    ]


def run(scratch: Path, sizes: tuple[int, ...] = (10_000, 1_000_000), due: int = 1000,
        repetitions: int = 30) -> list[SweepTiming]:
    scratch.mkdir(parents=True, exist_ok=True)
    return time_sweeps([(scratch / f"timers-{n}.db", n) for n in sizes], due, repetitions)
