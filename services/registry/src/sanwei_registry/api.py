"""The registry's HTTP API: task lists (清单), tasks, deadlines, sheet import."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Query, UploadFile
from pydantic import BaseModel, Field, model_validator

from sanwei_kit.runtime import Runtime
from sanwei_registry.adapters.repository import TaskRepository
from sanwei_registry.adapters.spreadsheet import rows_from_file
from sanwei_registry.domain.model import Task, TaskList, TaskStatus
from sanwei_registry.domain.sheet import read_sheet
from sanwei_registry.service import NewTask, RegistryService


class TaskIn(BaseModel):
    title: str = Field(min_length=1, max_length=2000, description="主要任务")
    lead_unit: str = Field(min_length=1, max_length=200, description="牵头单位")
    co_units: list[str] = Field(default_factory=list, description="配合单位")
    seq: str | None = Field(default=None, max_length=50, description="序号")
    deadline: date | None = Field(default=None, description="完成时限 (last working day)")
    working_days: int | None = Field(default=None, ge=1, le=3650, description="or: N 工作日 from today")

    @model_validator(mode="after")
    def _one_deadline(self) -> TaskIn:
        if self.deadline is not None and self.working_days is not None:
            raise ValueError("give either deadline or working_days, not both")
        return self


class TaskListIn(BaseModel):
    title: str = Field(min_length=1, max_length=500, examples=["2019年《政府工作报告》主要工作任务"])
    tasks: list[TaskIn] = Field(min_length=1, max_length=5000)


class DeadlineIn(BaseModel):
    deadline: date | None = None
    working_days: int | None = Field(default=None, ge=1, le=3650)
    start: date | None = Field(default=None, description="Count working days from this day (default: today)")

    @model_validator(mode="after")
    def _one_of(self) -> DeadlineIn:
        if (self.deadline is None) == (self.working_days is None):
            raise ValueError("give exactly one of deadline or working_days")
        return self


class TaskView(BaseModel):
    id: str
    task_list_id: str
    seq: str | None
    title: str
    lead_unit: str
    co_units: list[str]
    status: TaskStatus
    deadline: date | None
    due_at: datetime | None
    overdue_at: datetime | None
    completed_at: datetime | None
    completed_late: bool | None

    @classmethod
    def of(cls, task: Task) -> TaskView:
        d = task.deadline
        return cls(
            id=task.id, task_list_id=task.task_list_id, seq=task.seq, title=task.title,
            lead_unit=task.lead_unit, co_units=task.co_units, status=task.status,
            deadline=d.day if d else None, due_at=d.due_at if d else None,
            overdue_at=task.overdue_at, completed_at=task.completed_at, completed_late=task.completed_late,
        )


class TaskListView(BaseModel):
    id: str
    title: str
    source: str | None
    created_at: datetime
    task_count: int

    @classmethod
    def of(cls, task_list: TaskList, count: int) -> TaskListView:
        return cls(id=task_list.id, title=task_list.title, source=task_list.source,
                   created_at=task_list.created_at, task_count=count)


class TaskListCreated(TaskListView):
    tasks: list[TaskView]


class RowProblem(BaseModel):
    row: int
    reason: str


class ImportReport(BaseModel):
    dry_run: bool
    title: str | None
    header_row: int | None
    tasks_read: int
    rows_inheriting_units: int
    unreadable_rows: list[RowProblem]
    task_list: TaskListCreated | None = None
    preview: list[TaskIn] = Field(default_factory=list)


class SkippedDayView(BaseModel):
    day: date
    reason: str


class DeadlineExplanationView(BaseModel):
    task_id: str
    deadline: date
    due_at: datetime
    set_as: str
    start: date | None = None
    working_days: int | None = None
    counted: list[date] = Field(default_factory=list)
    skipped: list[SkippedDayView] = Field(default_factory=list)
    makeup_days: list[date] = Field(default_factory=list)
    provisional_years: list[int] = Field(default_factory=list)


def build_router(runtime: Runtime, service: RegistryService, max_upload_bytes: int) -> APIRouter:
    router = APIRouter(tags=["registry"])

    @router.post("/task-lists", status_code=201, response_model=TaskListCreated,
                 summary="Register a task list (清单) with its tasks")
    async def create_task_list(body: TaskListIn) -> TaskListCreated:
        new = [NewTask(**t.model_dump()) for t in body.tasks]
        task_list, tasks = await service.create_task_list(body.title, new)
        return TaskListCreated(**TaskListView.of(task_list, len(tasks)).model_dump(),
                               tasks=[TaskView.of(t) for t in tasks])

    @router.post("/task-lists/import", response_model=ImportReport,
                 summary="Import a task sheet (xlsx or csv, e.g. a 主要工作任务落实情况表)",
                 description="Finds the header row (序号/主要任务/责任单位 …) below any title rows; a row whose "
                             "责任单位 cell is empty or merged inherits the units above. With dry_run nothing "
                             "is created and the report lists what would be, and every unreadable row.")
    async def import_task_list(
        file: Annotated[UploadFile, File(description="The .xlsx or .csv sheet")],
        title: Annotated[str | None, Form(max_length=500)] = None,
        dry_run: Annotated[bool, Form()] = False,
    ) -> ImportReport:
        content = await file.read(max_upload_bytes + 1)
        if len(content) > max_upload_bytes:
            raise HTTPException(413, detail={"reason": f"file larger than {max_upload_bytes} bytes"})
        read = read_sheet(rows_from_file(file.filename or "upload", content))
        report = ImportReport(
            dry_run=dry_run,
            title=title or read.title,
            header_row=read.header_row,
            tasks_read=len(read.tasks),
            rows_inheriting_units=sum(1 for t in read.tasks if t.inherited_units),
            unreadable_rows=[RowProblem(row=e.row, reason=e.reason) for e in read.errors],
        )
        if dry_run:
            report.preview = [TaskIn(title=t.title, lead_unit=t.lead_unit, co_units=t.co_units, seq=t.seq)
                              for t in read.tasks]
            return report
        task_list, tasks = await service.import_sheet(read, title=title, source=file.filename or "upload")
        report.task_list = TaskListCreated(**TaskListView.of(task_list, len(tasks)).model_dump(),
                                           tasks=[TaskView.of(t) for t in tasks])
        return report

    @router.get("/task-lists", response_model=list[TaskListView], summary="All task lists")
    async def list_task_lists() -> list[TaskListView]:
        async with runtime.db.connect() as conn:
            return [TaskListView.of(tl, n) for tl, n in await TaskRepository(conn).lists()]

    @router.get("/tasks", response_model=list[TaskView], summary="Tasks, filtered by list, lead unit or status")
    async def list_tasks(
        task_list_id: str | None = None,
        unit: Annotated[str | None, Query(description="牵头单位")] = None,
        status: TaskStatus | None = None,
        limit: Annotated[int, Query(ge=1, le=5000)] = 500,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[TaskView]:
        async with runtime.db.connect() as conn:
            found = await TaskRepository(conn).find(
                task_list_id=task_list_id, unit=unit, status=status, limit=limit, offset=offset
            )
        return [TaskView.of(t) for t in found]

    @router.get("/tasks/{task_id}", response_model=TaskView, summary="One task")
    async def get_task(task_id: str) -> TaskView:
        async with runtime.db.connect() as conn:
            return TaskView.of(await TaskRepository(conn).get(task_id))

    @router.put("/tasks/{task_id}/deadline", response_model=TaskView,
                summary="Set a task's deadline: a date, or N 工作日 from a start day")
    async def set_deadline(task_id: str, body: DeadlineIn) -> TaskView:
        task = await service.set_deadline(task_id, deadline=body.deadline, working_days=body.working_days,
                                          start=body.start)
        return TaskView.of(task)

    @router.get("/tasks/{task_id}/deadline/explain", response_model=DeadlineExplanationView,
                summary="How a task's deadline was computed: days counted, holidays and 调休 skipped")
    async def explain_deadline(task_id: str) -> DeadlineExplanationView:
        async with runtime.db.connect() as conn:
            task = await TaskRepository(conn).get(task_id)
        if task.deadline is None:
            raise HTTPException(404, detail={"reason": f"task {task_id} has no deadline"})
        view = DeadlineExplanationView(task_id=task.id, deadline=task.deadline.day, due_at=task.deadline.due_at,
                                       set_as="date")
        if task.deadline.is_counted:
            explanation = task.deadline.explain(runtime.calendar)
            view = DeadlineExplanationView(
                task_id=task.id, deadline=explanation.deadline, due_at=explanation.due_at, set_as="working_days",
                start=explanation.start, working_days=explanation.working_days, counted=explanation.counted,
                skipped=[SkippedDayView(day=s.day, reason=s.reason) for s in explanation.skipped],
                makeup_days=explanation.makeup_days, provisional_years=explanation.provisional_years,
            )
        return view

    return router
