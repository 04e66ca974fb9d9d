"""Loading and saving tasks, reports and completion claims within the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_kit.errors import NotFound
from sanwei_progress.adapters.tables import completion_claims, reports, tasks
from sanwei_progress.domain.model import ClaimStatus, CompletionClaim, ProgressReport, TaskStatus, TrackedTask


def _task_from_row(row: Any) -> TrackedTask:
    return TrackedTask(
        id=row.id,
        title=row.title,
        lead_unit=row.lead_unit,
        co_units=list(row.co_units or []),
        deadline=row.deadline,
        due_at=row.due_at,
        deadline_changed_at=row.deadline_changed_at,
        status=TaskStatus(row.status),
        completed_at=row.completed_at,
        completed_late=row.completed_late,
    )


def _task_values(task: TrackedTask) -> dict[str, Any]:
    return {
        "title": task.title,
        "lead_unit": task.lead_unit,
        "co_units": task.co_units,
        "status": task.status.value,
        "deadline": task.deadline,
        "due_at": task.due_at,
        "deadline_changed_at": task.deadline_changed_at,
        "completed_at": task.completed_at,
        "completed_late": task.completed_late,
    }


def _report_from_row(row: Any) -> ProgressReport:
    return ProgressReport(
        id=row.id, task_id=row.task_id, unit=row.unit, period=row.period, text=row.text,
        submitted_at=row.submitted_at,
    )


def _claim_from_row(row: Any) -> CompletionClaim:
    return CompletionClaim(
        id=row.id,
        task_id=row.task_id,
        unit=row.unit,
        text=row.text,
        claimed_at=row.claimed_at,
        status=ClaimStatus(row.status),
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        rejection_reason=row.rejection_reason,
    )


def _claim_values(claim: CompletionClaim) -> dict[str, Any]:
    return {
        "status": claim.status.value,
        "decided_by": claim.decided_by,
        "decided_at": claim.decided_at,
        "rejection_reason": claim.rejection_reason,
    }


class ProgressRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    # --- tasks -------------------------------------------------------------------------
    async def find_task(self, task_id: str) -> TrackedTask | None:
        row = (await self._conn.execute(select(tasks).where(tasks.c.id == task_id))).first()
        return _task_from_row(row) if row is not None else None

    async def get_task(self, task_id: str) -> TrackedTask:
        task = await self.find_task(task_id)
        if task is None:
            raise NotFound(f"no task {task_id} (the registry has not announced it)")
        return task

    async def add_task(self, task: TrackedTask) -> None:
        await self._conn.execute(tasks.insert().values(id=task.id, **_task_values(task)))

    async def save_task(self, task: TrackedTask) -> None:
        await self._conn.execute(tasks.update().where(tasks.c.id == task.id).values(**_task_values(task)))

    # --- reports -----------------------------------------------------------------------
    async def add_report(self, report: ProgressReport) -> None:
        await self._conn.execute(
            reports.insert().values(
                id=report.id, task_id=report.task_id, unit=report.unit, period=report.period, text=report.text,
                submitted_at=report.submitted_at,
            )
        )

    async def report_for(self, task_id: str, unit: str, period: str) -> ProgressReport | None:
        query = select(reports).where(reports.c.task_id == task_id, reports.c.unit == unit, reports.c.period == period)
        row = (await self._conn.execute(query)).first()
        return _report_from_row(row) if row is not None else None

    async def find_reports(
        self,
        *,
        task_id: str | None = None,
        unit: str | None = None,
        period: str | None = None,
        limit: int = 500,
        offset: int = 0,
    ) -> list[ProgressReport]:
        query = select(reports).order_by(reports.c.submitted_at, reports.c.id).limit(limit).offset(offset)
        if task_id:
            query = query.where(reports.c.task_id == task_id)
        if unit:
            query = query.where(reports.c.unit == unit)
        if period:
            query = query.where(reports.c.period == period)
        return [_report_from_row(r) for r in (await self._conn.execute(query)).all()]

    # --- completion claims ------------------------------------------------------------
    async def add_claim(self, claim: CompletionClaim) -> None:
        await self._conn.execute(
            completion_claims.insert().values(
                id=claim.id, task_id=claim.task_id, unit=claim.unit, text=claim.text,
                claimed_at=claim.claimed_at, **_claim_values(claim),
            )
        )

    async def save_claim(self, claim: CompletionClaim) -> None:
        await self._conn.execute(
            completion_claims.update().where(completion_claims.c.id == claim.id).values(**_claim_values(claim))
        )

    async def get_claim(self, claim_id: str) -> CompletionClaim:
        row = (await self._conn.execute(select(completion_claims).where(completion_claims.c.id == claim_id))).first()
        if row is None:
            raise NotFound(f"no completion claim {claim_id}")
        return _claim_from_row(row)

    async def claims_of(self, task_id: str) -> list[CompletionClaim]:
        query = (
            select(completion_claims)
            .where(completion_claims.c.task_id == task_id)
            .order_by(completion_claims.c.claimed_at, completion_claims.c.id)
        )
        return [_claim_from_row(r) for r in (await self._conn.execute(query)).all()]
