"""Reporting cadences (调度频次) of a task list and the reports a unit owes.

A task list is reported on a cadence: 周调度 (week), 旬调度 (ten days: 上旬 1–10,
中旬 11–20, 下旬 21–end of month), 月调度 (month) or 季通报 (quarter). A period's
reports are due `due_working_days` 工作日 after the period's last day (0: on the last
day itself); at the end of the due day, every responsible unit (牵头单位 and 配合单位)
of every task still open that has not reported on it for the period has missed it
(逾期未报). A task assigned after the period ended owes nothing for it, and neither does a
task paused (挂起) when the due day ends: its clock stands still, so no 逾期未报 is counted
against its units until it is resumed. Pure rules.
"""

from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sanwei_kit.calendar import WorkingCalendar, due_instant
from sanwei_kit.errors import Invalid
from sanwei_progress.domain.model import ProgressReport, TrackedTask, normalize_period


class Cadence(StrEnum):
    WEEK = "week"
    TEN_DAYS = "ten_days"
    MONTH = "month"
    QUARTER = "quarter"


CADENCE_NAMES = {Cadence.WEEK: "周调度", Cadence.TEN_DAYS: "旬调度", Cadence.MONTH: "月调度",
                 Cadence.QUARTER: "季通报"}
_BY_CHINESE = {"周": Cadence.WEEK, "旬": Cadence.TEN_DAYS, "月": Cadence.MONTH, "季": Cadence.QUARTER}


def parse_cadence(raw: str) -> Cadence:
    """week / ten_days / month / quarter, or 周 / 旬 / 月 / 季 (also 周调度, 季通报 …)."""
    text = (raw or "").strip().lower()
    for cadence in Cadence:
        if text == cadence.value:
            return cadence
    if text[:1] in _BY_CHINESE:
        return _BY_CHINESE[text[:1]]
    raise Invalid(f"cadence {raw!r} is not one of week (周), ten_days (旬), month (月), quarter (季)",
                  field="cadence")


def period_containing(cadence: Cadence, day: date) -> str:
    if cadence is Cadence.WEEK:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if cadence is Cadence.TEN_DAYS:
        return f"{day.year}-{day.month:02d}-D{min(3, (day.day - 1) // 10 + 1)}"
    if cadence is Cadence.MONTH:
        return f"{day.year}-{day.month:02d}"
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def period_days(period: str) -> tuple[date, date]:
    """The first and last day of a period in any form `normalize_period` accepts."""
    period = normalize_period(period)
    year = int(period[:4])
    rest = period[4:]
    if rest.startswith("-W"):
        first = date.fromisocalendar(year, int(rest[2:4]), 1)
        return first, first + timedelta(days=6)
    if rest.startswith("Q"):
        first_month = (int(rest[1]) - 1) * 3 + 1
        last_month = first_month + 2
        return date(year, first_month, 1), date(year, last_month, month_calendar.monthrange(year, last_month)[1])
    if rest.startswith("H"):
        return (date(year, 1, 1), date(year, 6, 30)) if rest == "H1" else (date(year, 7, 1), date(year, 12, 31))
    if rest.startswith("-"):
        month = int(rest[1:3])
        end_of_month = month_calendar.monthrange(year, month)[1]
        if rest[3:].startswith("-D"):
            part = int(rest[5])
            return date(year, month, (part - 1) * 10 + 1), date(year, month, end_of_month if part == 3 else part * 10)
        return date(year, month, 1), date(year, month, end_of_month)
    return date(year, 1, 1), date(year, 12, 31)


def next_period(cadence: Cadence, period: str) -> str:
    return period_containing(cadence, period_days(period)[1] + timedelta(days=1))


def report_due_day(calendar: WorkingCalendar, period: str, due_working_days: int) -> date:
    """The last day a period's reports may come: N 工作日 after the period's last day."""
    last = period_days(period)[1]
    return calendar.add_working_days(last, due_working_days) if due_working_days > 0 else last


def answers(report_period: str, period: str) -> bool:
    """A report for `report_period` answers a request for `period` when it is that period or lies
    within it: a unit on 月调度 has answered the 季通报 with its monthly reports (最多报一次)."""
    if report_period == period:
        return True
    first, last = period_days(report_period)
    want_first, want_last = period_days(period)
    return want_first <= first and last <= want_last


def periods_answering(period: str) -> set[str]:
    """Every period a report of which answers `period` (see `answers`): it, and the periods of each
    cadence that lie within it (a quarter's months, 旬 and whole ISO weeks)."""
    first, last = period_days(period)
    within = {normalize_period(period)}
    day = first
    while day <= last:
        within.update(period_containing(cadence, day) for cadence in Cadence)
        day += timedelta(days=1)
    return {p for p in within if answers(p, period)}


def candidate_years(period: str) -> list[str]:
    """The year prefixes of the periods that may answer `period` (ISO weeks cross years)."""
    first, last = period_days(period)
    return [str(y) for y in range(first.year - 1, last.year + 2)]


def answering(reports: list[ProgressReport], period: str) -> list[ProgressReport]:
    """Per task and unit, the report that answers `period`: the one for exactly that period, else the
    latest one within it."""
    chosen: dict[tuple[str, str], ProgressReport] = {}
    for report in reports:
        if not answers(report.period, period):
            continue
        key = (report.task_id, report.unit)
        best = chosen.get(key)
        if best is None or (best.period != period and (
                report.period == period or report.submitted_at > best.submitted_at)):
            chosen[key] = report
    return list(chosen.values())


@dataclass
class ReportingCadence:
    """How often a task list is reported on, and which period's due day is being watched."""

    task_list_id: str
    cadence: Cadence
    due_working_days: int
    set_by: str
    set_at: datetime
    watched_period: str
    watched_due_on: date

    @classmethod
    def start(cls, *, task_list_id: str, cadence: Cadence, due_working_days: int, set_by: str, now: datetime,
              today: date, calendar: WorkingCalendar, max_due_working_days: int) -> ReportingCadence:
        if not 0 <= due_working_days <= max_due_working_days:
            raise Invalid(f"due_working_days must be between 0 and {max_due_working_days}",
                          field="due_working_days")
        if not set_by.strip():
            raise Invalid("say who sets the cadence", field="set_by")
        period = period_containing(cadence, today)
        return cls(task_list_id=task_list_id, cadence=cadence, due_working_days=due_working_days,
                   set_by=set_by.strip(), set_at=now, watched_period=period,
                   watched_due_on=report_due_day(calendar, period, due_working_days))

    @property
    def watched_due_at(self) -> datetime:
        return due_instant(self.watched_due_on)

    def advance(self, calendar: WorkingCalendar) -> None:
        """The watched period's due day has passed: watch the next period."""
        self.watched_period = next_period(self.cadence, self.watched_period)
        self.watched_due_on = report_due_day(calendar, self.watched_period, self.due_working_days)


@dataclass(frozen=True)
class MissedReport:
    task_id: str
    unit: str
    period: str


def missed_reports(tasks: list[TrackedTask], reported: set[tuple[str, str]], period: str) -> list[MissedReport]:
    """Who owes a report for `period` and has not sent it: (task, unit) pairs.

    `reported` holds the (task id, unit) of the period's reports. Completed tasks owe
    nothing; neither do paused tasks (挂起), nor a task assigned after the period ended.
    """
    period_end = due_instant(period_days(period)[1])
    missed = []
    for task in sorted(tasks, key=lambda t: t.id):
        if not task.running:
            continue
        if task.assigned_at is not None and task.assigned_at >= period_end:
            continue
        for unit in task.responsible_units:
            if (task.id, unit) not in reported:
                missed.append(MissedReport(task_id=task.id, unit=unit, period=period))
    return missed
