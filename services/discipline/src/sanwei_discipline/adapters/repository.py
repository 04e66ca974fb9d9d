"""Loading and saving clues within the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_contracts.events.common import Sanction
from sanwei_discipline.adapters.tables import clue_numbers, clue_sources, clue_steps, clues
from sanwei_discipline.domain.model import (
    CLUE_NUMBER_PREFIX,
    AssignMode,
    Clue,
    ClueKind,
    ClueState,
    Decision,
    DisposalWay,
    EscalationStage,
    Finding,
    PersonLevel,
    Source,
    Step,
    StepKind,
)
from sanwei_kit.calendar import WorkingDayDeadline
from sanwei_kit.counters import claim_block, lock_series
from sanwei_kit.db import append_new_rows
from sanwei_kit.errors import NotFound
from sanwei_kit.text import normalize_unit


def _clue_from_row(row: Any, sources: list[Source], steps: list[Step]) -> Clue:
    due = None
    if row.due is not None:
        due = WorkingDayDeadline(day=row.due, due_at=row.due_at, working_days=row.due_working_days,
                                 start=row.due_start)
    receipt_due = None
    if row.receipt_due is not None:
        receipt_due = WorkingDayDeadline(day=row.receipt_due, due_at=row.receipt_due_at,
                                         working_days=row.receipt_due_working_days, start=row.receipt_due_start)
    decision = None
    if row.decision_id is not None:
        decision = Decision(decision_id=row.decision_id, sanction=Sanction(row.sanction), person=row.person,
                            reason=row.decision_reason, decided_at=row.decided_at)
    return Clue(
        id=row.id,
        case_id=row.case_id,
        year=row.year,
        seq=row.seq,
        unit=row.unit,
        problem=row.problem,
        registered_at=row.registered_at,
        state=ClueState(row.state),
        sources=sources,
        steps=steps,
        assignee=row.assignee,
        mode=AssignMode(row.mode) if row.mode else None,
        due=due,
        assigned_at=row.assigned_at,
        finding=Finding(row.finding) if row.finding else None,
        disposal_summary=row.disposal_summary,
        disposed_at=row.disposed_at,
        decision=decision,
        publication_summary=row.publication_summary,
        published_at=row.published_at,
        kind=ClueKind(row.kind) if row.kind else None,
        level=PersonLevel(row.level) if row.level else None,
        supervisor=row.supervisor,
        receipt_due=receipt_due,
        receipt_at=row.receipt_at,
        receipt_by=row.receipt_by,
        escalated_stages=[EscalationStage(s) for s in (row.escalated_stages or [])],
        disposal_way=DisposalWay(row.disposal_way) if row.disposal_way else None,
    )


def _clue_values(c: Clue) -> dict[str, Any]:
    d = c.decision
    return {
        "case_id": c.case_id,
        "year": c.year,
        "seq": c.seq,
        "unit": c.unit,
        "problem": c.problem,
        "state": c.state.value,
        "registered_at": c.registered_at,
        "assignee": c.assignee,
        "mode": c.mode.value if c.mode else None,
        "due": c.due.day if c.due else None,
        "due_at": c.due.due_at if c.due else None,
        "due_working_days": c.due.working_days if c.due else None,
        "due_start": c.due.start if c.due else None,
        "assigned_at": c.assigned_at,
        "finding": c.finding.value if c.finding else None,
        "disposal_summary": c.disposal_summary,
        "disposed_at": c.disposed_at,
        "decision_id": d.decision_id if d else None,
        "sanction": d.sanction.value if d else None,
        "person": d.person if d else None,
        "decision_reason": d.reason if d else None,
        "decided_at": d.decided_at if d else None,
        "publication_summary": c.publication_summary,
        "published_at": c.published_at,
        "fingerprint": c.fingerprint,
        "kind": c.kind.value if c.kind else None,
        "level": c.level.value if c.level else None,
        "supervisor": c.supervisor,
        "receipt_due": c.receipt_due.day if c.receipt_due else None,
        "receipt_due_at": c.receipt_due.due_at if c.receipt_due else None,
        "receipt_due_working_days": c.receipt_due.working_days if c.receipt_due else None,
        "receipt_due_start": c.receipt_due.start if c.receipt_due else None,
        "receipt_at": c.receipt_at,
        "receipt_by": c.receipt_by,
        "escalated_stages": [s.value for s in c.escalated_stages],
        "disposal_way": c.disposal_way.value if c.disposal_way else None,
    }


def _source_row(s: Source) -> dict[str, Any]:
    return {"kind": s.kind, "ref": s.ref, "origin": s.origin, "origin_ref": s.origin_ref, "reason": s.reason,
            "evidence": list(s.evidence), "received_at": s.received_at, "case_id": s.case_id}


def _step_row(s: Step) -> dict[str, Any]:
    return {"at": s.at, "kind": s.kind.value, "text": s.text, "by": s.by}


# A clue not yet decided: a referral of the same matter joins it instead of registering another.
OPEN_STATES = [ClueState.REGISTERED.value, ClueState.ASSIGNED.value, ClueState.DISPOSED.value]


class ClueRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def _issued(self, year: int) -> int:
        last = (await self._conn.execute(select(func.max(clues.c.seq)).where(clues.c.year == year))).scalar()
        return last or 0

    async def lock_registrations(self, year: int) -> None:
        """Make concurrent referrals (other consumers, other replicas) register or join one at a time:
        the second waits for the first to commit, then finds its clue of the same matter."""
        await lock_series(self._conn, clue_numbers, series=CLUE_NUMBER_PREFIX, year=year,
                          start_after=lambda: self._issued(year))

    async def next_seqs(self, year: int, count: int) -> int:
        """The first of the next `count` numbers of the year, claimed together on the year's counter row:
        a concurrent registration (another replica) waits for this transaction and gets the numbers after.
        The counter of a year that had clues before it existed starts after the largest stored."""
        return await claim_block(self._conn, clue_numbers, series=CLUE_NUMBER_PREFIX, year=year, count=count,
                                 start_after=lambda: self._issued(year))

    async def add_many(self, new: list[Clue]) -> None:
        """Store new clues: all their sources and steps are new, so they are inserted without counting."""
        await self._conn.execute(clues.insert(), [{"id": clue.id, **_clue_values(clue)} for clue in new])
        for table, rows in (
            (clue_sources, [{"clue_id": c.id, "position": i, **_source_row(s)} for c in new
                            for i, s in enumerate(c.sources)]),
            (clue_steps, [{"clue_id": c.id, "position": i, **_step_row(s)} for c in new for i, s in enumerate(c.steps)]),
        ):
            if rows:
                await self._conn.execute(table.insert(), rows)

    async def save(self, clue: Clue) -> None:
        await self._conn.execute(clues.update().where(clues.c.id == clue.id).values(**_clue_values(clue)))
        await self._append(clue)

    async def _append(self, clue: Clue) -> None:
        # Sources and steps are append-only: only those not yet stored are written.
        await append_new_rows(self._conn, clue_sources, clue_sources.c.clue_id, clue.id,
                              [_source_row(s) for s in clue.sources])
        await append_new_rows(self._conn, clue_steps, clue_steps.c.clue_id, clue.id,
                              [_step_row(s) for s in clue.steps])

    async def _load(self, rows: list[Any]) -> list[Clue]:
        ids = [r.id for r in rows]
        sources: dict[str, list[Source]] = {i: [] for i in ids}
        steps: dict[str, list[Step]] = {i: [] for i in ids}
        if ids:
            query = select(clue_sources).where(clue_sources.c.clue_id.in_(ids)).order_by(clue_sources.c.position)
            for r in (await self._conn.execute(query)).all():
                sources[r.clue_id].append(Source(kind=r.kind, ref=r.ref, origin=r.origin, origin_ref=r.origin_ref,
                                                 reason=r.reason, received_at=r.received_at,
                                                 evidence=tuple(r.evidence or ()), case_id=r.case_id))
            query = select(clue_steps).where(clue_steps.c.clue_id.in_(ids)).order_by(clue_steps.c.position)
            for r in (await self._conn.execute(query)).all():
                steps[r.clue_id].append(Step(r.at, StepKind(r.kind), r.text, r.by))
        return [_clue_from_row(r, sources[r.id], steps[r.id]) for r in rows]

    async def get(self, clue_id: str) -> Clue:
        row = (await self._conn.execute(select(clues).where(clues.c.id == clue_id))).first()
        if row is None:
            raise NotFound(f"no clue {clue_id}")
        return (await self._load([row]))[0]

    async def get_by_case(self, case_id: str) -> Clue | None:
        """The clue of a case: its own, or the one a referral of that case was merged into."""
        merged = select(clue_sources.c.clue_id).where(clue_sources.c.case_id == case_id)
        query = (select(clues).where(or_(clues.c.case_id == case_id, clues.c.id.in_(merged)))
                 .order_by(clues.c.registered_at.desc()))
        row = (await self._conn.execute(query)).first()
        return (await self._load([row]))[0] if row else None

    async def cases_with_clue(self, case_ids: list[str]) -> set[str]:
        """Those of `case_ids` that have a clue: their own, or one a referral of theirs joined."""
        own = select(clues.c.case_id).where(clues.c.case_id.in_(case_ids))
        joined = select(clue_sources.c.case_id).where(clue_sources.c.case_id.in_(case_ids))
        return set((await self._conn.execute(own.union(joined))).scalars())

    async def open_matters(self, fingerprints: list[str]) -> set[str]:
        """Those of `fingerprints` with an open clue (see `open_by_matter`)."""
        query = select(clues.c.fingerprint).where(clues.c.fingerprint.in_(fingerprints),
                                                  clues.c.state.in_(OPEN_STATES))
        return set((await self._conn.execute(query)).scalars())

    async def open_by_matter(self, fingerprint: str) -> Clue | None:
        """An open clue (not yet decided) about the same matter: the fingerprint of its unit and problem."""
        query = (select(clues)
                 .where(clues.c.fingerprint == fingerprint,
                        clues.c.state.in_(OPEN_STATES))
                 .order_by(clues.c.registered_at))
        row = (await self._conn.execute(query)).first()
        return (await self._load([row]))[0] if row else None

    async def sorting_counts(self) -> list[tuple[str | None, str | None, str, int]]:
        """分类梳理 台账: how many clues per kind, level of the responsible person and state."""
        query = (select(clues.c.kind, clues.c.level, clues.c.state, func.count())
                 .group_by(clues.c.kind, clues.c.level, clues.c.state)
                 .order_by(clues.c.kind, clues.c.level, clues.c.state))
        return [(r[0], r[1], r[2], r[3]) for r in (await self._conn.execute(query)).all()]

    async def find(
        self,
        *,
        state: ClueState | None = None,
        unit: str | None = None,
        kind: ClueKind | None = None,
        level: PersonLevel | None = None,
        assigned_to: str | None = None,
        limit: int = 500,
        offset: int = 0,
    ) -> list[Clue]:
        """Clues newest first; `assigned_to` keeps those 分办/转办 to that unit (an agency-level 纪委's view)."""
        conditions = []
        if kind:
            conditions.append(clues.c.kind == kind.value)
        if level:
            conditions.append(clues.c.level == level.value)
        if state:
            conditions.append(clues.c.state == state.value)
        if unit:
            conditions.append(clues.c.unit == unit)
        order = (clues.c.year.desc(), clues.c.seq.desc())
        if assigned_to is None:
            query = select(clues).where(*conditions).order_by(*order).limit(limit).offset(offset)
            return await self._load(list((await self._conn.execute(query)).all()))
        # Unit names are compared normalized (normalize_unit), which SQL cannot do: pick the ids here.
        candidates = select(clues.c.id, clues.c.assignee).where(*conditions, clues.c.assignee.is_not(None))
        wanted = normalize_unit(assigned_to)
        ids = [r.id for r in (await self._conn.execute(candidates.order_by(*order))).all()
               if wanted and normalize_unit(r.assignee) == wanted][offset:offset + limit]
        if not ids:
            return []
        rows = (await self._conn.execute(select(clues).where(clues.c.id.in_(ids)).order_by(*order))).all()
        return await self._load(list(rows))
