"""Loading and saving 双随机 draws in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_kit.errors import NotFound
from sanwei_supervision.adapters.tables import draw_scopes, drawn_targets, draws
from sanwei_supervision.domain.draws import Draw


def _draw_from_row(row: Any) -> Draw:
    return Draw(id=row.id, scope=row.scope, title=row.title, algorithm=row.algorithm, seed=row.seed,
                inspector_pool=list(row.inspector_pool), targets=list(row.targets), excluded=list(row.excluded),
                inspectors_count=row.inspectors_count, targets_count=row.targets_count,
                drawn_inspectors=list(row.drawn_inspectors), drawn_targets=list(row.drawn_targets),
                drawn_at=row.drawn_at, drawn_by=row.drawn_by)


class DrawRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def lock_scope(self, scope: str) -> None:
        """Hold the scope's row until this transaction ends; a concurrent draw of the scope waits here.

        The row is written (its count of draws), which locks it on PostgreSQL; the waiting draw then reads
        the targets the first one drew (each READ COMMITTED statement sees what committed before it).
        SQLite has one writer at a time anyway. The scope's first draw inserts the row; of two first
        draws at once, the one refused by the primary key waits on the winner's row like any other.
        """
        bump = (update(draw_scopes).where(draw_scopes.c.scope == scope)
                .values(draws=draw_scopes.c.draws + 1).returning(draw_scopes.c.draws))
        if (await self._conn.execute(bump)).scalar_one_or_none() is not None:
            return
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(draw_scopes.insert().values(scope=scope, draws=1))
        except IntegrityError:
            await self._conn.execute(bump)

    async def add(self, draw: Draw) -> None:
        await self._conn.execute(draws.insert().values(
            id=draw.id, scope=draw.scope, title=draw.title, algorithm=draw.algorithm, seed=draw.seed,
            inspector_pool=draw.inspector_pool, targets=draw.targets, excluded=draw.excluded,
            inspectors_count=draw.inspectors_count, targets_count=draw.targets_count,
            drawn_inspectors=draw.drawn_inspectors, drawn_targets=draw.drawn_targets, drawn_at=draw.drawn_at,
            drawn_by=draw.drawn_by,
        ))
        if draw.drawn_targets:
            await self._conn.execute(drawn_targets.insert(), [
                {"draw_id": draw.id, "target": t, "scope": draw.scope, "drawn_at": draw.drawn_at}
                for t in draw.drawn_targets
            ])

    async def get(self, draw_id: str) -> Draw:
        row = (await self._conn.execute(select(draws).where(draws.c.id == draw_id))).first()
        if row is None:
            raise NotFound(f"no draw {draw_id}")
        return _draw_from_row(row)

    async def find(self, scope: str | None = None, limit: int = 500, offset: int = 0) -> list[Draw]:
        query = select(draws).order_by(draws.c.drawn_at, draws.c.id).limit(limit).offset(offset)
        if scope:
            query = query.where(draws.c.scope == scope)
        return [_draw_from_row(r) for r in (await self._conn.execute(query)).all()]

    async def drawn_since(self, scope: str, since: datetime) -> set[str]:
        """Targets drawn in `scope` at or after `since`: not drawn again in the exclusion period."""
        query = select(drawn_targets.c.target).where(drawn_targets.c.scope == scope,
                                                     drawn_targets.c.drawn_at >= since)
        return set((await self._conn.execute(query)).scalars().all())
