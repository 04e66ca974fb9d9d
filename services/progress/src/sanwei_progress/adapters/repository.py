"""Loading and saving tasks, reports and completion claims within the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_kit.errors import NotFound
from sanwei_kit.text import normalize_unit
from sanwei_kit.unit_index import UnitIndex
from sanwei_progress.adapters.tables import (
    cadences,
    completion_claims,
    missed_reports,
    reports,
    task_units,
    tasks,
)
from sanwei_progress.domain.cadence import Cadence, ReportingCadence
from sanwei_progress.domain.model import ClaimStatus, CompletionClaim, ProgressReport, TaskStatus, TrackedTask


def _task_from_row(row: Any) -> TrackedTask:
    return TrackedTask(
        id=row.id,
        title=row.title,
        lead_unit=row.lead_unit,
        co_units=list(row.co_units or []),
        task_list_id=row.task_list_id,
        task_list_title=row.task_list_title,
        seq=row.seq,
        parent_id=row.parent_id,
        units_merged_above=row.units_merged_above,
        deadline=row.deadline,
        due_at=row.due_at,
        deadline_changed_at=row.deadline_changed_at,
        assigned_at=row.assigned_at,
        status=TaskStatus(row.status),
        completed_at=row.completed_at,
        completed_late=row.completed_late,
        paused_at=row.paused_at,
        resumed_at=row.resumed_at,
        pause_reason=row.pause_reason,
    )


def _task_values(task: TrackedTask) -> dict[str, Any]:
    return {
        "title": task.title,
        "lead_unit": task.lead_unit,
        "co_units": task.co_units,
        "task_list_id": task.task_list_id,
        "task_list_title": task.task_list_title,
        "seq": task.seq,
        "parent_id": task.parent_id,
        "units_merged_above": task.units_merged_above,
        "status": task.status.value,
        "deadline": task.deadline,
        "due_at": task.due_at,
        "deadline_changed_at": task.deadline_changed_at,
        "assigned_at": task.assigned_at,
        "completed_at": task.completed_at,
        "completed_late": task.completed_late,
        "paused_at": task.paused_at,
        "resumed_at": task.resumed_at,
        "pause_reason": task.pause_reason,
    }


def _report_from_row(row: Any) -> ProgressReport:
    return ProgressReport(
        id=row.id, task_id=row.task_id, unit=row.unit, period=row.period, text=row.text,
        submitted_at=row.submitted_at, listed=row.listed,
    )


def _claim_from_row(row: Any) -> CompletionClaim:
    return CompletionClaim(
        id=row.id,
        task_id=row.task_id,
        unit=row.unit,
        text=row.text,
        claimed_at=row.claimed_at,
        attachments=list(row.attachments or []),
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


def _cadence_from_row(row: Any) -> ReportingCadence:
    return ReportingCadence(
        task_list_id=row.task_list_id, cadence=Cadence(row.cadence), due_working_days=row.due_working_days,
        set_by=row.set_by, set_at=row.set_at, watched_period=row.watched_period, watched_due_on=row.watched_due_on,
    )


def _cadence_values(cadence: ReportingCadence) -> dict[str, Any]:
    return {
        "cadence": cadence.cadence.value, "due_working_days": cadence.due_working_days, "set_by": cadence.set_by,
        "set_at": cadence.set_at, "watched_period": cadence.watched_period, "watched_due_on": cadence.watched_due_on,
    }


class ProgressRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._units = UnitIndex(task_units)

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
        await self._units.add(self._conn, task.id, task.responsible_units)

    async def replace_units(self, task: TrackedTask) -> None:
        """Index the task's units anew, after the registry announced other 牵头单位 or 配合单位."""
        await self._units.replace(self._conn, task.id, task.responsible_units)

    async def unit_names(self) -> list[str]:
        """Every unit some task names (a few hundred in a district, whatever the tasks number)."""
        return await self._units.names(self._conn)

    async def save_task(self, task: TrackedTask) -> None:
        await self._conn.execute(tasks.update().where(tasks.c.id == task.id).values(**_task_values(task)))

    async def tasks_of_list(self, task_list_id: str) -> list[TrackedTask]:
        query = select(tasks).where(tasks.c.task_list_id == task_list_id)
        return [_task_from_row(r) for r in (await self._conn.execute(query)).all()]

    # --- reports -----------------------------------------------------------------------
    async def add_report(self, report: ProgressReport) -> None:
        await self._conn.execute(
            reports.insert().values(
                id=report.id, task_id=report.task_id, unit=report.unit, period=report.period, text=report.text,
                submitted_at=report.submitted_at, listed=report.listed,
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
        units: Iterable[str] | None = None,
        period: str | None = None,
        limit: int = 500,
        offset: int = 0,
    ) -> list[ProgressReport]:
        """A page of reports; `unit` one unit's (its name normalized), `units` those of any of these units."""
        query = select(reports).order_by(reports.c.submitted_at, reports.c.id).limit(limit).offset(offset)
        if task_id:
            query = query.where(reports.c.task_id == task_id)
        if unit:
            query = query.where(reports.c.unit == unit)
        if units is not None:
            query = query.where(reports.c.unit.in_({normalize_unit(u) for u in units}))
        if period:
            query = query.where(reports.c.period == period)
        return [_report_from_row(r) for r in (await self._conn.execute(query)).all()]

    async def reports_of_list(self, task_list_id: str, years: list[str]) -> list[ProgressReport]:
        """The reports on the list's tasks for periods of these years, in the order they were submitted."""
        query = (
            select(reports)
            .join(tasks, tasks.c.id == reports.c.task_id)
            .where(tasks.c.task_list_id == task_list_id, or_(*[reports.c.period.startswith(y) for y in years]))
            .order_by(reports.c.submitted_at, reports.c.id)
        )
        return [_report_from_row(r) for r in (await self._conn.execute(query)).all()]

    # --- completion claims ------------------------------------------------------------
    async def add_claim(self, claim: CompletionClaim) -> None:
        await self._conn.execute(
            completion_claims.insert().values(
                id=claim.id, task_id=claim.task_id, unit=claim.unit, text=claim.text,
                claimed_at=claim.claimed_at, attachments=claim.attachments, **_claim_values(claim),
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

    # --- cadences and missed reports --------------------------------------------------
    async def find_cadence(self, task_list_id: str) -> ReportingCadence | None:
        row = (await self._conn.execute(select(cadences).where(cadences.c.task_list_id == task_list_id))).first()
        return _cadence_from_row(row) if row is not None else None

    async def put_cadence(self, cadence: ReportingCadence, *, new: bool) -> None:
        if new:
            await self._conn.execute(cadences.insert().values(task_list_id=cadence.task_list_id,
                                                              **_cadence_values(cadence)))
        else:
            await self._conn.execute(cadences.update().where(cadences.c.task_list_id == cadence.task_list_id)
                                     .values(**_cadence_values(cadence)))

    async def missed_keys(self, task_list_id: str, period: str) -> set[tuple[str, str]]:
        query = select(missed_reports.c.task_id, missed_reports.c.unit).where(
            missed_reports.c.task_list_id == task_list_id, missed_reports.c.period == period)
        return {(r.task_id, r.unit) for r in (await self._conn.execute(query)).all()}

    async def add_missed(self, values: dict[str, Any]) -> None:
        await self._conn.execute(missed_reports.insert().values(**values))

    async def unanswered_misses(self, task_id: str, unit: str) -> list[tuple[str, str]]:
        """(id, period) of the unit's missed reports on the task not reported even late."""
        query = select(missed_reports.c.id, missed_reports.c.period).where(
            missed_reports.c.task_id == task_id, missed_reports.c.unit == unit,
            missed_reports.c.reported_late_at.is_(None))
        return [(r.id, r.period) for r in (await self._conn.execute(query)).all()]

    async def mark_reported_late(self, missed_ids: list[str], at: Any) -> None:
        if missed_ids:
            await self._conn.execute(
                missed_reports.update().where(missed_reports.c.id.in_(missed_ids)).values(reported_late_at=at))

    async def missed_of_unit(self, unit: str) -> list[dict[str, Any]]:
        query = (
            select(missed_reports, tasks.c.title, tasks.c.seq)
            .join(tasks, tasks.c.id == missed_reports.c.task_id)
            .where(missed_reports.c.unit == unit)
            .order_by(missed_reports.c.due_on, tasks.c.task_list_id, missed_reports.c.task_id)
        )
        return [dict(r._mapping) for r in (await self._conn.execute(query)).all()]

    # --- what a unit sees ---------------------------------------------------------------
    async def open_tasks(self, involving: Iterable[str]) -> list[TrackedTask]:
        """The open tasks one of the units `involving` leads or co-leads."""
        query = (select(tasks)
                 .where(tasks.c.status == TaskStatus.OPEN.value, tasks.c.id.in_(self._units.task_ids(involving)))
                 .order_by(tasks.c.task_list_id, tasks.c.id))
        return [_task_from_row(r) for r in (await self._conn.execute(query)).all()]

    async def all_cadences(self) -> dict[str, ReportingCadence]:
        return {r.task_list_id: _cadence_from_row(r) for r in (await self._conn.execute(select(cadences))).all()}

    async def reports_of_units(self, units: set[str], periods: set[str]) -> list[ProgressReport]:
        """The units' reports for these periods."""
        if not units or not periods:
            return []
        query = (select(reports).where(reports.c.unit.in_(units), reports.c.period.in_(periods))
                 .order_by(reports.c.submitted_at, reports.c.id))
        return [_report_from_row(r) for r in (await self._conn.execute(query)).all()]

    async def unanswered_misses_of_units(self, units: set[str]) -> list[tuple[str, str, str, Any]]:
        """(task id, unit, period, due day) of missed reports not sent even late."""
        if not units:
            return []
        query = select(missed_reports).where(missed_reports.c.unit.in_(units),
                                             missed_reports.c.reported_late_at.is_(None))
        return [(r.task_id, r.unit, r.period, r.due_on) for r in (await self._conn.execute(query)).all()]

    async def latest_claims(self, task_ids: list[str]) -> dict[str, CompletionClaim]:
        if not task_ids:
            return {}
        query = (select(completion_claims).where(completion_claims.c.task_id.in_(task_ids))
                 .order_by(completion_claims.c.claimed_at, completion_claims.c.id))
        return {r.task_id: _claim_from_row(r) for r in (await self._conn.execute(query)).all()}
