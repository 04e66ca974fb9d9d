"""What a unit needs to see (我的任务): its tasks, what falls due soon, what is overdue, and the
progress reports it owes this week. Pure rules over the read model.

- mine: open tasks the unit leads (牵头) or helps with (配合), paused ones (挂起) included;
- due_soon: of those, the ones whose deadline is within N 工作日 from today and not passed;
- overdue: the ones whose deadline has passed (a pending or sent-back completion claim does
  not stop the deadline; a pause does, so a paused task is neither due soon nor overdue);
- owed_this_week: progress reports whose due day falls in this week (Monday to Sunday) and
  that the unit has not sent, plus every missed report it has not sent even late.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sanwei_kit.calendar import WorkingCalendar, local_date
from sanwei_progress.domain.cadence import ReportingCadence, answers, missed_reports
from sanwei_progress.domain.model import ProgressReport, TaskStatus, TrackedTask
from sanwei_progress.domain.sheet import match_unit


class UnitView(StrEnum):
    MINE = "mine"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    OWED_THIS_WEEK = "owed_this_week"


@dataclass(frozen=True)
class Owed:
    task_id: str
    period: str
    due_on: date
    missed: bool  # the due day has passed already (逾期未报)


def tasks_of_unit(unit: str, tasks: list[TrackedTask]) -> list[tuple[TrackedTask, str]]:
    """Open tasks the unit is responsible for, each with the unit's name as the task spells it."""
    found = []
    for task in tasks:
        if task.status is not TaskStatus.OPEN:
            continue
        name = match_unit(unit, task.responsible_units)
        if name is not None:
            found.append((task, name))
    return found


def names_meaning(unit: str, names: Iterable[str]) -> list[str]:
    """The names of `names` that `unit` may mean (“投促局” may be 区投促局, see `match_unit`).

    A task `tasks_of_unit` gives the unit names one of them: the name it matched among the
    task's units matches alone too. So only the tasks naming one of these need reading.
    """
    return [name for name in names if match_unit(unit, [name]) is not None]


def is_overdue(task: TrackedTask, now: datetime) -> bool:
    return task.running and task.due_at is not None and now >= task.due_at


def due_soon_until(calendar: WorkingCalendar, now: datetime, working_days: int) -> date:
    """The last deadline still “due soon”: N 工作日 after today."""
    return calendar.add_working_days(local_date(now), working_days)


def is_due_soon(task: TrackedTask, now: datetime, until: date) -> bool:
    return (task.running and task.deadline is not None and task.due_at is not None
            and now < task.due_at and task.deadline <= until)


def week_of(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def owed_reports(
    mine: list[tuple[TrackedTask, str]],
    cadences: dict[str, ReportingCadence],
    reports: list[ProgressReport],
    unanswered_misses: list[tuple[str, str, date]],
    today: date,
) -> list[Owed]:
    """The reports the unit owes this week. `reports` are the unit's reports (at least those that may
    answer a watched period: `periods_answering`); `unanswered_misses` its missed (task id, period,
    due day) not reported even late."""
    monday, sunday = week_of(today)
    owed = [Owed(task_id, period, due_on, missed=True) for task_id, period, due_on in unanswered_misses]
    known = {(o.task_id, o.period) for o in owed}
    # Each task's reports looked up, not searched for: a unit with thousands of tasks has thousands of reports.
    reports_of: dict[str, list[ProgressReport]] = defaultdict(list)
    for report in reports:
        reports_of[report.task_id].append(report)
    for task, unit in mine:
        cadence = cadences.get(task.task_list_id or "")
        if cadence is None or not monday <= cadence.watched_due_on <= sunday:
            continue
        period = cadence.watched_period
        answered = {(r.task_id, r.unit) for r in reports_of.get(task.id, ()) if answers(r.period, period)}
        if any(m.unit == unit for m in missed_reports([task], answered, period)) and (task.id, period) not in known:
            owed.append(Owed(task.id, period, cadence.watched_due_on, missed=False))
    return sorted(owed, key=lambda o: (o.due_on, o.task_id))
