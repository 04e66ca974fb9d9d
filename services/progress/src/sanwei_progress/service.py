"""Progress use cases: each runs in one transaction and records the events it causes.

The HTTP API and the event handlers call these; none of them touches the domain or the
database directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_contracts import Envelope
from sanwei_contracts.events.progress import (
    CompletionAccepted,
    CompletionClaimed,
    CompletionRejected,
    ReportMissed,
    ReportSubmitted,
)
from sanwei_contracts.ids import new_id
from sanwei_kit import timers
from sanwei_kit.calendar import local_date
from sanwei_kit.db import once_more_on_race
from sanwei_kit.errors import Conflict, Invalid, NotFound
from sanwei_kit.runtime import Runtime
from sanwei_kit.text import normalize_unit
from sanwei_kit.timers import DueTimer
from sanwei_progress.adapters.repository import ProgressRepository
from sanwei_progress.domain.cadence import (
    ReportingCadence,
    answering,
    answers,
    candidate_years,
    missed_reports,
    parse_cadence,
    periods_answering,
)
from sanwei_progress.domain.model import (
    CompletionClaim,
    ProgressReport,
    TrackedTask,
    normalize_period,
    require_text,
)
from sanwei_progress.domain.sheet import ReportSheet, SheetReport, SheetTask, build_report_sheet, sheet_title
from sanwei_progress.domain.upload import UploadRead, UploadRow
from sanwei_progress.domain.views import (
    Owed,
    due_soon_until,
    is_due_soon,
    is_overdue,
    names_meaning,
    owed_reports,
    tasks_of_unit,
)
from sanwei_progress.settings import ProgressSettings

REPORT_DUE = "report_due"


@dataclass(frozen=True)
class UnitTasks:
    unit: str
    now: datetime
    due_soon_until: date
    mine: list[tuple[TrackedTask, str]]
    due_soon: list[str]
    overdue: list[str]
    owed: list[Owed]
    claims: dict[str, CompletionClaim]


class UploadStatus(StrEnum):
    CREATED = "created"  # a new report (in a dry run: would be)
    UNCHANGED = "unchanged"  # already reported with this text: nothing to do (最多报一次)
    ERROR = "error"


@dataclass(frozen=True)
class UploadOutcome:
    row: int
    status: UploadStatus
    task_id: str | None = None
    seq: str | None = None
    report_id: str | None = None
    reason: str | None = None


def _due_key(task_list_id: str, period: str) -> str:
    return f"{task_list_id}/{period}"


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
            task = TrackedTask(id=data.task_id, title=data.title, lead_unit=lead, co_units=co_units,
                               task_list_id=data.task_list_id, task_list_title=data.task_list_title, seq=data.seq,
                               assigned_at=event.time)
            task.parent_id = data.parent_id
            task.units_merged_above = data.units_merged_above
            if data.deadline is not None and data.due_at is not None:
                task.change_deadline(data.deadline, data.due_at, event.time)
            await repo.add_task(task)
            return
        task.title, task.lead_unit, task.co_units = data.title, lead, co_units
        task.task_list_id, task.task_list_title, task.seq = data.task_list_id, data.task_list_title, data.seq
        task.parent_id = data.parent_id
        task.units_merged_above = data.units_merged_above
        if data.deadline is not None and data.due_at is not None:
            task.change_deadline(data.deadline, data.due_at, event.time)
        await repo.save_task(task)
        await repo.replace_units(task)

    async def on_task_updated(self, conn: AsyncConnection, event: Envelope[Any]) -> None:
        """The task changed at its source (a re-imported sheet, an OA push): keep 序号, 主要任务 and units
        current, so the 落实情况表 shows them as they are now. Reports already made stay as they are."""
        data = event.data
        repo = ProgressRepository(conn)
        task = await repo.get_task(data.task_id)  # not announced yet: NotFound, the consumer retries
        lead = normalize_unit(data.lead_unit)
        task.seq, task.title, task.lead_unit = data.seq, data.title, lead
        task.co_units = [u for u in dict.fromkeys(normalize_unit(u) for u in data.co_units) if u and u != lead]
        await repo.save_task(task)
        await repo.replace_units(task)

    async def on_task_deadline_set(self, conn: AsyncConnection, event: Envelope[Any]) -> None:
        # A deadline for a task not announced yet raises NotFound: the consumer retries
        # until TaskAssigned (on another consumer) has been handled.
        repo = ProgressRepository(conn)
        task = await repo.get_task(event.data.task_id)
        if task.change_deadline(event.data.deadline, event.data.due_at, event.time):
            await repo.save_task(task)

    async def on_task_paused(self, conn: AsyncConnection, event: Envelope[Any]) -> None:
        """挂起: while paused the task owes no reports, so no 逾期未报 is counted, and it is neither
        due soon nor overdue in the units' views."""
        repo = ProgressRepository(conn)
        task = await repo.get_task(event.data.task_id)  # not announced yet: NotFound, the consumer retries
        if task.pause(event.data.paused_at, event.data.reason):
            await repo.save_task(task)

    async def on_task_resumed(self, conn: AsyncConnection, event: Envelope[Any]) -> None:
        """The clock runs again, on the deadline the days left give."""
        data = event.data
        repo = ProgressRepository(conn)
        task = await repo.get_task(data.task_id)
        resumed = task.resume(data.resumed_at)
        moved = task.change_deadline(data.deadline, data.due_at, event.time)
        if resumed or moved:
            await repo.save_task(task)

    async def on_task_extension_approved(self, conn: AsyncConnection, event: Envelope[Any]) -> None:
        """批准延期: the task is due on the new deadline (the registry also sends it as deadline_set;
        whichever arrives first applies it, the other changes nothing)."""
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
    async def submit_report(self, task_id: str, *, unit: str, period: str, text: str,
                            unlisted: bool = False) -> tuple[ProgressReport, bool]:
        """A responsible unit reports progress; returns the report and whether it is new.

        `unlisted`: the reporter knows the unit is not among the task's 责任单位 and reports anyway.
        """
        text = require_text(text, field_name="text", max_chars=self.settings.report_max_chars)

        async def attempt() -> tuple[ProgressReport, bool]:
            async with self.rt.db.transaction() as conn:
                repo = ProgressRepository(conn)
                task = await repo.get_task(task_id)
                report, created = await self._report(conn, repo, task, unit=unit, period=period, text=text,
                                                     unlisted=unlisted)
            if created:
                self.rt.committed()
            return report, created

        return await once_more_on_race(attempt)

    async def _report(self, conn: AsyncConnection, repo: ProgressRepository, task: TrackedTask, *, unit: str,
                      period: str, text: str, unlisted: bool = False, write: bool = True,
                      ) -> tuple[ProgressReport, bool]:
        reporter = task.reporting_unit(unit, unlisted=unlisted)
        already = await repo.report_for(task.id, reporter, normalize_period(period))
        report, created = task.report(
            report_id=str(new_id()), unit=reporter, period=period, text=text,
            now=self.rt.clock.now(), already=already, unlisted=unlisted,
        )
        if not created or not write:
            return report, created
        await repo.add_report(report)
        late = [i for i, missed in await repo.unanswered_misses(task.id, report.unit) if answers(report.period, missed)]
        await repo.mark_reported_late(late, report.submitted_at)
        await self.rt.events.emit(
            conn,
            ReportSubmitted(
                report_id=report.id, task_id=task.id, unit=report.unit, period=report.period,
                text=report.text, submitted_at=report.submitted_at, listed=report.listed,
            ),
            subject=f"report/{report.id}",
            case_id=task.id,
            actor=report.unit,
        )
        return report, True

    async def upload_reports(self, read: UploadRead, *, unit: str, period: str, task_list_id: str | None,
                             dry_run: bool) -> list[UploadOutcome]:
        """One unit's reports on several tasks from one sheet, in one transaction; a row that cannot be
        taken is listed with its row number and reason, the others are taken (or, in a dry run, shown)."""
        period = normalize_period(period)
        if not normalize_unit(unit):
            raise Invalid("say which unit reports", field="unit")

        async def attempt() -> list[UploadOutcome]:
            outcomes = [UploadOutcome(row=r, status=UploadStatus.ERROR, reason=why) for r, why in read.errors]
            created_any = False
            async with self.rt.db.transaction() as conn:
                repo = ProgressRepository(conn)
                by_seq: dict[str, list[TrackedTask]] = {}
                if task_list_id:
                    for t in await repo.tasks_of_list(task_list_id):
                        if t.seq:
                            by_seq.setdefault(normalize_unit(t.seq), []).append(t)
                seen: dict[str, int] = {}
                for row in read.rows:
                    try:
                        task = await self._upload_task(repo, row, task_list_id, by_seq)
                        if task.id in seen:
                            raise Invalid(f"task {task.id} is already reported in row {seen[task.id]} of this sheet")
                        seen[task.id] = row.row
                        text = require_text(row.text, field_name="text", max_chars=self.settings.report_max_chars)
                        report, created = await self._report(conn, repo, task, unit=unit, period=period, text=text,
                                                             write=not dry_run)
                    except (Invalid, Conflict, NotFound) as exc:
                        outcomes.append(UploadOutcome(row=row.row, status=UploadStatus.ERROR, reason=exc.reason))
                        continue
                    created_any = created_any or (created and not dry_run)
                    outcomes.append(UploadOutcome(
                        row=row.row, task_id=task.id, seq=task.seq,
                        status=UploadStatus.CREATED if created else UploadStatus.UNCHANGED,
                        report_id=None if created and dry_run else report.id))
            if created_any:
                self.rt.committed()
            return sorted(outcomes, key=lambda o: o.row)

        return await once_more_on_race(attempt)

    @staticmethod
    async def _upload_task(repo: ProgressRepository, row: UploadRow, task_list_id: str | None,
                           by_seq: dict[str, list[TrackedTask]]) -> TrackedTask:
        if row.task_id:
            task = await repo.get_task(row.task_id)
            if task_list_id and task.task_list_id != task_list_id:
                raise Invalid(f"task {task.id} is not in task list {task_list_id}", field="task_id")
            return task
        assert row.seq is not None
        if not task_list_id:
            raise Invalid("a row given by 序号 needs the upload's task_list_id", field="task_list_id")
        found = by_seq.get(normalize_unit(row.seq), [])
        if not found:
            raise NotFound(f"task list {task_list_id} has no task 序号 {row.seq}")
        if len(found) > 1:
            raise Invalid(f"序号 {row.seq} names {len(found)} tasks of the list; give 任务ID", field="seq")
        return found[0]

    # --- reporting cadences and missed reports -----------------------------------------
    async def set_cadence(self, task_list_id: str, *, cadence: str, due_working_days: int | None,
                          set_by: str) -> ReportingCadence:
        """Set (or change) how often a task list is reported on; watches the current period's due day.

        A change re-arms the one due-day timer of the list: the old one is cancelled.
        """
        kind = parse_cadence(cadence)
        days = self.settings.report_due_working_days if due_working_days is None else due_working_days
        async with self.rt.db.transaction() as conn:
            repo = ProgressRepository(conn)
            if not await repo.tasks_of_list(task_list_id):
                raise NotFound(f"no task list {task_list_id} (the registry has not announced any task of it)")
            before = await repo.find_cadence(task_list_id)
            now = self.rt.clock.now()
            new = ReportingCadence.start(
                task_list_id=task_list_id, cadence=kind, due_working_days=days, set_by=set_by, now=now,
                today=local_date(now), calendar=self.rt.calendar,
                max_due_working_days=self.settings.max_report_due_working_days,
            )
            if before is not None:
                await timers.cancel(conn, self.rt.tables, kind=REPORT_DUE,
                                    key=_due_key(task_list_id, before.watched_period))
            await repo.put_cadence(new, new=before is None)
            await self._arm(conn, new)
        self.rt.committed()
        return new

    async def _arm(self, conn: AsyncConnection, cadence: ReportingCadence) -> None:
        await timers.schedule(
            conn, self.rt.tables, kind=REPORT_DUE, key=_due_key(cadence.task_list_id, cadence.watched_period),
            due_at=cadence.watched_due_at,
            payload={"task_list_id": cadence.task_list_id, "period": cadence.watched_period},
        )

    async def on_report_due(self, conn: AsyncConnection, timer: DueTimer) -> None:
        """A period's due day passed: each unit that owes a report for it is recorded and announced
        once (report.missed); then the next period is watched."""
        repo = ProgressRepository(conn)
        cadence = await repo.find_cadence(timer.payload["task_list_id"])
        if cadence is None or cadence.watched_period != timer.payload["period"]:
            return  # the cadence changed after this timer was armed; its own timer watches now
        period = cadence.watched_period
        tasks = await repo.tasks_of_list(cadence.task_list_id)
        already = await repo.missed_keys(cadence.task_list_id, period)
        now = self.rt.clock.now()
        answered = answering(await repo.reports_of_list(cadence.task_list_id, candidate_years(period)), period)
        for miss in missed_reports(tasks, {(r.task_id, r.unit) for r in answered}, period):
            if (miss.task_id, miss.unit) in already:
                continue
            missed_id = str(new_id())
            await repo.add_missed({
                "id": missed_id, "task_id": miss.task_id, "task_list_id": cadence.task_list_id, "unit": miss.unit,
                "period": period, "cadence": cadence.cadence.value, "due_on": cadence.watched_due_on,
                "missed_at": now,
            })
            await self.rt.events.emit(
                conn,
                ReportMissed(task_id=miss.task_id, task_list_id=cadence.task_list_id, unit=miss.unit, period=period,
                             cadence=cadence.cadence.value, due_on=cadence.watched_due_on, missed_at=now),
                subject=f"task/{miss.task_id}",
                case_id=miss.task_id,
                actor="system",
            )
        cadence.advance(self.rt.calendar)
        await repo.put_cadence(cadence, new=False)
        await self._arm(conn, cadence)

    # --- what a unit sees -----------------------------------------------------------------
    async def unit_tasks(self, unit: str) -> UnitTasks:
        """A unit's open tasks sorted into the views it needs, with the reports it owes this week."""
        now = self.rt.clock.now()
        async with self.rt.db.connect() as conn:
            repo = ProgressRepository(conn)
            # Only the tasks naming the unit by a name it may go by: a unit's view costs what the unit has,
            # not what the district stored.
            meant = names_meaning(unit, await repo.unit_names())
            mine = tasks_of_unit(unit, await repo.open_tasks(involving=meant))
            names = {name for _, name in mine} | {normalize_unit(unit)}
            cadences = await repo.all_cadences()
            # Only reports that may answer a watched period count: not every report the unit ever made.
            periods = {p for cadence in cadences.values() for p in periods_answering(cadence.watched_period)}
            owed = owed_reports(
                mine, cadences, await repo.reports_of_units(names, periods),
                [(t, p, d) for t, u, p, d in await repo.unanswered_misses_of_units(names)], local_date(now),
            )
            claims = await repo.latest_claims([t.id for t, _ in mine])
        open_ids = {t.id for t, _ in mine}
        owed = [o for o in owed if o.task_id in open_ids]
        until = due_soon_until(self.rt.calendar, now, self.settings.due_soon_working_days)
        return UnitTasks(
            unit=normalize_unit(unit), now=now, due_soon_until=until, mine=mine,
            due_soon=[t.id for t, _ in mine if is_due_soon(t, now, until)],
            overdue=[t.id for t, _ in mine if is_overdue(t, now)],
            owed=owed, claims=claims,
        )

    # --- the quarterly 落实情况表 ---------------------------------------------------------
    async def report_sheet(self, task_list_id: str, period: str) -> ReportSheet:
        """The 《主要工作任务落实情况表》 of a task list for a period, from the period's reports."""
        period = normalize_period(period)
        async with self.rt.db.connect() as conn:
            repo = ProgressRepository(conn)
            tasks = await repo.tasks_of_list(task_list_id)
            if not tasks:
                raise NotFound(f"no task list {task_list_id} (the registry has not announced any task of it)")
            reports = answering(await repo.reports_of_list(task_list_id, candidate_years(period)), period)
        list_title = next((t.task_list_title for t in tasks if t.task_list_title), task_list_id)
        units = {t.id: t.responsible_units for t in tasks}

        def arrival(report: ProgressReport) -> tuple[datetime, int, str]:
            # In the order they came; reports of one instant in the order of the 责任单位 cell.
            order = units[report.task_id]
            return report.submitted_at, order.index(report.unit) if report.unit in order else len(order), report.unit

        reports.sort(key=arrival)
        return build_report_sheet(
            sheet_title(list_title, period),
            period,
            # The table lists the list's own tasks; sub-tasks (层层分解) report on their own rows elsewhere.
            [SheetTask(id=t.id, seq=t.seq, title=t.title, units=t.responsible_units,
                       units_merged_above=t.units_merged_above) for t in tasks if t.parent_id is None],
            [SheetReport(task_id=r.task_id, unit=r.unit, text=r.text, listed=r.listed) for r in reports],
        )

    # --- completion claims ------------------------------------------------------------
    async def claim_completion(self, task_id: str, *, unit: str, text: str,
                               attachments: list[str] | None = None) -> CompletionClaim:
        text = require_text(text, field_name="text", max_chars=self.settings.claim_max_chars)

        async def attempt() -> CompletionClaim:
            async with self.rt.db.transaction() as conn:
                repo = ProgressRepository(conn)
                task = await repo.get_task(task_id)
                claim = task.claim_completion(
                    claim_id=str(new_id()), unit=unit, text=text, now=self.rt.clock.now(),
                    claims=await repo.claims_of(task.id), attachments=attachments,
                )
                await repo.add_claim(claim)
                await self.rt.events.emit(
                    conn,
                    CompletionClaimed(claim_id=claim.id, task_id=task.id, unit=claim.unit, text=claim.text,
                                      claimed_at=claim.claimed_at, attachments=claim.attachments),
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
