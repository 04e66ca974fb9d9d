"""Events of the registry service: task lists (清单式管理), tasks and their deadlines."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from sanwei_contracts.events.common import EventData


class TaskAssigned(EventData):
    """A task of a task list was registered and assigned to its 牵头单位 and 配合单位."""

    task_id: str
    task_list_id: str
    task_list_title: str
    seq: str | None = Field(default=None, description="序号 in the source sheet.")
    title: str = Field(description="主要任务: what must be done.")
    lead_unit: str = Field(description="牵头单位.")
    co_units: list[str] = Field(default_factory=list, description="配合单位.")
    deadline: date | None = Field(default=None, description="完成时限, the last working day.")
    due_at: datetime | None = Field(default=None, description="The instant the task is overdue.")


class TaskDeadlineSet(EventData):
    """A task's deadline was set or changed; its overdue timer is re-armed."""

    task_id: str
    deadline: date
    due_at: datetime
    working_days: int | None = Field(
        default=None, description="Set as N 工作日 from `start`, if it was."
    )
    start: date | None = None


class TaskOverdue(EventData):
    """A task's deadline passed and it was not completed (emitted exactly once per task)."""

    task_id: str
    title: str
    lead_unit: str
    co_units: list[str] = Field(default_factory=list)
    deadline: date
    due_at: datetime


class TaskCompleted(EventData):
    """A task was completed: its completion claim was accepted by the issuing unit."""

    task_id: str
    claim_id: str | None = None
    completed_at: datetime
    late: bool = Field(description="True when completed after its deadline passed.")
