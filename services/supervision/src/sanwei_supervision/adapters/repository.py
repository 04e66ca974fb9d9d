"""Loading and saving notices and rectification reports within the caller's transaction."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_contracts.events.common import NoticeLevel
from sanwei_kit.calendar import WorkingDayDeadline
from sanwei_kit.db import rows_by_id, update_rows_by_id
from sanwei_kit.errors import NotFound
from sanwei_kit.numbering import YearlyNumber
from sanwei_supervision.adapters.tables import notice_numbers, notices, rectification_reports
from sanwei_supervision.domain.model import (
    Notice,
    NoticeStatus,
    NoticeTrigger,
    RectificationReport,
    ReportStatus,
)


def _notice_from_row(row: Any) -> Notice:
    return Notice(
        id=row.id,
        number=YearlyNumber.parse(row.number),
        case_id=row.case_id,
        trigger=NoticeTrigger(row.trigger),
        unit=row.unit,
        problem=row.problem,
        requirement=row.requirement,
        level=NoticeLevel(row.level),
        issued_at=row.issued_at,
        deadline=WorkingDayDeadline(
            day=row.deadline, due_at=row.due_at, working_days=row.working_days, start=row.deadline_start
        ),
        task_id=row.task_id,
        cause_event_id=row.cause_event_id,
        issued_by=row.issued_by,
        status=NoticeStatus(row.status),
        rectified_at=row.rectified_at,
        rectified_report_id=row.rectified_report_id,
        rectified_by=row.rectified_by,
        unrectified_at=row.unrectified_at,
        addressee=row.addressee,
        escalated_from=row.escalated_from,
        repeat_of=row.repeat_of,
        escalated_at=row.escalated_at,
        escalated_to=row.escalated_to,
        recheck_on=row.recheck_on,
        rechecked_at=row.rechecked_at,
        rechecked_by=row.rechecked_by,
        recheck_note=row.recheck_note,
        reopened_at=row.reopened_at,
        reopen_count=row.reopen_count,
    )


def _notice_state(notice: Notice) -> dict[str, Any]:
    """The columns that change after a notice is issued."""
    return {
        "level": notice.level.value,
        "status": notice.status.value,
        "rectified_at": notice.rectified_at,
        "rectified_report_id": notice.rectified_report_id,
        "rectified_by": notice.rectified_by,
        "unrectified_at": notice.unrectified_at,
        "escalated_at": notice.escalated_at,
        "escalated_to": notice.escalated_to,
        "recheck_on": notice.recheck_on,
        "rechecked_at": notice.rechecked_at,
        "rechecked_by": notice.rechecked_by,
        "recheck_note": notice.recheck_note,
        "reopened_at": notice.reopened_at,
        "reopen_count": notice.reopen_count,
        # a reopened notice runs a new 整改时限
        "deadline_start": notice.deadline.start,
        "working_days": notice.deadline.working_days,
        "deadline": notice.deadline.day,
        "due_at": notice.deadline.due_at,
    }


def _report_from_row(row: Any) -> RectificationReport:
    return RectificationReport(
        id=row.id,
        notice_id=row.notice_id,
        unit=row.unit,
        text=row.text,
        evidence=list(row.evidence or []),
        submitted_at=row.submitted_at,
        status=ReportStatus(row.status),
        reviewed_by=row.reviewed_by,
        reviewed_at=row.reviewed_at,
        return_reason=row.return_reason,
    )


def _report_state(report: RectificationReport) -> dict[str, Any]:
    return {
        "status": report.status.value,
        "reviewed_by": report.reviewed_by,
        "reviewed_at": report.reviewed_at,
        "return_reason": report.return_reason,
    }


def _new_notice_row(notice: Notice) -> dict[str, Any]:
    return dict(
        id=notice.id,
        number=str(notice.number),
        year=notice.number.year,
        seq=notice.number.seq,
        case_id=notice.case_id,
        trigger=notice.trigger.value,
        task_id=notice.task_id,
        cause_event_id=notice.cause_event_id,
        unit=notice.unit,
        problem=notice.problem,
        requirement=notice.requirement,
        issued_at=notice.issued_at,
        issued_by=notice.issued_by,
        addressee=notice.addressee,
        escalated_from=notice.escalated_from,
        repeat_of=notice.repeat_of,
        **_notice_state(notice),
    )


class NoticeRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    # --- numbering ---------------------------------------------------------------------
    async def last_seq(self, year: int) -> int:
        """The last number given out in `year` (0 if none), locked until the transaction ends."""
        query = select(notice_numbers.c.last_seq).where(notice_numbers.c.year == year).with_for_update()
        last = (await self._conn.execute(query)).scalar_one_or_none()
        if last is not None:
            return last
        try:  # the year's first notice; a concurrent first one may insert the row before us
            async with self._conn.begin_nested():
                await self._conn.execute(notice_numbers.insert().values(year=year, last_seq=0))
        except IntegrityError:
            pass
        return (await self._conn.execute(query)).scalar_one()

    async def record_number(self, number: YearlyNumber) -> None:
        await self._conn.execute(
            notice_numbers.update().where(notice_numbers.c.year == number.year).values(last_seq=number.seq)
        )

    # --- notices -----------------------------------------------------------------------
    async def add(self, notice: Notice) -> None:
        await self.add_many([notice])

    async def add_many(self, new_notices: list[Notice]) -> None:
        await self._conn.execute(notices.insert(), [_new_notice_row(notice) for notice in new_notices])

    async def save(self, notice: Notice) -> None:
        await self.save_many([notice])

    async def save_many(self, changed: list[Notice]) -> None:
        """Store the state of changed notices in one UPDATE statement."""
        await update_rows_by_id(self._conn, notices, {n.id: _notice_state(n) for n in changed})

    async def get(self, notice_id: str) -> Notice:
        return (await self.get_many([notice_id]))[0]

    async def get_many(self, notice_ids: list[str]) -> list[Notice]:
        """The notices of `notice_ids`, in that order; NotFound names the first one missing."""
        return [_notice_from_row(row) for row in await rows_by_id(self._conn, notices, notice_ids, what="notice")]

    async def tasks_with_notice(self, task_ids: list[str], trigger: NoticeTrigger) -> set[str]:
        """Those of `task_ids` that already have a notice of `trigger`."""
        query = select(notices.c.task_id).where(notices.c.task_id.in_(task_ids), notices.c.trigger == trigger.value)
        return set((await self._conn.execute(query)).scalars())

    async def for_task(self, task_id: str, trigger: NoticeTrigger) -> Notice | None:
        query = select(notices).where(notices.c.task_id == task_id, notices.c.trigger == trigger.value)
        row = (await self._conn.execute(query)).first()
        return _notice_from_row(row) if row is not None else None

    async def latest_for_problem(self, unit: str, problem: str) -> Notice | None:
        """The last notice to `unit` stating the same problem: a repeated finding."""
        query = (select(notices).where(notices.c.unit == unit, notices.c.problem == problem)
                 .order_by(notices.c.issued_at.desc(), notices.c.year.desc(), notices.c.seq.desc()).limit(1))
        row = (await self._conn.execute(query)).first()
        return _notice_from_row(row) if row is not None else None

    async def of_case(self, case_id: str) -> list[Notice]:
        query = select(notices).where(notices.c.case_id == case_id).order_by(notices.c.issued_at, notices.c.seq)
        return [_notice_from_row(r) for r in (await self._conn.execute(query)).all()]

    async def rechecks_due(self, day: date, limit: int = 500) -> list[Notice]:
        """回头看 list: rectified notices whose re-check day has come and that are not re-checked yet."""
        query = (select(notices)
                 .where(notices.c.status == NoticeStatus.RECTIFIED.value, notices.c.recheck_on <= day,
                        notices.c.rechecked_at.is_(None))
                 .order_by(notices.c.recheck_on, notices.c.year, notices.c.seq).limit(limit))
        return [_notice_from_row(r) for r in (await self._conn.execute(query)).all()]

    async def issued_until(self, until: datetime) -> list[Notice]:
        """Notices issued before `until`: a report of a period picks what concerns it."""
        query = select(notices).where(notices.c.issued_at < until).order_by(notices.c.year, notices.c.seq)
        return [_notice_from_row(r) for r in (await self._conn.execute(query)).all()]

    async def find(
        self,
        *,
        unit: str | None = None,
        units: Collection[str] | None = None,
        status: NoticeStatus | None = None,
        task_id: str | None = None,
        limit: int = 500,
        offset: int = 0,
    ) -> list[Notice]:
        """Notices, oldest first; `units` (normalized names) limits them to a unit operator's scope."""
        query = select(notices).order_by(notices.c.year, notices.c.seq).limit(limit).offset(offset)
        if unit:
            query = query.where(notices.c.unit == unit)
        if units is not None:
            query = query.where(notices.c.unit.in_(list(units)))
        if status:
            query = query.where(notices.c.status == status.value)
        if task_id:
            query = query.where(notices.c.task_id == task_id)
        return [_notice_from_row(r) for r in (await self._conn.execute(query)).all()]

    # --- rectification reports ------------------------------------------------------------
    async def add_report(self, report: RectificationReport) -> None:
        await self._conn.execute(
            rectification_reports.insert().values(
                id=report.id, notice_id=report.notice_id, unit=report.unit, text=report.text,
                evidence=report.evidence, submitted_at=report.submitted_at, **_report_state(report),
            )
        )

    async def save_report(self, report: RectificationReport) -> None:
        await self._conn.execute(
            rectification_reports.update()
            .where(rectification_reports.c.id == report.id)
            .values(**_report_state(report))
        )

    async def get_report(self, notice_id: str, report_id: str) -> RectificationReport:
        query = select(rectification_reports).where(
            rectification_reports.c.id == report_id, rectification_reports.c.notice_id == notice_id
        )
        row = (await self._conn.execute(query)).first()
        if row is None:
            raise NotFound(f"notice {notice_id} has no rectification report {report_id}")
        return _report_from_row(row)

    async def reports_of(self, notice_id: str) -> list[RectificationReport]:
        return (await self.reports_of_many([notice_id]))[notice_id]

    async def reports_of_many(self, notice_ids: list[str]) -> dict[str, list[RectificationReport]]:
        """Each notice's rectification reports, oldest first (an empty list for a notice with none)."""
        found: dict[str, list[RectificationReport]] = {i: [] for i in notice_ids}
        query = (
            select(rectification_reports)
            .where(rectification_reports.c.notice_id.in_(notice_ids))
            .order_by(rectification_reports.c.submitted_at, rectification_reports.c.id)
        )
        for row in (await self._conn.execute(query)).all():
            found[row.notice_id].append(_report_from_row(row))
        return found
