"""Scaling of the due-timer sweep: the kit's TimerLoop.fire_due SELECT with 1,000 due
timers among 10,000 and among 1,000,000 stored ones, on a fresh SQLite file with the
kit's own tables (so the partial index `ix_timers_pending_due` is the kit's)."""

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

from sqlalchemy import and_, create_engine, select

from sanwei_kit.db import KitTables, new_metadata

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


def sweep_query(tables: KitTables, now: datetime, limit: int) -> Any:
    """Exactly the SELECT of TimerLoop.fire_due (its batch size is `limit`)."""
    t = tables.timers
    pending_due = and_(t.c.fired_at.is_(None), t.c.cancelled_at.is_(None), t.c.due_at <= now)
    return select(t.c.id).where(pending_due).order_by(t.c.due_at).limit(limit)


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
    tables, engine, insert_seconds = build(path, stored, due)
    query = sweep_query(tables, NOW, limit=due)
    samples: list[float] = []
    found = 0
    with engine.connect() as conn:
        compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
        plan = [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")]
        for i in range(repetitions + 3):
            started = time.perf_counter()
            ids = conn.execute(query).scalars().all()
            elapsed = time.perf_counter() - started
            if i >= 3:  # the first runs warm the page cache
                samples.append(elapsed)
            found = len(ids)
    engine.dispose()
    path.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return SweepTiming(stored=stored, due=due, found=found, repetitions=repetitions,
                       median_ms=statistics.median(samples) * 1000, best_ms=min(samples) * 1000,
                       plan=plan, insert_seconds=insert_seconds)


def run(scratch: Path, sizes: tuple[int, ...] = (10_000, 1_000_000), due: int = 1000,
        repetitions: int = 30) -> list[SweepTiming]:
    scratch.mkdir(parents=True, exist_ok=True)
    return [time_sweep(scratch / f"timers-{n}.db", n, due, repetitions) for n in sizes]
