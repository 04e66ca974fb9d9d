"""Progress use cases: each runs in one transaction and records the events it causes.

The HTTP API and the event handlers call these; none of them touches the domain or the
database directly.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_contracts import Envelope
from sanwei_contracts.events.progress import (
    CompletionAccepted,
    CompletionClaimed,
    CompletionRejected,
    ReportSubmitted,
)
from sanwei_kit.db import once_more_on_race
from sanwei_kit.runtime import Runtime
from sanwei_kit.text import normalize_unit
from sanwei_progress.adapters.repository import ProgressRepository
from sanwei_progress.domain.model import (
    CompletionClaim,
    ProgressReport,
    TrackedTask,
    normalize_period,
    require_text,
)
from sanwei_progress.settings import ProgressSettings


class ProgressService:
    def __init__(self, runtime: Runtime, settings: ProgressSettings) -> None:
        self.rt = runtime
        self.settings = settings

    # --- the registry's tasks (read model) ---------------------------------------------
    async def on_task_assigned(self, conn: AsyncConnection, event: Envelope[Any]) -> None:
        data = event.data
        repo = ProgressRepository(conn)
        lead = normalize_unit(data.lead_unit)
        co_units = [u for u in dict.fromkeys(normalize_unit(u) for u in data.co_units) if u and u != lead]
        task = await repo.find_task(data.task_id)
        if task is None:
            task = TrackedTask(id=data.task_id, title=data.title, lead_unit=lead, co_units=co_units)
            if data.deadline is not None and data.due_at is not None:
                task.change_deadline(data.deadline, data.due_at, event.time)
            await repo.add_task(task)
            return
        task.title, task.lead_unit, task.co_units = data.title, lead, co_units
        if data.deadline is not None and data.due_at is not None:
            task.change_deadline(data.deadline, data.due_at, event.time)
        await repo.save_task(task)

    async def on_task_deadline_set(self, conn: AsyncConnection, event: Envelope[Any]) -> None:
        # A deadline for a task not announced yet raises NotFound: the consumer retries
        # until TaskAssigned (on another consumer) has been handled.
        repo = ProgressRepository(conn)
        task = await repo.get_task(event.data.task_id)
        if task.change_deadline(event.data.deadline, event.data.due_at, event.time):
            await repo.save_task(task)

    async def on_task_completed(self, conn: AsyncConnection, event: Envelope[Any]) -> None:
        repo = ProgressRepository(conn)
        task = await repo.get_task(event.data.task_id)
        if task.complete(event.data.completed_at, event.data.late):
            await repo.save_task(task)

    # --- progress reports ---------------------------------------------------------------
    async def submit_report(self, task_id: str, *, unit: str, period: str, text: str) -> tuple[ProgressReport, bool]:
        """A responsible unit reports progress; returns the report and whether it is new."""
        text = require_text(text, field_name="text", max_chars=self.settings.report_max_chars)

        async def attempt() -> tuple[ProgressReport, bool]:
            async with self.rt.db.transaction() as conn:
                repo = ProgressRepository(conn)
                task = await repo.get_task(task_id)
                reporter = normalize_unit(unit)
                already = await repo.report_for(task.id, reporter, normalize_period(period))
                report, created = task.report(
                    report_id=str(uuid.uuid4()), unit=reporter, period=period, text=text,
                    now=self.rt.clock.now(), already=already,
                )
                if not created:
                    return report, False
                await repo.add_report(report)
                await self.rt.events.emit(
                    conn,
                    ReportSubmitted(
                        report_id=report.id, task_id=task.id, unit=report.unit, period=report.period,
                        text=report.text, submitted_at=report.submitted_at,
                    ),
                    subject=f"report/{report.id}",
                    case_id=task.id,
                    actor=report.unit,
                )
            self.rt.committed()
            return report, True

        return await once_more_on_race(attempt)

    # --- completion claims ------------------------------------------------------------
    async def claim_completion(self, task_id: str, *, unit: str, text: str) -> CompletionClaim:
        text = require_text(text, field_name="text", max_chars=self.settings.claim_max_chars)

        async def attempt() -> CompletionClaim:
            async with self.rt.db.transaction() as conn:
                repo = ProgressRepository(conn)
                task = await repo.get_task(task_id)
                claim = task.claim_completion(
                    claim_id=str(uuid.uuid4()), unit=unit, text=text, now=self.rt.clock.now(),
                    claims=await repo.claims_of(task.id),
                )
                await repo.add_claim(claim)
                await self.rt.events.emit(
                    conn,
                    CompletionClaimed(claim_id=claim.id, task_id=task.id, unit=claim.unit, text=claim.text,
                                      claimed_at=claim.claimed_at),
                    subject=f"completion/{claim.id}",
                    case_id=task.id,
                    actor=claim.unit,
                )
            self.rt.committed()
            return claim

        return await once_more_on_race(attempt)

    async def accept_claim(self, claim_id: str, *, accepted_by: str) -> CompletionClaim:
        """The issuing unit verified the claim: the registry will complete the task."""
        async with self.rt.db.transaction() as conn:
            repo = ProgressRepository(conn)
            claim = await repo.get_claim(claim_id)
            task = await repo.get_task(claim.task_id)
            now = self.rt.clock.now()
            claim.accept(accepted_by, now, task)
            await repo.save_claim(claim)
            assert claim.decided_by is not None
            await self.rt.events.emit(
                conn,
                CompletionAccepted(claim_id=claim.id, task_id=task.id, unit=claim.unit,
                                   accepted_by=claim.decided_by, accepted_at=now),
                subject=f"completion/{claim.id}",
                case_id=task.id,
                actor=claim.decided_by,
            )
        self.rt.committed()
        return claim

    async def reject_claim(self, claim_id: str, *, rejected_by: str, reason: str) -> CompletionClaim:
        """The issuing unit sent the claim back: the task stays open, the unit may claim again."""
        async with self.rt.db.transaction() as conn:
            repo = ProgressRepository(conn)
            claim = await repo.get_claim(claim_id)
            now = self.rt.clock.now()
            claim.reject(rejected_by, reason, now)
            await repo.save_claim(claim)
            assert claim.decided_by is not None and claim.rejection_reason is not None
            await self.rt.events.emit(
                conn,
                CompletionRejected(claim_id=claim.id, task_id=claim.task_id, unit=claim.unit,
                                   rejected_by=claim.decided_by, reason=claim.rejection_reason, rejected_at=now),
                subject=f"completion/{claim.id}",
                case_id=claim.task_id,
                actor=claim.decided_by,
            )
        self.rt.committed()
        return claim
