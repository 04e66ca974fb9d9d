"""Tasks of a task list (清单) and the rules of their lifecycle.

open ──deadline passes──► overdue ──completion accepted──► completed (late)
open ──completion accepted──────────────────────────────► completed (in time)

A task becomes overdue at most once; a completed task never becomes overdue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sanwei_kit.calendar import WorkingDayDeadline, local_date
from sanwei_kit.errors import Conflict, Invalid


class TaskStatus(StrEnum):
    OPEN = "open"
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

    def set_deadline(self, deadline: WorkingDayDeadline, now: datetime) -> None:
        if self.status is TaskStatus.COMPLETED:
            raise Conflict(f"task {self.id} is completed; its deadline can no longer change")
        if self.status is TaskStatus.OVERDUE:
            raise Conflict(f"task {self.id} is already overdue; a new deadline would hide that")
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
