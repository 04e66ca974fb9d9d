"""Loading and saving exposures and published outcomes within the caller's transaction."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_contracts.events.common import Sanction
from sanwei_kit.calendar import WorkingDayDeadline
from sanwei_kit.db import append_new_rows_many, rows_by_id, update_rows_by_id
from sanwei_media.adapters.tables import exposure_history, exposures, published_outcomes
from sanwei_media.domain.model import (
    EntryKind,
    Exposure,
    ExposureStatus,
    HistoryEntry,
    Origin,
    PublishedOutcome,
)


def _exposure_from_row(row: Any, history: list[HistoryEntry]) -> Exposure:
    return Exposure(
        id=row.id,
        case_id=row.case_id,
        unit=row.unit,
        title=row.title,
        problem=row.problem,
        origin=Origin(row.origin),
        origin_ref=row.origin_ref,
        published_at=row.published_at,
        deadline=WorkingDayDeadline(
            day=row.deadline,
            due_at=row.due_at,
            working_days=row.deadline_working_days,
            start=row.deadline_start,
        ),
        status=ExposureStatus(row.status),
        round=row.round,
        history=history,
        rectified_at=row.rectified_at,
        rectified_by=row.rectified_by,
        rectification_note=row.rectification_note,
        unrectified_at=row.unrectified_at,
        republished_at=row.republished_at,
        referral_id=row.referral_id,
        evidence=tuple(row.evidence or ()),
    )


def _exposure_values(e: Exposure) -> dict[str, Any]:
    return {
        "case_id": e.case_id,
        "unit": e.unit,
        "title": e.title,
        "problem": e.problem,
        "origin": e.origin.value,
        "origin_ref": e.origin_ref,
        "status": e.status.value,
        "round": e.round,
        "published_at": e.published_at,
        "deadline": e.deadline.day,
        "due_at": e.deadline.due_at,
        "deadline_working_days": e.deadline.working_days,
        "deadline_start": e.deadline.start,
        "rectified_at": e.rectified_at,
        "rectified_by": e.rectified_by,
        "rectification_note": e.rectification_note,
        "unrectified_at": e.unrectified_at,
        "republished_at": e.republished_at,
        "referral_id": e.referral_id,
        "evidence": list(e.evidence),
    }


def _outcome_from_row(row: Any) -> PublishedOutcome:
    return PublishedOutcome(
        decision_id=row.decision_id,
        clue_id=row.clue_id,
        case_id=row.case_id,
        unit=row.unit,
        sanction=Sanction(row.sanction),
        summary=row.summary,
        published_at=row.published_at,
        exposure_id=row.exposure_id,
    )


def _history_row(entry: HistoryEntry) -> dict[str, Any]:
    return {"at": entry.at, "kind": entry.kind.value, "text": entry.text, "by": entry.by,
            "evidence": list(entry.evidence)}


class ExposureRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_many(self, new: list[Exposure]) -> None:
        """Store new exposures and their history lines, in two statements."""
        if not new:
            return
        await self._conn.execute(exposures.insert(), [{"id": e.id, **_exposure_values(e)} for e in new])
        lines = [{"exposure_id": e.id, "position": i, **_history_row(entry)}
                 for e in new for i, entry in enumerate(e.history)]
        if lines:
            await self._conn.execute(exposure_history.insert(), lines)

    async def save(self, exposure: Exposure) -> None:
        await self.save_many([exposure])

    async def save_many(self, changed: list[Exposure]) -> None:
        """Store changed exposures: one UPDATE statement for all, then their new history lines."""
        if not changed:
            return
        await update_rows_by_id(self._conn, exposures, {e.id: _exposure_values(e) for e in changed})
        # History is append-only: only the lines not yet stored are written.
        await append_new_rows_many(self._conn, exposure_history, exposure_history.c.exposure_id,
                                   {e.id: [_history_row(entry) for entry in e.history] for e in changed})

    async def _history(self, exposure_ids: list[str]) -> dict[str, list[HistoryEntry]]:
        found: dict[str, list[HistoryEntry]] = {i: [] for i in exposure_ids}
        if not exposure_ids:
            return found
        rows = (
            await self._conn.execute(
                select(exposure_history)
                .where(exposure_history.c.exposure_id.in_(exposure_ids))
                .order_by(exposure_history.c.exposure_id, exposure_history.c.position)
            )
        ).all()
        for r in rows:
            found[r.exposure_id].append(HistoryEntry(r.at, EntryKind(r.kind), r.text, r.by, tuple(r.evidence or ())))
        return found

    async def _load(self, rows: list[Any]) -> list[Exposure]:
        history = await self._history([r.id for r in rows])
        return [_exposure_from_row(r, history[r.id]) for r in rows]

    async def get(self, exposure_id: str) -> Exposure:
        return (await self.get_many([exposure_id]))[0]

    async def get_many(self, exposure_ids: list[str]) -> list[Exposure]:
        """The exposures of `exposure_ids`, in that order; NotFound names the first one missing."""
        return await self._load(await rows_by_id(self._conn, exposures, exposure_ids, what="exposure"))

    async def origin_refs_exposed(self, origin: Origin, origin_refs: list[str]) -> set[str]:
        """Those of `origin_refs` already exposed from `origin`."""
        query = select(exposures.c.origin_ref).where(exposures.c.origin == origin.value,
                                                     exposures.c.origin_ref.in_(origin_refs))
        return set((await self._conn.execute(query)).scalars())

    async def find_by_origin(self, origin: Origin, origin_ref: str) -> Exposure | None:
        query = select(exposures).where(exposures.c.origin == origin.value, exposures.c.origin_ref == origin_ref)
        row = (await self._conn.execute(query)).first()
        return (await self._load([row]))[0] if row else None

    async def find_by_case(self, case_id: str) -> list[Exposure]:
        query = select(exposures).where(exposures.c.case_id == case_id).order_by(exposures.c.published_at)
        return await self._load(list((await self._conn.execute(query)).all()))

    async def find(
        self,
        *,
        unit: str | None = None,
        units: Collection[str] | None = None,
        status: ExposureStatus | None = None,
        limit: int = 500,
        offset: int = 0,
    ) -> list[Exposure]:
        """Exposures, newest first; `units` limits them to a unit operator's scope."""
        query = select(exposures).order_by(exposures.c.published_at.desc(), exposures.c.id).limit(limit).offset(offset)
        if unit:
            query = query.where(exposures.c.unit == unit)
        if units is not None:
            query = query.where(exposures.c.unit.in_(list(units)))
        if status:
            query = query.where(exposures.c.status == status.value)
        return await self._load(list((await self._conn.execute(query)).all()))

    async def latest_for_feed(self, limit: int) -> list[Exposure]:
        """Exposures that hold the newest `limit` feed items: the newest by each kind of item."""
        ids: list[str] = []
        for column in (exposures.c.published_at, exposures.c.republished_at, exposures.c.rectified_at):
            query = select(exposures.c.id).where(column.is_not(None)).order_by(column.desc()).limit(limit)
            ids.extend(i for i in (await self._conn.execute(query)).scalars() if i not in ids)
        if not ids:
            return []
        rows = (await self._conn.execute(select(exposures).where(exposures.c.id.in_(ids)))).all()
        return await self._load(list(rows))

    async def add_outcome(self, outcome: PublishedOutcome) -> bool:
        """Store a published outcome once; False if it was already stored."""
        exists = (
            await self._conn.execute(
                select(published_outcomes.c.decision_id).where(published_outcomes.c.decision_id == outcome.decision_id)
            )
        ).first()
        if exists:
            return False
        await self._conn.execute(
            published_outcomes.insert().values(
                decision_id=outcome.decision_id,
                clue_id=outcome.clue_id,
                case_id=outcome.case_id,
                unit=outcome.unit,
                sanction=outcome.sanction.value,
                summary=outcome.summary,
                published_at=outcome.published_at,
                exposure_id=outcome.exposure_id,
            )
        )
        return True

    async def attach_outcome(self, decision_id: str, exposure_id: str) -> None:
        """Link a stored outcome to an exposure if it has none yet (it arrived first for a case without one)."""
        await self._conn.execute(
            published_outcomes.update()
            .where(published_outcomes.c.decision_id == decision_id, published_outcomes.c.exposure_id.is_(None))
            .values(exposure_id=exposure_id)
        )

    async def outcomes(self, *, case_id: str | None = None, limit: int = 500) -> list[PublishedOutcome]:
        query = select(published_outcomes).order_by(published_outcomes.c.published_at.desc()).limit(limit)
        if case_id:
            query = query.where(published_outcomes.c.case_id == case_id)
        return [_outcome_from_row(r) for r in (await self._conn.execute(query)).all()]
