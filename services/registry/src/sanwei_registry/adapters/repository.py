"""Loading and saving tasks and task lists within the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_kit.calendar import WorkingDayDeadline
from sanwei_kit.db import rows_by_id, update_rows_by_id
from sanwei_kit.errors import NotFound
from sanwei_kit.unit_index import UnitIndex
from sanwei_registry.adapters.tables import deadline_history, extensions, task_lists, task_units, tasks
from sanwei_registry.domain.deadlines import Extension, ExtensionStatus
from sanwei_registry.domain.model import Task, TaskList, TaskStatus


def _task_from_row(row: Any) -> Task:
    deadline = None
    if row.deadline is not None:
        deadline = WorkingDayDeadline(
            day=row.deadline,
            due_at=row.due_at,
            working_days=row.deadline_working_days,
            start=row.deadline_start,
        )
    return Task(
        id=row.id,
        task_list_id=row.task_list_id,
        seq=row.seq,
        title=row.title,
        lead_unit=row.lead_unit,
        co_units=list(row.co_units or []),
        status=TaskStatus(row.status),
        deadline=deadline,
        overdue_at=row.overdue_at,
        completed_at=row.completed_at,
        completed_late=row.completed_late,
        external_id=row.external_id,
        parent_id=row.parent_id,
        paused_at=row.paused_at,
        pause_reason=row.pause_reason,
        paused_days_left=row.paused_days_left,
    )


def _list_from_row(row: Any) -> TaskList:
    return TaskList(id=row.id, title=row.title, source=row.source, created_at=row.created_at,
                    external_id=row.external_id)


def _task_values(task: Task) -> dict[str, Any]:
    d = task.deadline
    return {
        "seq": task.seq,
        "title": task.title,
        "lead_unit": task.lead_unit,
        "co_units": task.co_units,
        "status": task.status.value,
        "deadline": d.day if d else None,
        "due_at": d.due_at if d else None,
        "deadline_working_days": d.working_days if d else None,
        "deadline_start": d.start if d else None,
        "overdue_at": task.overdue_at,
        "completed_at": task.completed_at,
        "completed_late": task.completed_late,
        "paused_at": task.paused_at,
        "pause_reason": task.pause_reason,
        "paused_days_left": task.paused_days_left,
    }


class TaskRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._units = UnitIndex(task_units)

    async def add_list(self, task_list: TaskList) -> None:
        await self._conn.execute(
            task_lists.insert().values(
                id=task_list.id, title=task_list.title, source=task_list.source, created_at=task_list.created_at,
                external_id=task_list.external_id,
            )
        )

    async def save_list(self, task_list: TaskList) -> None:
        await self._conn.execute(
            task_lists.update().where(task_lists.c.id == task_list.id).values(
                title=task_list.title, source=task_list.source
            )
        )

    async def list_by_external_id(self, external_id: str) -> TaskList | None:
        row = (await self._conn.execute(select(task_lists).where(task_lists.c.external_id == external_id))).first()
        return None if row is None else _list_from_row(row)

    async def tasks_of(self, task_list_id: str) -> list[Task]:
        query = select(tasks).where(tasks.c.task_list_id == task_list_id).order_by(tasks.c.position)
        return [_task_from_row(r) for r in (await self._conn.execute(query)).all()]

    async def add(self, task: Task, position: int) -> None:
        await self._conn.execute(
            tasks.insert().values(id=task.id, task_list_id=task.task_list_id, position=position,
                                  external_id=task.external_id, parent_id=task.parent_id, **_task_values(task))
        )
        await self._units.add(self._conn, task.id, [task.lead_unit, *task.co_units])

    async def replace_units(self, task: Task) -> None:
        """Index the task's units anew: after a revision changed its 牵头单位 or 配合单位 (the only way
        they change; `add` indexed them first)."""
        await self._units.replace(self._conn, task.id, [task.lead_unit, *task.co_units])

    async def save(self, task: Task) -> None:
        await self.save_many([task])

    async def save_many(self, changed: list[Task]) -> None:
        """Store changed tasks in one UPDATE statement."""
        await update_rows_by_id(self._conn, tasks, {task.id: _task_values(task) for task in changed})

    async def get(self, task_id: str) -> Task:
        return (await self.get_many([task_id]))[0]

    async def get_many(self, task_ids: list[str]) -> list[Task]:
        """The tasks of `task_ids`, in that order; NotFound names the first one missing."""
        return [_task_from_row(row) for row in await rows_by_id(self._conn, tasks, task_ids, what="task")]

    async def children(self, task_id: str) -> list[Task]:
        query = select(tasks).where(tasks.c.parent_id == task_id).order_by(tasks.c.position)
        return [_task_from_row(r) for r in (await self._conn.execute(query)).all()]

    async def next_position(self, task_list_id: str) -> int:
        query = select(func.coalesce(func.max(tasks.c.position), -1)).where(tasks.c.task_list_id == task_list_id)
        return int((await self._conn.execute(query)).scalar_one()) + 1

    async def get_list(self, task_list_id: str) -> TaskList:
        row = (await self._conn.execute(select(task_lists).where(task_lists.c.id == task_list_id))).first()
        if row is None:
            raise NotFound(f"no task list {task_list_id}")
        return _list_from_row(row)

    async def lists(self, involving: Iterable[str] | None = None) -> list[tuple[TaskList, int]]:
        """Every task list with its number of tasks; with `involving`, only the lists holding tasks one of
        these units leads or co-leads, counting those tasks."""
        query = (
            select(task_lists, func.count(tasks.c.id).label("task_count"))
            .select_from(task_lists.outerjoin(tasks))
            .group_by(task_lists.c.id)
            .order_by(task_lists.c.created_at)
        )
        if involving is not None:
            query = query.where(tasks.c.id.in_(self._units.task_ids(involving)))
        return [(_list_from_row(r), r.task_count) for r in (await self._conn.execute(query)).all()]

    async def find(
        self,
        *,
        task_list_id: str | None = None,
        unit: str | None = None,
        status: TaskStatus | None = None,
        involving: Iterable[str] | None = None,
        limit: int = 500,
        offset: int = 0,
    ) -> list[Task]:
        """A page of tasks; `unit` is the 牵头单位, `involving` units of which one leads or co-leads each."""
        query = select(tasks).order_by(tasks.c.task_list_id, tasks.c.position).limit(limit).offset(offset)
        if task_list_id:
            query = query.where(tasks.c.task_list_id == task_list_id)
        if unit:
            query = query.where(tasks.c.lead_unit == unit)
        if involving is not None:
            query = query.where(tasks.c.id.in_(self._units.task_ids(involving)))
        if status:
            query = query.where(tasks.c.status == status.value)
        return [_task_from_row(r) for r in (await self._conn.execute(query)).all()]

    async def record_deadline(self, task_id: str, *, at: Any, kind: str, deadline: Any, detail: str | None,
                              actor: str | None) -> None:
        """Append one line to the task's deadline history."""
        count = (await self._conn.execute(
            select(func.count()).select_from(deadline_history).where(deadline_history.c.task_id == task_id)
        )).scalar_one()
        await self._conn.execute(deadline_history.insert().values(
            task_id=task_id, position=count, at=at, kind=kind, deadline=deadline, detail=detail, actor=actor
        ))

    async def deadline_history(self, task_id: str) -> list[Any]:
        query = select(deadline_history).where(deadline_history.c.task_id == task_id).order_by(
            deadline_history.c.position)
        return list((await self._conn.execute(query)).all())

    async def add_extension(self, extension: Extension) -> None:
        await self._conn.execute(extensions.insert().values(**_extension_values(extension)))

    async def save_extension(self, extension: Extension) -> None:
        await self._conn.execute(
            extensions.update().where(extensions.c.id == extension.id).values(**_extension_values(extension))
        )

    async def extensions_of(self, task_id: str) -> list[Extension]:
        query = select(extensions).where(extensions.c.task_id == task_id).order_by(extensions.c.requested_at)
        return [_extension_from_row(r) for r in (await self._conn.execute(query)).all()]

    async def get_extension(self, extension_id: str) -> Extension:
        row = (await self._conn.execute(select(extensions).where(extensions.c.id == extension_id))).first()
        if row is None:
            raise NotFound(f"no extension request {extension_id}")
        return _extension_from_row(row)


def _extension_values(e: Extension) -> dict[str, Any]:
    return {
        "id": e.id, "task_id": e.task_id, "requested_by": e.requested_by, "reason": e.reason,
        "requested_deadline": e.requested_deadline, "previous_deadline": e.previous_deadline,
        "requested_at": e.requested_at, "status": e.status.value, "decided_by": e.decided_by,
        "decided_at": e.decided_at, "decision_reason": e.decision_reason,
    }


def _extension_from_row(row: Any) -> Extension:
    return Extension(
        id=row.id, task_id=row.task_id, requested_by=row.requested_by, reason=row.reason,
        requested_deadline=row.requested_deadline, previous_deadline=row.previous_deadline,
        requested_at=row.requested_at, status=ExtensionStatus(row.status), decided_by=row.decided_by,
        decided_at=row.decided_at, decision_reason=row.decision_reason,
    )
