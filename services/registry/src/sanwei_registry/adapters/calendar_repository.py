"""Storing calendar corrections and the deadlines they moved; keeping a replica's calendar current."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_kit.runtime import Runtime
from sanwei_registry.adapters.tables import calendar_corrections, calendar_deadline_moves
from sanwei_registry.domain.calendar import corrected_calendar

log = structlog.get_logger(__name__)


class CalendarRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, *, year: int, days: dict[date, bool], reason: str, by: str, at: datetime,
                  policy: str) -> int:
        result = await self._conn.execute(calendar_corrections.insert().values(
            year=year, days={d.isoformat(): w for d, w in sorted(days.items())}, reason=reason, corrected_by=by,
            corrected_at=at, policy=policy,
        ))
        key = result.inserted_primary_key
        assert key is not None  # an INSERT of one row always has it
        return int(key[0])

    async def versions(self) -> list[tuple[int, dict[date, bool]]]:
        rows = (await self._conn.execute(select(calendar_corrections).order_by(calendar_corrections.c.version))).all()
        return [(r.year, {date.fromisoformat(d): bool(w) for d, w in r.days.items()}) for r in rows]

    async def latest_version(self) -> int:
        return int((await self._conn.execute(select(func.coalesce(func.max(calendar_corrections.c.version), 0))))
                   .scalar_one())

    async def add_move(self, version: int, task_id: str, old: date, new: date) -> None:
        await self._conn.execute(calendar_deadline_moves.insert().values(
            version=version, task_id=task_id, old_deadline=old, new_deadline=new))

    async def corrections(self) -> list[Any]:
        return list((await self._conn.execute(
            select(calendar_corrections).order_by(calendar_corrections.c.version))).all())

    async def moves(self) -> list[Any]:
        return list((await self._conn.execute(
            select(calendar_deadline_moves).order_by(calendar_deadline_moves.c.version,
                                                     calendar_deadline_moves.c.task_id))).all())


def file_overrides(path: str | None) -> dict[date, bool]:
    """The overrides of `SANWEI_CALENDAR_OVERRIDES_FILE` ({"2027-01-01": false, …}), as the kit reads them."""
    if not path:
        return {}
    raw: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return {date.fromisoformat(day): bool(working) for day, working in raw.items()}


class CalendarRefresher:
    """Keeps this replica's calendar at the latest stored corrections (another replica may have added one)."""

    def __init__(self, runtime: Runtime, interval: float, base: dict[date, bool]) -> None:
        self._rt = runtime
        self._interval = interval
        self._base = base
        self._version = 0
        self._task: asyncio.Task[None] | None = None

    async def refresh(self) -> None:
        async with self._rt.db.connect() as conn:
            repo = CalendarRepository(conn)
            version = await repo.latest_version()
            if version == self._version:
                return
            versions = await repo.versions()
        self._rt.calendar = corrected_calendar(self._base, versions)
        self._version = version
        log.info("calendar.refreshed", version=version)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            try:
                await self.refresh()
            except Exception:  # the database may not be ready yet; try again next round
                log.exception("calendar.refresh_failed")
            await asyncio.sleep(self._interval)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
