"""Operator corrections of the working-day calendar (the State Council publishes late). Pure.

A correction gives, for one year, the days that differ from the official data (true: a
working day, false: a day off). Corrections are versioned: the latest version of a year
replaces that year's earlier ones. Each correction chooses a policy for deadlines already
running: `recompute` counts every open task's N 工作日 again on the corrected calendar
(recording which deadlines moved), `keep` leaves them as they were fixed. Deadlines given as
a date, paused tasks (their days left are counted on resume) and closed tasks never move.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sanwei_kit.calendar import WorkingCalendar, WorkingDayDeadline
from sanwei_kit.errors import Invalid
from sanwei_registry.domain.model import Task, TaskStatus


class CalendarPolicy(StrEnum):
    RECOMPUTE = "recompute"
    KEEP = "keep"


def check_correction(year: int, days: dict[date, bool]) -> None:
    if not days:
        raise Invalid("a correction lists at least one day", field="days")
    outside = sorted(d for d in days if d.year != year)
    if outside:
        raise Invalid(f"{outside[0]} is not in {year}", field="days")


def corrected_calendar(base: dict[date, bool], versions: list[tuple[int, dict[date, bool]]]) -> WorkingCalendar:
    """The calendar with the file's overrides, then the latest correction of each year (versions oldest first)."""
    latest: dict[int, dict[date, bool]] = {}
    for year, days in versions:
        latest[year] = days
    overrides = dict(base)
    for days in latest.values():
        overrides.update(days)
    return WorkingCalendar(overrides)


def recomputed(task: Task, calendar: WorkingCalendar) -> WorkingDayDeadline | None:
    """A running task's deadline counted again on `calendar`, if that moves it."""
    deadline = task.deadline
    if task.status is not TaskStatus.OPEN or deadline is None or not deadline.is_counted:
        return None
    assert deadline.start is not None and deadline.working_days is not None
    again = WorkingDayDeadline.after_working_days(calendar, deadline.start, deadline.working_days)
    return again if again.day != deadline.day else None
