"""挂起 (pause) and 延期 (extension) arithmetic on working-day deadlines. Pure.

Pause: the clock stops. The working days left are those from the pause day to the
deadline, both included (the day of pausing is given back to the task); on resume they
are counted again from the day after the resume day. A task paused on its deadline day
with nothing else left gets the resume day itself.

Extension: asked by the responsible unit strictly before the deadline passes, for a later
last day; approved or refused by the issuing unit. Only one request is pending at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sanwei_kit.calendar import WorkingCalendar, WorkingDayDeadline
from sanwei_kit.errors import Conflict, Invalid


def working_days_left(calendar: WorkingCalendar, paused_on: date, deadline: date) -> int:
    """Working days from `paused_on` to `deadline`, both included."""
    left, day = 0, paused_on
    while day <= deadline:
        left += calendar.is_working_day(day)
        day += timedelta(days=1)
    return left


def deadline_on_resume(calendar: WorkingCalendar, resumed_on: date, left: int) -> WorkingDayDeadline:
    """The new deadline: the days left, counted from the day after `resumed_on`."""
    if left < 1:
        return WorkingDayDeadline.on(resumed_on)
    return WorkingDayDeadline.after_working_days(calendar, resumed_on, left)


class ExtensionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


@dataclass
class Extension:
    id: str
    task_id: str
    requested_by: str
    reason: str
    requested_deadline: date
    requested_at: datetime
    previous_deadline: date
    status: ExtensionStatus = ExtensionStatus.PENDING
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = None

    def decide(self, approve: bool, by: str, now: datetime, reason: str | None) -> None:
        if self.status is not ExtensionStatus.PENDING:
            raise Conflict(f"extension request {self.id} was already {self.status}")
        if not approve and not reason:
            raise Invalid("a refusal needs a reason", field="reason")
        self.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
        self.decided_by = by
        self.decided_at = now
        self.decision_reason = reason


def check_extension_request(current: WorkingDayDeadline | None, wanted: date, now: datetime,
                            task_is_open: bool, pending: bool) -> None:
    """An extension must be asked before the deadline passes, for a later day, one at a time."""
    if current is None:
        raise Conflict("the task has no deadline to extend")
    if not task_is_open:
        raise Conflict("only an open task (not paused, overdue or completed) can be extended")
    if current.has_passed(now):
        raise Conflict(f"the deadline {current.day} has passed; an extension must be asked before it")
    if wanted <= current.day:
        raise Invalid(f"the new deadline {wanted} must be later than the current {current.day}", field="deadline")
    if pending:
        raise Conflict("an extension request for this task is already waiting for a decision")


# ── 红黄灯 and 催办 ──────────────────────────────────────────────────────────────
#
# green: more than N working days after today up to the deadline; yellow: N or fewer;
# red: the deadline day itself, and an overdue task; no light for a task without a
# deadline, a paused one or a completed one. Warnings fire as the light turns: yellow at
# the start of the working day from which N working days are left, red at the start of the
# deadline day. 催办 (reminder) fires at the start of the first working day after the deadline.


class Light(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


def working_days_after(calendar: WorkingCalendar, today: date, deadline: date) -> int:
    """Working days after `today` up to and including `deadline`."""
    return working_days_left(calendar, today + timedelta(days=1), deadline)


def light(calendar: WorkingCalendar, today: date, deadline: date | None, *, overdue: bool, active: bool,
          yellow_days: int) -> Light | None:
    if overdue:
        return Light.RED
    if deadline is None or not active:
        return None
    if today >= deadline:
        return Light.RED
    return Light.YELLOW if working_days_after(calendar, today, deadline) <= yellow_days else Light.GREEN


def yellow_day(calendar: WorkingCalendar, deadline: date, yellow_days: int) -> date:
    """The working day from which `yellow_days` working days (after it) are left to the deadline."""
    day, counted = deadline, 0
    while counted < yellow_days:
        counted += calendar.is_working_day(day)
        day -= timedelta(days=1)
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return day


def reminder_day(calendar: WorkingCalendar, deadline: date) -> date:
    """The first working day after the deadline (催办)."""
    day = deadline + timedelta(days=1)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day
