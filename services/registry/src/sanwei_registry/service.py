"""Registry use cases: each runs in one transaction and records the events it causes.

The HTTP API, the event handlers and the timers call these; none of them touches the
domain or the database directly.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_contracts import Envelope
from sanwei_contracts.events.registry import TaskAssigned, TaskCompleted, TaskDeadlineSet, TaskOverdue
from sanwei_kit import timers
from sanwei_kit.calendar import WorkingDayDeadline, local_date
from sanwei_kit.errors import Invalid
from sanwei_kit.runtime import Runtime
from sanwei_kit.timers import DueTimer
from sanwei_registry.adapters.repository import TaskRepository
from sanwei_registry.domain.model import Task, TaskList
from sanwei_registry.domain.sheet import SheetRead

TASK_DUE = "task.due"


@dataclass
class NewTask:
    title: str
    lead_unit: str
    co_units: list[str] = field(default_factory=list)
    seq: str | None = None
    deadline: date | None = None
    working_days: int | None = None


class RegistryService:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime

    def _deadline(
        self, deadline: date | None, working_days: int | None, start: date | None = None
    ) -> WorkingDayDeadline | None:
        if deadline is not None and working_days is not None:
            raise Invalid("give either deadline or working_days, not both", field="deadline")
        if deadline is not None:
            return WorkingDayDeadline.on(deadline)
        if working_days is not None:
            start = start or local_date(self.rt.clock.now())
            return WorkingDayDeadline.after_working_days(self.rt.calendar, start, working_days)
        return None

    async def create_task_list(self, title: str, new_tasks: list[NewTask], *, source: str | None = None,
                               actor: str | None = None) -> tuple[TaskList, list[Task]]:
        now = self.rt.clock.now()
        task_list = TaskList(id=str(uuid.uuid4()), title=title, created_at=now, source=source)
        created: list[Task] = []
        async with self.rt.db.transaction() as conn:
            repo = TaskRepository(conn)
            await repo.add_list(task_list)
            for position, spec in enumerate(new_tasks):
                task = Task(
                    id=str(uuid.uuid4()),
                    task_list_id=task_list.id,
                    seq=spec.seq,
                    title=spec.title,
                    lead_unit=spec.lead_unit,
                    co_units=[u for u in spec.co_units if u != spec.lead_unit],
                )
                deadline = self._deadline(spec.deadline, spec.working_days)
                if deadline:
                    task.set_deadline(deadline, now)
                await repo.add(task, position)
                await self.rt.events.emit(
                    conn,
                    TaskAssigned(
                        task_id=task.id,
                        task_list_id=task_list.id,
                        task_list_title=title,
                        seq=task.seq,
                        title=task.title,
                        lead_unit=task.lead_unit,
                        co_units=task.co_units,
                        deadline=deadline.day if deadline else None,
                        due_at=deadline.due_at if deadline else None,
                    ),
                    subject=f"task/{task.id}",
                    case_id=task.id,
                    actor=actor,
                )
                if deadline:
                    await self._arm(conn, task)
                created.append(task)
        self.rt.committed()
        return task_list, created

    async def import_sheet(self, read: SheetRead, *, title: str | None, source: str,
                           actor: str | None = None) -> tuple[TaskList, list[Task]]:
        if not read.tasks:
            raise Invalid("the sheet holds no task that could be read", field="file")
        new_tasks = [
            NewTask(title=t.title, lead_unit=t.lead_unit, co_units=t.co_units, seq=t.seq) for t in read.tasks
        ]
        return await self.create_task_list(title or read.title or source, new_tasks, source=source, actor=actor)

    async def set_deadline(self, task_id: str, *, deadline: date | None, working_days: int | None,
                           start: date | None = None, actor: str | None = None) -> Task:
        new_deadline = self._deadline(deadline, working_days, start)
        if new_deadline is None:
            raise Invalid("give a deadline or a number of working_days", field="deadline")
        async with self.rt.db.transaction() as conn:
            repo = TaskRepository(conn)
            task = await repo.get(task_id)
            task.set_deadline(new_deadline, self.rt.clock.now())
            await repo.save(task)
            await self._arm(conn, task)
            await self.rt.events.emit(
                conn,
                TaskDeadlineSet(
                    task_id=task.id,
                    deadline=new_deadline.day,
                    due_at=new_deadline.due_at,
                    working_days=new_deadline.working_days,
                    start=new_deadline.start,
                ),
                subject=f"task/{task.id}",
                case_id=task.id,
                actor=actor,
            )
        self.rt.committed()
        return task

    async def _arm(self, conn: AsyncConnection, task: Task) -> None:
        assert task.deadline is not None
        await timers.schedule(conn, self.rt.tables, kind=TASK_DUE, key=task.id, due_at=task.deadline.due_at)

    async def on_task_due(self, conn: AsyncConnection, timer: DueTimer) -> None:
        """The deadline timer fired: an open task becomes overdue, exactly once."""
        repo = TaskRepository(conn)
        task = await repo.get(timer.key)
        if not task.mark_overdue(self.rt.clock.now()):
            return
        await repo.save(task)
        assert task.deadline is not None
        await self.rt.events.emit(
            conn,
            TaskOverdue(
                task_id=task.id,
                title=task.title,
                lead_unit=task.lead_unit,
                co_units=task.co_units,
                deadline=task.deadline.day,
                due_at=task.deadline.due_at,
            ),
            subject=f"task/{task.id}",
            case_id=task.id,
        )

    async def on_completion_accepted(self, conn: AsyncConnection, event: Envelope[Any]) -> None:
        """The issuing unit accepted the completion claim: the task is completed."""
        repo = TaskRepository(conn)
        task = await repo.get(event.data.task_id)
        now = self.rt.clock.now()
        if not task.complete(now):
            return
        await repo.save(task)
        await timers.cancel(conn, self.rt.tables, kind=TASK_DUE, key=task.id)
        await self.rt.events.emit(
            conn,
            TaskCompleted(task_id=task.id, claim_id=event.data.claim_id, completed_at=now, late=bool(task.completed_late)),
            subject=f"task/{task.id}",
            case_id=task.id,
            cause=event,
        )
