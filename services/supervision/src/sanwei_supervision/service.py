"""Supervision use cases: each runs in one transaction and records the events it causes.

The HTTP API, the event handlers and the timers call these; none of them touches the
domain or the database directly.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_contracts import Envelope
from sanwei_contracts.events.common import NoticeLevel
from sanwei_contracts.events.supervision import (
    NoticeIssued,
    NoticeRectified,
    NoticeUnrectified,
    RectificationReturned,
    RectificationSubmitted,
)
from sanwei_kit import timers
from sanwei_kit.db import once_more_on_race
from sanwei_kit.errors import Invalid
from sanwei_kit.numbering import YearlyNumber, numbering_year
from sanwei_kit.runtime import Runtime
from sanwei_kit.timers import DueTimer
from sanwei_supervision.adapters.repository import NoticeRepository
from sanwei_supervision.domain.model import Notice, NoticeTrigger, RectificationReport, overdue_problem
from sanwei_supervision.settings import SupervisionSettings

log = structlog.get_logger(__name__)

NOTICE_DUE = "notice.due"

class SupervisionService:
    def __init__(self, runtime: Runtime, settings: SupervisionSettings) -> None:
        self.rt = runtime
        self.settings = settings

    def _working_days(self, working_days: int | None) -> int:
        days = self.settings.notice_deadline_working_days if working_days is None else working_days
        if not 1 <= days <= self.settings.notice_max_working_days:
            raise Invalid(f"working_days must be between 1 and {self.settings.notice_max_working_days}",
                          field="working_days")
        return days

    async def _issue(
        self,
        conn: AsyncConnection,
        *,
        case_id: str | None,
        trigger: NoticeTrigger,
        unit: str,
        problem: str,
        requirement: str | None,
        working_days: int,
        level: NoticeLevel,
        task_id: str | None = None,
        cause: Envelope[Any] | None = None,
        issued_by: str | None = None,
    ) -> Notice:
        repo = NoticeRepository(conn)
        now = self.rt.clock.now()
        year = numbering_year(now)
        number = YearlyNumber.next(year, await repo.last_seq(year), self.settings.notice_number_prefix)
        notice_id = str(uuid.uuid4())
        notice = Notice.issue(
            notice_id=notice_id, number=number, case_id=case_id or notice_id, trigger=trigger, unit=unit,
            problem=problem, requirement=requirement, level=level, working_days=working_days,
            calendar=self.rt.calendar, now=now, task_id=task_id,
            cause_event_id=str(cause.id) if cause else None, issued_by=issued_by,
        )
        await repo.record_number(number)
        await repo.add(notice)
        await timers.schedule(conn, self.rt.tables, kind=NOTICE_DUE, key=notice.id, due_at=notice.deadline.due_at)
        await self.rt.events.emit(
            conn,
            NoticeIssued(
                notice_id=notice.id, number=str(notice.number), task_id=notice.task_id, unit=notice.unit,
                problem=notice.problem, requirement=notice.requirement, level=notice.level,
                issued_at=notice.issued_at, deadline=notice.deadline.day, due_at=notice.deadline.due_at,
                working_days=notice.deadline.working_days,
            ),
            subject=f"notice/{notice.id}",
            case_id=notice.case_id,
            cause=cause,
            actor=issued_by,
        )
        return notice

    async def on_task_overdue(self, conn: AsyncConnection, event: Envelope[Any]) -> None:
        """A task is overdue: the 指挥部 issues a 督办通知书 to its lead unit, once per task."""
        data = event.data
        existing = await NoticeRepository(conn).for_task(data.task_id, NoticeTrigger.TASK_OVERDUE)
        if existing is not None:
            log.info("notice.already_issued", task_id=data.task_id, number=str(existing.number))
            return
        working_days = self.settings.notice_deadline_working_days
        await self._issue(
            conn,
            case_id=data.task_id,
            trigger=NoticeTrigger.TASK_OVERDUE,
            unit=data.lead_unit,
            problem=overdue_problem(data.title, data.deadline),
            requirement=None,
            working_days=working_days,
            level=self.settings.notice_level,
            task_id=data.task_id,
            cause=event,
        )

    async def issue_notice(
        self,
        *,
        unit: str,
        problem: str,
        requirement: str | None,
        working_days: int | None,
        level: NoticeLevel | None,
        issued_by: str | None,
    ) -> Notice:
        """The 指挥部 issues a notice for a problem its inspections found: a new case."""
        days = self._working_days(working_days)

        async def attempt() -> Notice:
            async with self.rt.db.transaction() as conn:
                notice = await self._issue(
                    conn, case_id=None, trigger=NoticeTrigger.DIRECT, unit=unit, problem=problem,
                    requirement=requirement, working_days=days, level=level or self.settings.notice_level,
                    issued_by=issued_by,
                )
            self.rt.committed()
            return notice

        return await once_more_on_race(attempt)

    async def submit_rectification(
        self, notice_id: str, *, unit: str, text: str, evidence: list[str]
    ) -> tuple[RectificationReport, bool]:
        """The addressee answers with a 整改报告; returns the report and whether it is new."""
        if len(text) > self.settings.rectification_max_chars:
            raise Invalid(f"text is longer than {self.settings.rectification_max_chars} characters", field="text")
        if len(evidence) > self.settings.rectification_max_evidence:
            raise Invalid(f"at most {self.settings.rectification_max_evidence} evidence items", field="evidence")

        async def attempt() -> tuple[RectificationReport, bool]:
            async with self.rt.db.transaction() as conn:
                repo = NoticeRepository(conn)
                notice = await repo.get(notice_id)
                report, created = notice.submit(
                    report_id=str(uuid.uuid4()), unit=unit, text=text, evidence=evidence,
                    now=self.rt.clock.now(), reports=await repo.reports_of(notice.id),
                )
                if not created:
                    return report, False
                await repo.add_report(report)
                await self.rt.events.emit(
                    conn,
                    RectificationSubmitted(
                        notice_id=notice.id, report_id=report.id, unit=report.unit, text=report.text,
                        evidence=report.evidence, submitted_at=report.submitted_at,
                    ),
                    subject=f"notice/{notice.id}",
                    case_id=notice.case_id,
                    actor=report.unit,
                )
            self.rt.committed()
            return report, True

        return await once_more_on_race(attempt)

    async def accept_rectification(self, notice_id: str, report_id: str, *, accepted_by: str) -> Notice:
        """The 指挥部 accepts the report: the notice is rectified, its timer cancelled, the case closes."""
        async with self.rt.db.transaction() as conn:
            repo = NoticeRepository(conn)
            notice = await repo.get(notice_id)
            report = await repo.get_report(notice_id, report_id)
            now = self.rt.clock.now()
            notice.accept(report, by=accepted_by, now=now)
            await repo.save_report(report)
            await repo.save(notice)
            await timers.cancel(conn, self.rt.tables, kind=NOTICE_DUE, key=notice.id)
            assert notice.rectified_by is not None
            await self.rt.events.emit(
                conn,
                NoticeRectified(notice_id=notice.id, number=str(notice.number), report_id=report.id,
                                accepted_by=notice.rectified_by, rectified_at=now),
                subject=f"notice/{notice.id}",
                case_id=notice.case_id,
                actor=notice.rectified_by,
            )
        self.rt.committed()
        return notice

    async def return_rectification(
        self, notice_id: str, report_id: str, *, returned_by: str, reason: str
    ) -> RectificationReport:
        """The 指挥部 sends the report back with a reason; the deadline keeps running."""
        async with self.rt.db.transaction() as conn:
            repo = NoticeRepository(conn)
            notice = await repo.get(notice_id)
            report = await repo.get_report(notice_id, report_id)
            now = self.rt.clock.now()
            now_unrectified = notice.return_report(report, by=returned_by, reason=reason, now=now)
            await repo.save_report(report)
            assert report.reviewed_by is not None and report.return_reason is not None
            await self.rt.events.emit(
                conn,
                RectificationReturned(notice_id=notice.id, report_id=report.id, reason=report.return_reason,
                                      returned_by=report.reviewed_by, returned_at=now),
                subject=f"notice/{notice.id}",
                case_id=notice.case_id,
                actor=report.reviewed_by,
            )
            if now_unrectified:
                await self._record_unrectified(conn, repo, notice, now)
        self.rt.committed()
        return report

    async def on_notice_due(self, conn: AsyncConnection, timer: DueTimer) -> None:
        """The 整改时限 passed: a notice with no accepted report is unrectified, exactly once."""
        repo = NoticeRepository(conn)
        notice = await repo.get(timer.key)
        now = self.rt.clock.now()
        if notice.mark_unrectified(now, pending=await repo.reports_of(notice.id)):
            await self._record_unrectified(conn, repo, notice, now)

    async def _record_unrectified(
        self, conn: AsyncConnection, repo: NoticeRepository, notice: Notice, now: datetime
    ) -> None:
        await repo.save(notice)
        await self.rt.events.emit(
            conn,
            NoticeUnrectified(
                notice_id=notice.id, number=str(notice.number), task_id=notice.task_id, unit=notice.unit,
                problem=notice.problem, level=notice.level, deadline=notice.deadline.day, detected_at=now,
            ),
            subject=f"notice/{notice.id}",
            case_id=notice.case_id,
        )
