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
    parent_id: str | None = Field(default=None, description="The task this sub-task was split from (层层分解).")
    units_merged_above: bool | None = Field(
        default=None,
        description="From a sheet: its 责任单位 cell was merged with (or left empty under) the row above, so the "
                    "units were inherited; the 落实情况表 merges it the same way. None when not from a sheet.",
    )


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


class TaskUpdated(EventData):
    """A task's text or units changed at its source (a re-imported sheet, an OA push).

    Carries the task as it is now and the names of the fields that changed; a deadline
    change is a separate `deadline_set`.
    """

    task_id: str
    seq: str | None = Field(default=None, description="序号 in the source.")
    title: str = Field(description="主要任务, as it is now.")
    lead_unit: str = Field(description="牵头单位, as it is now.")
    co_units: list[str] = Field(default_factory=list, description="配合单位, as they are now.")
    changed: list[str] = Field(default_factory=list, description="Which of seq/title/lead_unit/co_units changed.")


class TaskDecomposed(EventData):
    """A task was split (层层分解) into sub-tasks for lower units; each sub-task is also `assigned`."""

    task_id: str = Field(description="The parent task.")
    sub_task_ids: list[str]
    units: list[str] = Field(default_factory=list, description="The sub-tasks' 牵头单位, in order.")


class TaskPaused(EventData):
    """A task was paused (挂起) with a reason: its deadline clock stops, its overdue timer is cancelled."""

    task_id: str
    reason: str
    paused_at: datetime
    working_days_left: int = Field(description="Working days left, counted again from the day after resuming.")


class TaskResumed(EventData):
    """A paused task was resumed: the working days left give its new deadline (also sent as `deadline_set`)."""

    task_id: str
    resumed_at: datetime
    deadline: date
    due_at: datetime
    working_days_left: int


class TaskExtensionRequested(EventData):
    """The responsible unit asked, before the deadline, for a later one (申请延期)."""

    task_id: str
    extension_id: str
    requested_by: str
    reason: str
    current_deadline: date
    requested_deadline: date


class TaskExtensionApproved(EventData):
    """The issuing unit approved an extension: the task's deadline moves and its timer is re-armed."""

    task_id: str
    extension_id: str
    approved_by: str
    previous_deadline: date
    deadline: date
    due_at: datetime


class TaskExtensionRefused(EventData):
    """The issuing unit refused an extension, with a reason: the deadline stays."""

    task_id: str
    extension_id: str
    refused_by: str
    reason: str
    deadline: date


class TaskDeadlineWarned(EventData):
    """红黄灯: yellow some working days before a task's deadline, red on the deadline day."""

    task_id: str
    light: str = Field(description="yellow or red.")
    title: str
    lead_unit: str
    deadline: date
    due_at: datetime
    working_days_left: int = Field(description="Working days after today up to the deadline (0 on the day).")


class TaskReminded(EventData):
    """催办: the working day after its deadline, an unfinished task's lead unit is reminded."""

    task_id: str
    title: str
    lead_unit: str
    co_units: list[str] = Field(default_factory=list)
    deadline: date
