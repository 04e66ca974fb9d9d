"""Discipline use cases: each runs in one transaction and records the events it causes.

The HTTP API and the event handlers call these; none of them touches the domain or the
database directly.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_contracts import Envelope
from sanwei_contracts.events.common import Sanction
from sanwei_contracts.events.discipline import (
    ClueAssigned,
    ClueDisposed,
    ClueRegistered,
    ClueSource,
    DecisionMade,
    OutcomePublished,
)
from sanwei_discipline.adapters.repository import ClueRepository
from sanwei_discipline.domain.model import AssignMode, Clue, Finding, Source
from sanwei_kit.calendar import WorkingDayDeadline, local_date
from sanwei_kit.numbering import numbering_year
from sanwei_kit.runtime import Runtime


def source_kind(envelope: Envelope[Any]) -> str:
    """media_referral, supervision_referral, …: which track referred the matter."""
    return f"{envelope.source.rsplit('/', 1)[-1]}_referral"


class DisciplineService:
    def __init__(self, runtime: Runtime, *, due_working_days: int) -> None:
        self.rt = runtime
        self.due_working_days = due_working_days

    async def on_referral_requested(self, conn: AsyncConnection, event: Envelope[Any]) -> None:
        """A matter was referred (移交纪检监察机关): register a clue, or add a source to the case's clue."""
        data = event.data
        now = self.rt.clock.now()
        source = Source(kind=source_kind(event), ref=data.referral_id, origin=data.origin,
                        origin_ref=data.origin_ref, reason=data.reason, evidence=tuple(data.evidence),
                        received_at=now)
        repo = ClueRepository(conn)
        existing = await repo.get_by_case(event.case_id)
        if existing is not None:
            if existing.add_source(source, now):
                await repo.save(existing)
            return
        clue = Clue.register(id=str(uuid.uuid4()), case_id=event.case_id,
                             seq=await repo.next_seq(numbering_year(now)), unit=data.unit, problem=data.problem,
                             source=source, now=now)
        await repo.add(clue)
        await self.rt.events.emit(
            conn,
            ClueRegistered(clue_id=clue.id, number=clue.number, unit=clue.unit, problem=clue.problem,
                           sources=[ClueSource(kind=s.kind, ref=s.ref) for s in clue.sources],
                           registered_at=now),
            subject=f"clue/{clue.id}",
            case_id=clue.case_id,
            cause=event,
        )

    async def assign(self, clue_id: str, *, assignee: str, mode: AssignMode, due_working_days: int | None = None,
                     actor: str | None = None) -> Clue:
        """分办 / 转办 the clue to the commission that investigates it, with a 办理时限 in 工作日."""
        now = self.rt.clock.now()
        due = WorkingDayDeadline.after_working_days(self.rt.calendar, local_date(now),
                                                    due_working_days or self.due_working_days, field="due_working_days")
        async with self.rt.db.transaction() as conn:
            repo = ClueRepository(conn)
            clue = await repo.get(clue_id)
            clue.assign(assignee, mode, due, now, actor)
            await repo.save(clue)
            await self.rt.events.emit(
                conn,
                ClueAssigned(clue_id=clue.id, assignee=clue.assignee or assignee, mode=mode.value, due=due.day,
                             assigned_at=now),
                subject=f"clue/{clue.id}", case_id=clue.case_id, actor=actor,
            )
        self.rt.committed()
        return clue

    async def dispose(self, clue_id: str, *, finding: Finding, summary: str, actor: str | None = None) -> Clue:
        """处置: record the investigation's finding."""
        now = self.rt.clock.now()
        async with self.rt.db.transaction() as conn:
            repo = ClueRepository(conn)
            clue = await repo.get(clue_id)
            clue.dispose(finding, summary, now, actor)
            await repo.save(clue)
            await self.rt.events.emit(
                conn,
                ClueDisposed(clue_id=clue.id, finding=finding.value, summary=clue.disposal_summary or summary,
                             disposed_at=now),
                subject=f"clue/{clue.id}", case_id=clue.case_id, actor=actor,
            )
        self.rt.committed()
        return clue

    async def decide(self, clue_id: str, *, sanction: Sanction, person: str | None, reason: str,
                     actor: str | None = None) -> Clue:
        """The sanction for the case (通报批评 / 诫勉谈话 / 问责 …, or no action)."""
        now = self.rt.clock.now()
        async with self.rt.db.transaction() as conn:
            repo = ClueRepository(conn)
            clue = await repo.get(clue_id)
            decision = clue.decide(str(uuid.uuid4()), sanction, person, reason, now, actor)
            await repo.save(clue)
            await self.rt.events.emit(
                conn,
                DecisionMade(clue_id=clue.id, decision_id=decision.decision_id, sanction=decision.sanction,
                             unit=clue.unit, person=decision.person, reason=decision.reason, decided_at=now),
                subject=f"clue/{clue.id}", case_id=clue.case_id, actor=actor,
            )
        self.rt.committed()
        return clue

    async def publish(self, clue_id: str, *, summary: str, actor: str | None = None) -> Clue:
        """通报曝光: publish the decided case, redacted (问责一批、通报曝光一批)."""
        now = self.rt.clock.now()
        async with self.rt.db.transaction() as conn:
            repo = ClueRepository(conn)
            clue = await repo.get(clue_id)
            clue.publish(summary, now, actor)
            await repo.save(clue)
            assert clue.decision is not None and clue.publication_summary is not None
            await self.rt.events.emit(
                conn,
                OutcomePublished(clue_id=clue.id, decision_id=clue.decision.decision_id, unit=clue.unit,
                                 sanction=clue.decision.sanction, summary=clue.publication_summary,
                                 published_at=now),
                subject=f"clue/{clue.id}", case_id=clue.case_id, actor=actor,
            )
        self.rt.committed()
        return clue
