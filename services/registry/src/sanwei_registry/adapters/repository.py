"""Loading and saving tasks and task lists within the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_kit.calendar import WorkingDayDeadline
from sanwei_kit.errors import NotFound
from sanwei_registry.adapters.tables import task_lists, tasks
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
    )


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
    }


class TaskRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_list(self, task_list: TaskList) -> None:
        await self._conn.execute(
            task_lists.insert().values(
                id=task_list.id, title=task_list.title, source=task_list.source, created_at=task_list.created_at
            )
        )

    async def add(self, task: Task, position: int) -> None:
        await self._conn.execute(
            tasks.insert().values(id=task.id, task_list_id=task.task_list_id, position=position, **_task_values(task))
        )

    async def save(self, task: Task) -> None:
        await self._conn.execute(tasks.update().where(tasks.c.id == task.id).values(**_task_values(task)))

    async def get(self, task_id: str) -> Task:
        row = (await self._conn.execute(select(tasks).where(tasks.c.id == task_id))).first()
        if row is None:
            raise NotFound(f"no task {task_id}")
        return _task_from_row(row)

    async def get_list(self, task_list_id: str) -> TaskList:
        row = (await self._conn.execute(select(task_lists).where(task_lists.c.id == task_list_id))).first()
        if row is None:
            raise NotFound(f"no task list {task_list_id}")
        return TaskList(id=row.id, title=row.title, source=row.source, created_at=row.created_at)

    async def lists(self) -> list[tuple[TaskList, int]]:
        query = (
            select(task_lists, func.count(tasks.c.id).label("task_count"))
            .select_from(task_lists.outerjoin(tasks))
            .group_by(task_lists.c.id)
            .order_by(task_lists.c.created_at)
        )
        rows = (await self._conn.execute(query)).all()
        return [
            (TaskList(id=r.id, title=r.title, source=r.source, created_at=r.created_at), r.task_count)
            for r in rows
        ]

    async def find(
        self,
        *,
        task_list_id: str | None = None,
        unit: str | None = None,
        status: TaskStatus | None = None,
        limit: int = 500,
        offset: int = 0,
    ) -> list[Task]:
        query = select(tasks).order_by(tasks.c.task_list_id, tasks.c.position).limit(limit).offset(offset)
        if task_list_id:
            query = query.where(tasks.c.task_list_id == task_list_id)
        if unit:
            query = query.where(tasks.c.lead_unit == unit)
        if status:
            query = query.where(tasks.c.status == status.value)
        return [_task_from_row(r) for r in (await self._conn.execute(query)).all()]
