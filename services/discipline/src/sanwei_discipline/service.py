"""Discipline use cases: each runs in one transaction and records the events it causes.

The HTTP API and the event handlers call these; none of them touches the domain or the
database directly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_contracts import Envelope
from sanwei_contracts.events.common import Sanction
from sanwei_contracts.events.discipline import (
    ClueAssigned,
    ClueDisposed,
    ClueEscalated,
    ClueRegistered,
    ClueReopened,
    ClueSource,
    ClueSourceAdded,
    DecisionMade,
    OutcomePublished,
)
from sanwei_contracts.ids import new_id
from sanwei_discipline.adapters.repository import ClueRepository
from sanwei_discipline.domain.model import (
    AssignMode,
    Clue,
    ClueKind,
    DisposalWay,
    EscalationStage,
    Finding,
    PersonLevel,
    Source,
    matter_fingerprint,
)
from sanwei_kit import timers
from sanwei_kit.calendar import WorkingDayDeadline, local_date
from sanwei_kit.events import Emission
from sanwei_kit.numbering import numbering_year
from sanwei_kit.runtime import Runtime
from sanwei_kit.timers import DueTimer

RECEIPT_DUE = "clue.receipt_due"
HANDLING_DUE = "clue.handling_due"

#: Checked on the clue inside the use case's transaction (raises to refuse): who may act on it.
ClueGuard = Callable[[Clue], None]


def source_kind(envelope: Envelope[Any]) -> str:
    """media_referral, supervision_referral, …: which track referred the matter."""
    return f"{envelope.source.rsplit('/', 1)[-1]}_referral"


class DisciplineService:
    def __init__(self, runtime: Runtime, *, due_working_days: int, receipt_working_days: int = 2,
                 escalation_commission: str = "市纪委党风政风监督室") -> None:
        self.rt = runtime
        self.due_working_days = due_working_days
        self.receipt_working_days = receipt_working_days
        self.escalation_commission = escalation_commission

    async def on_referral_requested(self, conn: AsyncConnection, event: Envelope[Any]) -> None:
        """A matter was referred (移交纪检监察机关) by media, the 指挥部 or a ranking: register a clue, or
        join the clue of the same matter (same case, or same unit and problem) as one more source.

        A new source on a clue held as 暂存待查 reopens it (启用), recorded as a step: a clue is
        held because it could not be taken further then, and the same matter referred again
        (still unrectified, exposed again, ranked bottom again) is the new material it waits
        for. Reopening decides nothing: the clue goes back to its assignee for 处置 with a new
        办理时限 (and its escalation timer), who may hold it again with a reason. Leaving it
        held would let a repeated problem sit unseen under a closed-looking clue.
        """
        await self.on_referrals_requested(conn, [event])

    async def on_referrals_requested(self, conn: AsyncConnection, events: list[Envelope[Any]]) -> None:
        """`on_referral_requested` for referrals that waited together, in their order: which of them
        concern a case or a matter that already has a clue is found in two queries; the others are
        new clues, numbered as one block and stored in bulk. One that joins a clue is handled as
        alone, after the new clues before it are stored (it may join one of them)."""
        now = self.rt.clock.now()
        year = numbering_year(now)
        repo = ClueRepository(conn)
        await repo.lock_registrations(year)
        cases = await repo.cases_with_clue([event.case_id for event in events])
        matters = await repo.open_matters([matter_fingerprint(e.data.unit, e.data.problem) for e in events])
        new: list[tuple[Envelope[Any], Source]] = []
        for event in events:
            source = self._source(event, now)
            matter = matter_fingerprint(event.data.unit, event.data.problem)
            if event.case_id in cases or matter in matters:
                await self._register(conn, new, year, now)
                new = []
                existing = await repo.get_by_case(event.case_id) or await repo.open_by_matter(matter)
                if existing is not None:
                    await self._join(conn, existing, event, source, now)
                    continue
            new.append((event, source))
            cases.add(event.case_id)
            matters.add(matter)
        await self._register(conn, new, year, now)

    @staticmethod
    def _source(event: Envelope[Any], now: datetime) -> Source:
        data = event.data
        return Source(kind=source_kind(event), ref=data.referral_id, origin=data.origin,
                      origin_ref=data.origin_ref, reason=data.reason, evidence=tuple(data.evidence),
                      received_at=now, case_id=event.case_id)

    async def _join(self, conn: AsyncConnection, existing: Clue, event: Envelope[Any], source: Source,
                    now: datetime) -> None:
        """The referral is one more source of the clue of the same matter (and reopens it if held)."""
        if not existing.add_source(source, now):
            return
        await ClueRepository(conn).save(existing)
        await self.rt.events.emit(
            conn,
            ClueSourceAdded(clue_id=existing.id, number=existing.number,
                            source=ClueSource(kind=source.kind, ref=source.ref), source_case_id=event.case_id,
                            added_at=now),
            subject=f"clue/{existing.id}", case_id=event.case_id, cause=event,
        )
        if existing.held:
            await self._reopen(conn, existing, f"同一问题再次移交（{source.kind} {source.ref}）", now,
                               source=source, cause=event)

    async def _register(self, conn: AsyncConnection, new: list[tuple[Envelope[Any], Source]], year: int,
                        now: datetime) -> None:
        """New clues for these referrals, numbered in their order, stored and announced."""
        if not new:
            return
        repo = ClueRepository(conn)
        first = await repo.next_seqs(year, len(new))
        registered = [
            (Clue.register(id=str(new_id()), case_id=event.case_id, seq=first + i, unit=event.data.unit,
                           problem=event.data.problem, source=source, now=now), event)
            for i, (event, source) in enumerate(new)
        ]
        await repo.add_many([clue for clue, _ in registered])
        await self.rt.events.emit_many(conn, [
            Emission(
                ClueRegistered(clue_id=clue.id, number=clue.number, unit=clue.unit, problem=clue.problem,
                               sources=[ClueSource(kind=s.kind, ref=s.ref) for s in clue.sources],
                               registered_at=now),
                subject=f"clue/{clue.id}", case_id=clue.case_id, cause=event,
            )
            for clue, event in registered
        ])

    async def assign(self, clue_id: str, *, assignee: str, mode: AssignMode, due_working_days: int | None = None,
                     receipt_working_days: int | None = None, supervisor: str | None = None,
                     actor: str | None = None) -> Clue:
        """分办 / 转办 the clue to the commission that investigates it, with a 签收时限 and a 办理时限 in 工作日;
        both are durable timers: a missed one escalates the clue to the commission above."""
        now = self.rt.clock.now()
        today = local_date(now)
        due = WorkingDayDeadline.after_working_days(self.rt.calendar, today,
                                                    due_working_days or self.due_working_days, field="due_working_days")
        receipt_due = WorkingDayDeadline.after_working_days(
            self.rt.calendar, today, receipt_working_days or self.receipt_working_days, field="receipt_working_days")
        async with self.rt.db.transaction() as conn:
            repo = ClueRepository(conn)
            clue = await repo.get(clue_id)
            # The actor is a person; the supervisor is a commission (who assigns, else the configured one).
            clue.assign(assignee, mode, due, now, actor, receipt_due=receipt_due,
                        supervisor=supervisor or self.escalation_commission)
            await repo.save(clue)
            await timers.schedule(conn, self.rt.tables, kind=RECEIPT_DUE, key=clue.id, due_at=receipt_due.due_at)
            await timers.schedule(conn, self.rt.tables, kind=HANDLING_DUE, key=clue.id, due_at=due.due_at)
            await self.rt.events.emit(
                conn,
                ClueAssigned(clue_id=clue.id, assignee=clue.assignee or assignee, mode=mode.value, due=due.day,
                             assigned_at=now, receipt_due=receipt_due.day, supervisor=clue.supervisor),
                subject=f"clue/{clue.id}", case_id=clue.case_id, actor=actor,
            )
        self.rt.committed()
        return clue

    async def classify(self, clue_id: str, *, kind: ClueKind, level: PersonLevel, actor: str | None = None) -> Clue:
        """分类梳理: sort the clue by kind and by the level of the responsible person."""
        async with self.rt.db.transaction() as conn:
            repo = ClueRepository(conn)
            clue = await repo.get(clue_id)
            clue.classify(kind, level, self.rt.clock.now(), actor)
            await repo.save(clue)
        return clue

    async def receive(self, clue_id: str, *, by: str, guard: ClueGuard | None = None) -> Clue:
        """签收: the assigned commission acknowledges the clue; the receipt timer is cancelled."""
        async with self.rt.db.transaction() as conn:
            repo = ClueRepository(conn)
            clue = await repo.get(clue_id)
            if guard:
                guard(clue)
            clue.receive(by, self.rt.clock.now())
            await repo.save(clue)
            await timers.cancel(conn, self.rt.tables, kind=RECEIPT_DUE, key=clue.id)
        return clue

    async def _escalate(self, conn: AsyncConnection, timer: DueTimer, stage: EscalationStage) -> None:
        repo = ClueRepository(conn)
        clue = await repo.get(timer.key)
        now = self.rt.clock.now()
        if not clue.escalate(stage, now):
            return
        await repo.save(clue)
        limit = clue.receipt_due if stage is EscalationStage.RECEIPT else clue.due
        assert limit is not None
        await self.rt.events.emit(
            conn,
            ClueEscalated(clue_id=clue.id, number=clue.number, assignee=clue.assignee or "",
                          escalated_to=clue.supervisor or self.escalation_commission, stage=stage.value,
                          due=limit.day, escalated_at=now),
            subject=f"clue/{clue.id}", case_id=clue.case_id, actor="system",
        )

    async def on_receipt_due(self, conn: AsyncConnection, timer: DueTimer) -> None:
        """签收时限 passed: escalate if the assignee has not signed for the clue."""
        await self._escalate(conn, timer, EscalationStage.RECEIPT)

    async def on_handling_due(self, conn: AsyncConnection, timer: DueTimer) -> None:
        """办理时限 passed: escalate if the clue is not disposed of."""
        await self._escalate(conn, timer, EscalationStage.HANDLING)

    async def dispose(self, clue_id: str, *, finding: Finding | None, summary: str,
                      way: DisposalWay = DisposalWay.PRELIMINARY_VERIFICATION, actor: str | None = None,
                      guard: ClueGuard | None = None) -> Clue:
        """处置 in one of the four ways, with its reason (and the finding, for 谈话函询 / 初步核实)."""
        now = self.rt.clock.now()
        async with self.rt.db.transaction() as conn:
            repo = ClueRepository(conn)
            clue = await repo.get(clue_id)
            if guard:
                guard(clue)
            clue.dispose(finding, summary, now, actor, way=way)
            await repo.save(clue)
            await timers.cancel(conn, self.rt.tables, kind=RECEIPT_DUE, key=clue.id)
            await timers.cancel(conn, self.rt.tables, kind=HANDLING_DUE, key=clue.id)
            assert clue.finding is not None
            await self.rt.events.emit(
                conn,
                ClueDisposed(clue_id=clue.id, finding=clue.finding.value, summary=clue.disposal_summary or summary,
                             disposed_at=now, way=way.value),
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
            decision = clue.decide(str(new_id()), sanction, person, reason, now, actor)
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
            # Told to every case the matter came from (merged referrals), so each timeline and exposure shows it.
            for case_id in clue.case_ids():
                await self.rt.events.emit(
                    conn,
                    OutcomePublished(clue_id=clue.id, decision_id=clue.decision.decision_id, unit=clue.unit,
                                     sanction=clue.decision.sanction, summary=clue.publication_summary,
                                     published_at=now),
                    subject=f"clue/{clue.id}", case_id=case_id, actor=actor,
                )
        self.rt.committed()
        return clue

    def _handling_due(self, working_days: int | None) -> WorkingDayDeadline:
        return WorkingDayDeadline.after_working_days(self.rt.calendar, local_date(self.rt.clock.now()),
                                                     working_days or self.due_working_days,
                                                     field="due_working_days")

    async def _reopen(self, conn: AsyncConnection, clue: Clue, reason: str, now: datetime, *,
                      due_working_days: int | None = None, actor: str | None = None, source: Source | None = None,
                      cause: Envelope[Any] | None = None) -> None:
        due = self._handling_due(due_working_days)
        clue.reopen(reason, due, now, actor)
        await ClueRepository(conn).save(clue)
        await timers.schedule(conn, self.rt.tables, kind=HANDLING_DUE, key=clue.id, due_at=due.due_at)
        await self.rt.events.emit(
            conn,
            ClueReopened(clue_id=clue.id, number=clue.number, reason=reason.strip(),
                         assignee=clue.assignee, due=due.day,
                         source=ClueSource(kind=source.kind, ref=source.ref) if source else None, reopened_at=now),
            subject=f"clue/{clue.id}", case_id=clue.case_id, cause=cause, actor=actor or "system",
        )

    async def reopen(self, clue_id: str, *, reason: str, due_working_days: int | None = None,
                     actor: str | None = None) -> Clue:
        """启用: take a clue held as 暂存待查 up again, with the reason; back to its assignee for 处置."""
        now = self.rt.clock.now()
        async with self.rt.db.transaction() as conn:
            clue = await ClueRepository(conn).get(clue_id)
            await self._reopen(conn, clue, reason, now, due_working_days=due_working_days, actor=actor)
        self.rt.committed()
        return clue
