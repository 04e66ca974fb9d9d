"""Loading and saving citizen clues and their hotline status callbacks, in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_contracts.ids import new_id
from sanwei_kit.errors import NotFound
from sanwei_media.adapters.tables import citizen_clues, hotline_callbacks
from sanwei_media.domain.clues import CallbackStatus, Channel, CitizenClue, ClueStatus


def _clue_from_row(row: Any) -> CitizenClue:
    return CitizenClue(
        id=row.id, channel=Channel(row.channel), text=row.text, received_at=row.received_at, location=row.location,
        photos=tuple(row.photos or ()), external_id=row.external_id, reported_at=row.reported_at,
        category=row.category, reporter_name=row.reporter_name, reporter_phone=row.reporter_phone,
        callback_url=row.callback_url, status=ClueStatus(row.status), exposure_id=row.exposure_id,
        dismissal_reason=row.dismissal_reason, triaged_at=row.triaged_at, triaged_by=row.triaged_by,
    )


def _clue_values(c: CitizenClue) -> dict[str, Any]:
    return {
        "channel": c.channel.value, "external_id": c.external_id, "text": c.text, "location": c.location,
        "photos": list(c.photos), "category": c.category, "reported_at": c.reported_at, "received_at": c.received_at,
        "reporter_name": c.reporter_name, "reporter_phone": c.reporter_phone, "callback_url": c.callback_url,
        "status": c.status.value, "exposure_id": c.exposure_id, "dismissal_reason": c.dismissal_reason,
        "triaged_at": c.triaged_at, "triaged_by": c.triaged_by,
    }


@dataclass(frozen=True)
class Callback:
    id: str
    clue_id: str
    url: str
    status: CallbackStatus
    payload: dict[str, Any]
    created_at: datetime
    next_attempt_at: datetime
    attempts: int
    delivered_at: datetime | None
    gave_up_at: datetime | None
    last_error: str | None


def _callback_from_row(row: Any) -> Callback:
    return Callback(id=row.id, clue_id=row.clue_id, url=row.url, status=CallbackStatus(row.status),
                    payload=dict(row.payload), created_at=row.created_at, next_attempt_at=row.next_attempt_at,
                    attempts=row.attempts, delivered_at=row.delivered_at, gave_up_at=row.gave_up_at,
                    last_error=row.last_error)


class ClueRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, clue: CitizenClue) -> None:
        await self._conn.execute(citizen_clues.insert().values(id=clue.id, **_clue_values(clue)))

    async def save(self, clue: CitizenClue) -> None:
        await self._conn.execute(
            citizen_clues.update().where(citizen_clues.c.id == clue.id).values(**_clue_values(clue))
        )

    async def get(self, clue_id: str) -> CitizenClue:
        row = (await self._conn.execute(select(citizen_clues).where(citizen_clues.c.id == clue_id))).first()
        if row is None:
            raise NotFound(f"no citizen clue {clue_id}")
        return _clue_from_row(row)

    async def by_ticket(self, ticket_id: str) -> CitizenClue | None:
        query = select(citizen_clues).where(citizen_clues.c.channel == Channel.HOTLINE.value,
                                            citizen_clues.c.external_id == ticket_id)
        row = (await self._conn.execute(query)).first()
        return _clue_from_row(row) if row else None

    async def by_exposure(self, exposure_id: str) -> CitizenClue | None:
        row = (await self._conn.execute(
            select(citizen_clues).where(citizen_clues.c.exposure_id == exposure_id))).first()
        return _clue_from_row(row) if row else None

    async def private_names_of_exposures(self, exposure_ids: list[str]) -> list[str]:
        """The citizens' names behind these exposures: masked wherever they appear publicly."""
        if not exposure_ids:
            return []
        query = select(citizen_clues.c.reporter_name).where(citizen_clues.c.exposure_id.in_(exposure_ids),
                                                             citizen_clues.c.reporter_name.is_not(None))
        return [n for n in (await self._conn.execute(query)).scalars()]

    async def find(self, *, status: ClueStatus | None = None, channel: Channel | None = None, limit: int = 500,
                   offset: int = 0) -> list[CitizenClue]:
        query = (select(citizen_clues).order_by(citizen_clues.c.received_at.desc(), citizen_clues.c.id)
                 .limit(limit).offset(offset))
        if status:
            query = query.where(citizen_clues.c.status == status.value)
        if channel:
            query = query.where(citizen_clues.c.channel == channel.value)
        return [_clue_from_row(r) for r in (await self._conn.execute(query)).all()]

    async def add_callback(self, clue: CitizenClue, url: str, status: CallbackStatus, payload: dict[str, Any],
                           now: datetime) -> None:
        c = hotline_callbacks.c
        position = (await self._conn.execute(
            select(func.count()).select_from(hotline_callbacks).where(c.clue_id == clue.id))).scalar_one()
        await self._conn.execute(hotline_callbacks.insert().values(
            id=str(new_id()), clue_id=clue.id, url=url, status=status.value, payload=payload, created_at=now,
            next_attempt_at=now, attempts=0, position=position,
        ))

    async def callbacks(self, clue_id: str) -> list[Callback]:
        query = select(hotline_callbacks).where(hotline_callbacks.c.clue_id == clue_id).order_by(
            hotline_callbacks.c.position)
        return [_callback_from_row(r) for r in (await self._conn.execute(query)).all()]

    async def pending_callbacks(self, limit: int) -> list[Callback]:
        """Callbacks neither delivered nor given up, oldest first (due or waiting for a retry)."""
        c = hotline_callbacks.c
        query = (select(hotline_callbacks)
                 .where(c.delivered_at.is_(None), c.gave_up_at.is_(None))
                 .order_by(c.created_at, c.position, c.id).limit(limit))
        return [_callback_from_row(r) for r in (await self._conn.execute(query)).all()]

    async def record_attempt(self, callback: Callback, *, delivered_at: datetime | None, error: str | None,
                             next_attempt_at: datetime, gave_up_at: datetime | None) -> bool:
        """Record one delivery attempt; False if another replica recorded this attempt first."""
        c = hotline_callbacks.c
        result = await self._conn.execute(
            update(hotline_callbacks)
            .where(c.id == callback.id, c.attempts == callback.attempts, c.delivered_at.is_(None))
            .values(attempts=callback.attempts + 1, delivered_at=delivered_at, last_error=error,
                    next_attempt_at=next_attempt_at, gave_up_at=gave_up_at)
        )
        return bool(result.rowcount)
