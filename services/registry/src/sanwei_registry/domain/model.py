"""Tasks of a task list (清单) and the rules of their lifecycle.

open ──deadline passes──► overdue ──completion accepted──► completed (late)
open ──completion accepted──────────────────────────────► completed (in time)

A task becomes overdue at most once; a completed task never becomes overdue.

层层分解: a task splits into sub-tasks for lower units (局 → 处 → 科 → 科员). Its status and
deadline follow its sub-tasks by these rules:
- a sub-task's deadline is never later than its parent's; one given none takes the parent's;
- a parent's deadline can't move earlier than a sub-task's;
- a parent becomes overdue as soon as any sub-task does (the lead unit answers for its split);
- a parent completes when all its sub-tasks have completed (late if it was overdue);
- a completed task can no longer be split.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sanwei_kit.calendar import WorkingDayDeadline, local_date
from sanwei_kit.errors import Conflict, Invalid


class TaskStatus(StrEnum):
    OPEN = "open"
    PAUSED = "paused"  # 挂起: the deadline clock stops
    OVERDUE = "overdue"
    COMPLETED = "completed"


@dataclass
class Task:
    id: str
    task_list_id: str
    title: str
    lead_unit: str
    co_units: list[str] = field(default_factory=list)
    seq: str | None = None
    status: TaskStatus = TaskStatus.OPEN
    deadline: WorkingDayDeadline | None = None  # 完成时限: a date, or N 工作日 from a start day
    overdue_at: datetime | None = None
    completed_at: datetime | None = None
    completed_late: bool | None = None
    external_id: str | None = None  # the caller's id of this task within its list
    parent_id: str | None = None  # the task this one was split from (层层分解)
    paused_at: datetime | None = None
    pause_reason: str | None = None
    paused_days_left: int | None = None  # working days left when paused, counted again on resume

    def pause(self, reason: str, now: datetime, days_left: int) -> None:
        if self.status is not TaskStatus.OPEN:
            raise Conflict(f"task {self.id} is {self.status}; only an open task can be paused")
        if self.deadline is None:
            raise Conflict(f"task {self.id} has no deadline; there is no clock to stop")
        if not reason.strip():
            raise Invalid("a pause needs a reason", field="reason")
        self.status = TaskStatus.PAUSED
        self.paused_at = now
        self.pause_reason = reason
        self.paused_days_left = days_left

    def resume(self, deadline: WorkingDayDeadline) -> None:
        if self.status is not TaskStatus.PAUSED:
            raise Conflict(f"task {self.id} is {self.status}, not paused")
        self.status = TaskStatus.OPEN
        self.deadline = deadline
        self.paused_at = None
        self.pause_reason = None
        self.paused_days_left = None

    def revise(self, *, title: str, lead_unit: str, co_units: list[str], seq: str | None) -> dict[str, tuple[Any, Any]]:
        """A new version of the task came from its source (a re-import, an OA push).

        Returns what changed as {field: (old, new)}; nothing changes when nothing differs.
        A completed task is closed: its text and units can no longer change.
        """
        co_units = [u for u in dict.fromkeys(co_units) if u != lead_unit]
        wanted = {"title": title, "lead_unit": lead_unit, "co_units": co_units, "seq": seq}
        changes = {name: (getattr(self, name), value) for name, value in wanted.items() if getattr(self, name) != value}
        if changes and self.status is TaskStatus.COMPLETED:
            raise Conflict(f"task {self.id} is completed; its {', '.join(changes)} can no longer change")
        for name, (_old, new) in changes.items():
            setattr(self, name, new)
        return changes

    def set_deadline(self, deadline: WorkingDayDeadline, now: datetime) -> None:
        if self.status is TaskStatus.COMPLETED:
            raise Conflict(f"task {self.id} is completed; its deadline can no longer change")
        if self.status is TaskStatus.OVERDUE:
            raise Conflict(f"task {self.id} is already overdue; a new deadline would hide that")
        if self.status is TaskStatus.PAUSED:
            raise Conflict(f"task {self.id} is paused (挂起); resume it to count its deadline again")
        if deadline.day < local_date(now):
            raise Invalid(f"deadline {deadline.day} is already in the past", field="deadline")
        self.deadline = deadline

    def mark_overdue(self, now: datetime) -> bool:
        """The deadline timer fired. True if this made the task overdue (only ever once)."""
        if self.status is not TaskStatus.OPEN or self.deadline is None:
            return False
        if not self.deadline.has_passed(now):
            return False
        self.status = TaskStatus.OVERDUE
        self.overdue_at = now
        return True

    def follow_overdue_child(self, now: datetime) -> bool:
        """A sub-task became overdue: so does this task, once. True if this made it overdue."""
        if self.status is not TaskStatus.OPEN:
            return False
        self.status = TaskStatus.OVERDUE
        self.overdue_at = now
        return True

    def complete(self, now: datetime) -> bool:
        """The issuing unit accepted completion. True if this completed the task now."""
        if self.status is TaskStatus.COMPLETED:
            return False
        self.completed_late = self.status is TaskStatus.OVERDUE
        self.status = TaskStatus.COMPLETED
        self.completed_at = now
        return True


@dataclass
class TaskList:
    id: str
    title: str
    created_at: datetime
    source: str | None = None
    external_id: str | None = None  # the caller's id of the list: pushes and re-imports are idempotent by it


def sub_task_deadline(parent: Task, wanted: WorkingDayDeadline | None) -> WorkingDayDeadline | None:
    """The deadline of a new sub-task of `parent`: the one wanted, never later than the parent's."""
    if parent.status is TaskStatus.COMPLETED:
        raise Conflict(f"task {parent.id} is completed; it can no longer be split")
    if wanted is None:
        return parent.deadline
    if parent.deadline is not None and wanted.day > parent.deadline.day:
        raise Invalid(f"a sub-task's deadline {wanted.day} may not be later than its parent's {parent.deadline.day}",
                      field="deadline")
    return wanted


def check_deadline_in_tree(new: WorkingDayDeadline, parent: Task | None, children: list[Task]) -> None:
    """A changed deadline stays within its parent's and not before any sub-task's."""
    if parent is not None and parent.deadline is not None and new.day > parent.deadline.day:
        raise Invalid(f"deadline {new.day} is later than the parent task's {parent.deadline.day}", field="deadline")
    later = [c.deadline.day for c in children if c.deadline is not None and c.deadline.day > new.day]
    if later:
        raise Invalid(f"deadline {new.day} is earlier than a sub-task's {max(later)}", field="deadline")


def all_done(children: list[Task]) -> bool:
    """A parent completes when it has sub-tasks and every one of them is completed."""
    return bool(children) and all(c.status is TaskStatus.COMPLETED for c in children)
