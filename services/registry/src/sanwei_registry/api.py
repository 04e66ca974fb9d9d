"""The registry's HTTP API: task lists (清单), tasks, deadlines, sheet import."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Query, Response, UploadFile
from pydantic import BaseModel, Field, model_validator

from sanwei_kit.auth import Principal, Role, require, require_unit
from sanwei_kit.calendar import local_date
from sanwei_kit.errors import Invalid
from sanwei_kit.inputs import Name, Offset
from sanwei_kit.runtime import Runtime
from sanwei_registry.adapters.calendar_repository import CalendarRepository
from sanwei_registry.adapters.repository import TaskRepository
from sanwei_registry.adapters.spreadsheet import SheetLimits, rows_from_file
from sanwei_registry.adapters.units_repository import UnitRepository
from sanwei_registry.domain.calendar import CalendarPolicy
from sanwei_registry.domain.deadlines import Extension, ExtensionStatus, Light, light
from sanwei_registry.domain.model import Task, TaskList, TaskStatus
from sanwei_registry.domain.sheet import SHEET_LIST_PREFIX, read_sheet
from sanwei_registry.domain.units import Unit, UnitKind, UnitsReport, split_units
from sanwei_registry.service import NewTask, Outcome, PushResult, RegistryService, UnitSpec, resolve_units


class TaskIn(BaseModel):
    title: str = Field(min_length=1, max_length=2000, description="主要任务")
    lead_unit: str = Field(min_length=1, max_length=200, description="牵头单位")
    co_units: list[Name] = Field(default_factory=list, description="配合单位")
    seq: str | None = Field(default=None, max_length=50, description="序号")
    deadline: date | None = Field(default=None, description="完成时限 (last working day)")
    working_days: int | None = Field(default=None, ge=1, le=3650, description="or: N 工作日 from today")

    @model_validator(mode="after")
    def _one_deadline(self) -> TaskIn:
        if self.deadline is not None and self.working_days is not None:
            raise ValueError("give either deadline or working_days, not both")
        return self


MAX_TASKS_PER_REQUEST = 1000


class TaskListIn(BaseModel):
    title: str = Field(min_length=1, max_length=500, examples=["2019年《政府工作报告》主要工作任务"])
    # A real 清单 has about a hundred tasks (2019: 110); each costs a few writes and an event, so a
    # request stays within seconds. Longer lists come as a sheet (POST /task-lists/import).
    tasks: list[TaskIn] = Field(min_length=1, max_length=MAX_TASKS_PER_REQUEST)


class PushTaskIn(TaskIn):
    external_id: str = Field(min_length=1, max_length=200, description="The OA system's own id of this task",
                             examples=["OA-2019-GZBG-004"])
    start: date | None = Field(default=None, description="Count working_days from this day (default: the day "
                                                         "the task was first pushed)")


class PushTaskListIn(BaseModel):
    title: str = Field(min_length=1, max_length=500, examples=["2019年《政府工作报告》主要工作任务"])
    source: str | None = Field(default=None, max_length=200, description="The pushing system, e.g. 区政府OA")
    tasks: list[PushTaskIn] = Field(min_length=1, max_length=MAX_TASKS_PER_REQUEST)


class SubTaskIn(TaskIn):
    start: date | None = Field(default=None, description="Count working_days from this day (default: today)")


class DecomposeIn(BaseModel):
    tasks: list[SubTaskIn] = Field(min_length=1, max_length=500,
                                   description="子任务 for lower units; one without a deadline takes the parent's")


class PauseIn(BaseModel):
    """Who pauses is the authenticated caller (recorded in the deadline history and the event)."""

    reason: str = Field(min_length=1, max_length=2000, description="挂起原因")


class ExtensionIn(BaseModel):
    requested_by: str = Field(min_length=1, max_length=200,
                              description="The responsible unit (责任单位) asking: domain data, one of the task's "
                                          "units; a unit operator may name only a unit of its scope. The person "
                                          "filing is the authenticated caller")
    reason: str = Field(min_length=1, max_length=2000, description="延期理由")
    deadline: date = Field(description="The later last day asked for")


class DecisionIn(BaseModel):
    decided_by: str = Field(min_length=1, max_length=200,
                            description="The issuing unit (交办单位) deciding: domain data; the person deciding is "
                                        "the authenticated caller")
    reason: str | None = Field(default=None, max_length=2000, description="Required when refusing")


class ExtensionView(BaseModel):
    id: str
    task_id: str
    requested_by: str
    reason: str
    requested_deadline: date
    previous_deadline: date
    requested_at: datetime
    status: ExtensionStatus
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None

    @classmethod
    def of(cls, e: Extension) -> ExtensionView:
        return cls(**{name: getattr(e, name) for name in cls.model_fields})


class DeadlineChangeView(BaseModel):
    at: datetime
    kind: str = Field(description="set / paused / resumed / extended")
    deadline: date | None
    detail: str | None
    actor: str | None


class CalendarCorrectionIn(BaseModel):
    year: int = Field(ge=2000, le=2100)
    days: dict[date, bool] = Field(min_length=1, max_length=366,
                                   description="Days that differ from the official data: true 上班, false 放假",
                                   examples=[{"2027-02-06": True, "2027-02-11": False}])
    reason: str = Field(min_length=1, max_length=2000, examples=["国务院办公厅关于2027年部分节假日安排的通知"])
    policy: CalendarPolicy = Field(description="recompute: running N 工作日 deadlines are counted again; keep: not")


class DeadlineMoveView(BaseModel):
    task_id: str
    old_deadline: date
    new_deadline: date


class CalendarCorrectionView(BaseModel):
    version: int
    year: int
    days: dict[date, bool]
    reason: str
    corrected_by: str = Field(description="The authenticated caller who made the correction")
    corrected_at: datetime
    policy: CalendarPolicy
    moved: list[DeadlineMoveView] = Field(description="The running deadlines this correction moved")


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
    parent_id: str | None = Field(default=None, description="The task this one was split from (层层分解)")
    paused_at: datetime | None = Field(default=None, description="挂起 since")
    pause_reason: str | None = None
    paused_days_left: int | None = Field(default=None, description="Working days left, counted again on resume")
    light: Light | None = Field(default=None, description="红黄灯: green, yellow (N working days or fewer left), "
                                                          "red (the deadline day, or overdue); none when no clock runs")

    @classmethod
    def of(cls, task: Task) -> TaskView:
        d = task.deadline
        return cls(
            id=task.id, task_list_id=task.task_list_id, seq=task.seq, title=task.title,
            lead_unit=task.lead_unit, co_units=task.co_units, status=task.status,
            deadline=d.day if d else None, due_at=d.due_at if d else None,
            overdue_at=task.overdue_at, completed_at=task.completed_at, completed_late=task.completed_late,
            parent_id=task.parent_id, paused_at=task.paused_at, pause_reason=task.pause_reason,
            paused_days_left=task.paused_days_left,
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


class UnitIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="The name task lists use, e.g. 区发改局")
    kind: UnitKind = Field(description="district 区 / department 局 / street 街道 / office 处科 / person / group / other")
    parent: str | None = Field(default=None, max_length=200, description="上级单位: its id or any of its names")
    aliases: list[Name] = Field(default_factory=list, description="Other names, e.g. 市中区发展和改革局")
    members: list[Name] = Field(default_factory=list, description="A group's member units (ids or names)")

    def spec(self) -> UnitSpec:
        return UnitSpec(**self.model_dump())


class DirectoryIn(BaseModel):
    description: str | None = None
    units: list[UnitIn] = Field(min_length=1, max_length=20000)


class DirectoryLoadView(BaseModel):
    created: list[str]
    already_known: list[str]
    aliases_added: list[str]


class AliasIn(BaseModel):
    alias: str = Field(min_length=1, max_length=200)


class MapNameIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="The unknown name as the sheet wrote it")
    unit_id: str = Field(min_length=1, max_length=36, description="The unit it means")


class UnitView(BaseModel):
    id: str
    name: str
    kind: UnitKind
    parent_id: str | None
    aliases: list[str]
    members: list[str] = Field(description="Names of a group's members")

    @classmethod
    def of(cls, unit: Unit, names: dict[str, str]) -> UnitView:
        return cls(id=unit.id, name=unit.name, kind=unit.kind, parent_id=unit.parent_id, aliases=unit.aliases,
                   members=[names[m] for m in unit.members if m in names])


class UnknownNameView(BaseModel):
    name: str
    first_seen_at: datetime
    last_seen_at: datetime
    times_seen: int
    mapped_to: str | None


class UnknownUnitName(BaseModel):
    name: str
    rows: list[int] = Field(description="Rows of the sheet (or positions in the push) naming it")


class UnitsReportView(BaseModel):
    """How the unit names were read through the units directory (empty directory: names kept as written)."""

    expanded: dict[str, list[str]] = Field(description="Groups expanded to their members")
    kept_as_groups: list[str] = Field(description="Groups kept as a group (no members known, or the lead unit)")
    renamed: dict[str, str] = Field(description="Names written another way → the unit's name")
    unknown: list[UnknownUnitName] = Field(description="Names the directory does not know: map them to a unit")

    @classmethod
    def of(cls, report: UnitsReport) -> UnitsReportView:
        return cls(expanded=report.expanded, kept_as_groups=report.kept_as_groups, renamed=report.renamed,
                   unknown=[UnknownUnitName(name=n, rows=rows) for n, rows in report.unknown.items()])


class FieldChange(BaseModel):
    field: str
    old: Any
    new: Any


def _changes(changes: dict[str, tuple[object, object]]) -> list[FieldChange]:
    return [FieldChange(field=name, old=old, new=new) for name, (old, new) in changes.items()]


class PushedTaskView(BaseModel):
    external_id: str
    outcome: Outcome = Field(description="created / updated / unchanged / refused")
    task_id: str | None = None
    changes: list[FieldChange] = Field(default_factory=list, description="What this push changed")
    reason: str | None = Field(default=None, description="Why a change was refused (the task is left as it was)")


class PushOutcome(BaseModel):
    """What a push or an import did: pushing or importing the same thing twice creates nothing new."""

    list_created: bool
    list_changes: list[FieldChange]
    created: int
    updated: int
    unchanged: int
    refused: int
    tasks: list[PushedTaskView] = Field(description="One line per pushed task, in the order pushed")
    not_in_push: list[str] = Field(description="external_id of stored tasks this push did not mention (kept)")
    units: UnitsReportView

    @classmethod
    def of(cls, result: PushResult) -> PushOutcome:
        return cls(
            list_created=result.list_created, list_changes=_changes(result.list_changes),
            created=result.count(Outcome.CREATED), updated=result.count(Outcome.UPDATED),
            unchanged=result.count(Outcome.UNCHANGED), refused=result.count(Outcome.REFUSED),
            tasks=[PushedTaskView(external_id=p.external_id, outcome=p.outcome,
                                  task_id=p.task.id if p.task else None, changes=_changes(p.changes),
                                  reason=p.reason) for p in result.pushed],
            not_in_push=result.not_in_push, units=UnitsReportView.of(result.units),
        )


class PushReport(PushOutcome):
    task_list: TaskListView


class RowProblem(BaseModel):
    row: int
    reason: str


class ImportReport(BaseModel):
    dry_run: bool
    title: str | None
    header_row: int | None
    tasks_read: int
    rows_inheriting_units: int
    inherited_rows: list[int] = Field(default_factory=list,
                                      description="Row numbers whose empty or merged 责任单位 cell took the units above")
    unreadable_rows: list[RowProblem]
    task_list: TaskListCreated | None = Field(default=None, description="The list with all tasks the sheet holds")
    outcome: PushOutcome | None = Field(default=None, description="What the import created or changed")
    units: UnitsReportView | None = Field(default=None, description="How unit names were resolved (also on dry run)")
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
    paused: bool = False
    paused_days_left: int | None = None
    history: list[DeadlineChangeView] = Field(default_factory=list, description="Every change, pauses and extensions")
    calendar_note: str | None = Field(default=None, description="Set when today's calendar would count another "
                                                                "day (a correction kept this deadline as fixed)")
    extensions: list[ExtensionView] = Field(default_factory=list)


# Who may read tasks, deadlines, the calendar and the units directory: every office, and a
# 责任单位 operator for the tasks of its own units (lead or co-unit) only.
READERS = (Role.COMMAND, Role.MEDIA, Role.DISCIPLINE, Role.AUDITOR, Role.ADMIN, Role.UNIT)
Reader = Annotated[Principal, Depends(require(*READERS))]
# Task lists, tasks, deadlines, pauses, extensions decided, sub-tasks, the units directory: 指挥部/督查室.
Commander = Annotated[Principal, Depends(require(Role.COMMAND))]


def covers(principal: Principal, task: Task) -> bool:
    """May the caller see this task? Staff see all; a unit operator the tasks its units lead or help with."""
    return principal.covers_any([task.lead_unit, *task.co_units])


def check_task(principal: Principal, task: Task) -> None:
    """403 unless the caller may see `task`."""
    require_unit(principal, task.lead_unit, *task.co_units, what=f"task {task.id}")


def build_router(runtime: Runtime, service: RegistryService, max_upload_bytes: int) -> APIRouter:
    router = APIRouter(tags=["registry"])

    def view(task: Task) -> TaskView:
        """The task as the API shows it, with its 红黄灯 light as of now."""
        shown = TaskView.of(task)
        shown.light = light(runtime.calendar, local_date(runtime.clock.now()),
                            task.deadline.day if task.deadline else None,
                            overdue=task.status is TaskStatus.OVERDUE, active=task.status is TaskStatus.OPEN,
                            yellow_days=service.yellow_days)
        return shown

    @router.post("/task-lists", status_code=201, response_model=TaskListCreated,
                 summary="Register a task list (清单) with its tasks")
    async def create_task_list(body: TaskListIn, principal: Commander) -> TaskListCreated:
        new = [NewTask(**t.model_dump()) for t in body.tasks]
        task_list, tasks = await service.create_task_list(body.title, new, actor=principal.actor)
        return TaskListCreated(**TaskListView.of(task_list, len(tasks)).model_dump(),
                               tasks=[view(t) for t in tasks])

    @router.post("/task-lists/import", response_model=ImportReport,
                 summary="Import a task sheet (xlsx or csv, e.g. a 主要工作任务落实情况表)",
                 description="Finds the header row (序号/主要任务/责任单位 …) below any title rows; a row whose "
                             "责任单位 cell is empty or merged inherits the units above. With dry_run nothing "
                             "is created and the report lists what would be, and every unreadable row.")
    async def import_task_list(
        principal: Commander,
        file: Annotated[UploadFile, File(description="The .xlsx or .csv sheet")],
        title: Annotated[str | None, Form(max_length=500)] = None,
        dry_run: Annotated[bool, Form()] = False,
    ) -> ImportReport:
        content = await file.read(max_upload_bytes + 1)
        if len(content) > max_upload_bytes:
            raise HTTPException(413, detail={"reason": f"file larger than {max_upload_bytes} bytes"})
        read = read_sheet(rows_from_file(file.filename or "upload", content, SheetLimits.from_settings(runtime.settings)))
        if read.header_row is None:
            raise Invalid(read.errors[0].reason, field="file")
        report = ImportReport(
            dry_run=dry_run,
            title=title or read.title,
            header_row=read.header_row,
            tasks_read=len(read.tasks),
            rows_inheriting_units=sum(1 for t in read.tasks if t.inherited_units),
            inherited_rows=[t.row for t in read.tasks if t.inherited_units],
            unreadable_rows=[RowProblem(row=e.row, reason=e.reason) for e in read.errors],
        )
        if dry_run:
            async with runtime.db.connect() as conn:
                directory = await UnitRepository(conn).directory()
            units = UnitsReport()
            resolved = [resolve_units(directory, NewTask(title=t.title, lead_unit=t.lead_unit, co_units=t.co_units,
                                                         seq=t.seq, row=t.row), units, t.row)
                        for t in read.tasks]
            report.preview = [TaskIn(title=t.title, lead_unit=t.lead_unit, co_units=t.co_units, seq=t.seq)
                              for t in resolved]
            report.units = UnitsReportView.of(units)
            return report
        result = await service.import_sheet(read, title=title, source=file.filename or "upload",
                                            actor=principal.actor)
        tasks = result.tasks
        report.task_list = TaskListCreated(**TaskListView.of(result.task_list, len(tasks)).model_dump(),
                                           tasks=[view(t) for t in tasks])
        report.outcome = PushOutcome.of(result)
        report.units = report.outcome.units
        return report

    @router.put("/task-lists/external/{external_id}", response_model=PushReport,
                responses={201: {"model": PushReport, "description": "The task list was new and is created"}},
                summary="Push a task list (清单) and its tasks from an OA system, idempotently by its own ids",
                description="The list is known by the caller's `external_id`, each task by its own `external_id` "
                            "within the list. Pushing the same thing twice creates nothing new. A changed push "
                            "updates 主要任务, 牵头单位/配合单位, 序号 and 完成时限 and says per task what changed; "
                            "a change the task's rules forbid (a completed task, a new deadline on an overdue "
                            "task, a deadline in the past) is refused with its reason and the rest applies. "
                            "Tasks the push does not mention are kept (listed in not_in_push), never deleted. "
                            "Answers 201 when the list was created, 200 otherwise.")
    async def push_task_list(
        body: PushTaskListIn,
        response: Response,
        principal: Annotated[Principal, Depends(require(Role.INTEGRATION, Role.COMMAND))],
        external_id: Annotated[str, Path(min_length=1, max_length=200, description="The OA system's id of the list")],
    ) -> PushReport:
        if external_id.startswith(SHEET_LIST_PREFIX):
            raise HTTPException(422, detail={"reason": f"external ids starting with {SHEET_LIST_PREFIX!r} are "
                                                       "reserved for imported sheets", "field": "external_id"})
        new = [NewTask(**t.model_dump()) for t in body.tasks]
        result = await service.push_task_list(external_id, body.title, new, source=body.source or "push",
                                              actor=principal.actor)
        if result.list_created:
            response.status_code = 201
        return PushReport(**PushOutcome.of(result).model_dump(),
                          task_list=TaskListView.of(result.task_list, len(result.tasks) + len(result.not_in_push)))

    @router.get("/task-lists", response_model=list[TaskListView], summary="All task lists")
    async def list_task_lists(principal: Reader) -> list[TaskListView]:
        async with runtime.db.connect() as conn:
            # A unit operator sees the lists holding its tasks, counting its tasks only.
            lists = await TaskRepository(conn).lists(involving=principal.units if principal.unit_scoped else None)
        return [TaskListView.of(tl, n) for tl, n in lists]

    @router.get("/tasks", response_model=list[TaskView], summary="Tasks, filtered by list, lead unit or status")
    async def list_tasks(
        principal: Reader,
        task_list_id: str | None = None,
        unit: Annotated[str | None, Query(description="牵头单位")] = None,
        status: TaskStatus | None = None,
        limit: Annotated[int, Query(ge=1, le=5000)] = 500,
        offset: Offset = 0,
    ) -> list[TaskView]:
        async with runtime.db.connect() as conn:
            # Staff see every task; a unit operator asking for a unit of its own sees every task that unit
            # leads, otherwise the tasks one of its units leads or co-leads. All are paged in SQL: a page
            # costs the same among 1,000 tasks as among 100,000.
            own_unit = not principal.unit_scoped or bool(unit and principal.covers_unit(unit))
            found = await TaskRepository(conn).find(
                task_list_id=task_list_id, unit=unit, status=status,
                involving=None if own_unit else principal.units, limit=limit, offset=offset,
            )
        return [view(t) for t in found]

    @router.get("/tasks/{task_id}", response_model=TaskView, summary="One task")
    async def get_task(task_id: str, principal: Reader) -> TaskView:
        async with runtime.db.connect() as conn:
            task = await TaskRepository(conn).get(task_id)
        check_task(principal, task)
        return view(task)

    @router.post("/tasks/{task_id}/sub-tasks", status_code=201, response_model=list[TaskView],
                 summary="层层分解: split a task into sub-tasks for lower units (局 → 处 → 科 → 科员)",
                 description="A sub-task's deadline may not be later than its parent's (one given none takes the "
                             "parent's). The parent becomes overdue as soon as any sub-task is, and completes when "
                             "all its sub-tasks have completed. A completed task can no longer be split (409).")
    async def decompose(task_id: str, body: DecomposeIn, principal: Commander) -> list[TaskView]:
        created = await service.decompose(task_id, [NewTask(**t.model_dump()) for t in body.tasks],
                                          actor=principal.actor)
        return [view(t) for t in created]

    @router.get("/tasks/{task_id}/sub-tasks", response_model=list[TaskView], summary="A task's sub-tasks (子任务)")
    async def sub_tasks(task_id: str, principal: Reader) -> list[TaskView]:
        async with runtime.db.connect() as conn:
            repo = TaskRepository(conn)
            check_task(principal, await repo.get(task_id))
            return [view(t) for t in await repo.children(task_id)]

    @router.post("/tasks/{task_id}/pause", response_model=TaskView,
                 summary="挂起: pause a task with a reason; the deadline clock stops",
                 description="The working days left (from today to the deadline, both included) are kept; the "
                             "overdue timer is cancelled. Only an open task can be paused.")
    async def pause_task(task_id: str, body: PauseIn, principal: Commander) -> TaskView:
        return view(await service.pause(task_id, body.reason, actor=principal.actor))

    @router.post("/tasks/{task_id}/resume", response_model=TaskView,
                 summary="恢复: resume a paused task; the days left count again from tomorrow")
    async def resume_task(task_id: str, principal: Commander) -> TaskView:
        return view(await service.resume(task_id, actor=principal.actor))

    @router.post("/tasks/{task_id}/extensions", status_code=201, response_model=ExtensionView,
                 summary="申请延期: the responsible unit asks for a later deadline, before the deadline passes")
    async def request_extension(
        task_id: str, body: ExtensionIn, principal: Annotated[Principal, Depends(require(Role.COMMAND, Role.UNIT))],
    ) -> ExtensionView:
        if principal.unit_scoped:
            # A unit operator files for its own tasks, in the name of a unit of its scope.
            async with runtime.db.connect() as conn:
                check_task(principal, await TaskRepository(conn).get(task_id))
            require_unit(principal, body.requested_by, what="requested_by")
        return ExtensionView.of(await service.request_extension(
            task_id, requested_by=body.requested_by, reason=body.reason, deadline=body.deadline))

    @router.get("/tasks/{task_id}/extensions", response_model=list[ExtensionView], summary="A task's 延期 requests")
    async def list_extensions(task_id: str, principal: Reader) -> list[ExtensionView]:
        async with runtime.db.connect() as conn:
            repo = TaskRepository(conn)
            check_task(principal, await repo.get(task_id))
            return [ExtensionView.of(e) for e in await repo.extensions_of(task_id)]

    @router.post("/tasks/{task_id}/extensions/{extension_id}/approve", response_model=ExtensionView,
                 summary="批准延期: the issuing unit approves; the deadline moves and its timer is re-armed once")
    async def approve_extension(task_id: str, extension_id: str, body: DecisionIn,
                                _: Commander) -> ExtensionView:
        return ExtensionView.of(await service.decide_extension(
            task_id, extension_id, approve=True, decided_by=body.decided_by, reason=body.reason))

    @router.post("/tasks/{task_id}/extensions/{extension_id}/refuse", response_model=ExtensionView,
                 summary="不予延期: the issuing unit refuses, with a reason; the deadline stays")
    async def refuse_extension(task_id: str, extension_id: str, body: DecisionIn,
                               _: Commander) -> ExtensionView:
        return ExtensionView.of(await service.decide_extension(
            task_id, extension_id, approve=False, decided_by=body.decided_by, reason=body.reason))

    @router.put("/tasks/{task_id}/deadline", response_model=TaskView,
                summary="Set a task's deadline: a date, or N 工作日 from a start day")
    async def set_deadline(task_id: str, body: DeadlineIn, principal: Commander) -> TaskView:
        task = await service.set_deadline(task_id, deadline=body.deadline, working_days=body.working_days,
                                          start=body.start, actor=principal.actor)
        return view(task)

    @router.get("/tasks/{task_id}/deadline/explain", response_model=DeadlineExplanationView,
                summary="How a task's deadline was computed: days counted, holidays and 调休 skipped")
    async def explain_deadline(task_id: str, principal: Reader) -> DeadlineExplanationView:
        async with runtime.db.connect() as conn:
            repo = TaskRepository(conn)
            task = await repo.get(task_id)
            check_task(principal, task)
            history = [DeadlineChangeView(at=r.at, kind=r.kind, deadline=r.deadline, detail=r.detail, actor=r.actor)
                       for r in await repo.deadline_history(task_id)]
            extensions = [ExtensionView.of(e) for e in await repo.extensions_of(task_id)]
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
            if explanation.deadline != task.deadline.day:
                view.deadline, view.due_at = task.deadline.day, task.deadline.due_at
                view.calendar_note = (f"counted on today's corrected calendar the period ends {explanation.deadline}; "
                                      f"the deadline stays {task.deadline.day} as it was fixed")
        view.paused = task.status is TaskStatus.PAUSED
        view.paused_days_left = task.paused_days_left
        view.history = history
        view.extensions = extensions
        return view

    async def _corrections() -> list[CalendarCorrectionView]:
        async with runtime.db.connect() as conn:
            repo = CalendarRepository(conn)
            rows, moves = await repo.corrections(), await repo.moves()
        return [CalendarCorrectionView(
            version=r.version, year=r.year, days={date.fromisoformat(d): w for d, w in r.days.items()},
            reason=r.reason, corrected_by=r.corrected_by, corrected_at=r.corrected_at, policy=r.policy,
            moved=[DeadlineMoveView(task_id=m.task_id, old_deadline=m.old_deadline, new_deadline=m.new_deadline)
                   for m in moves if m.version == r.version],
        ) for r in rows]

    @router.post("/calendar/corrections", status_code=201, response_model=CalendarCorrectionView,
                 summary="校正工作日历: correct a year's working days (versioned: who, when, what)",
                 description="The days listed replace the year's earlier correction. With policy recompute every "
                             "open task's N 工作日 deadline is counted again and the moved ones are listed (and "
                             "re-armed once, with `task.deadline_set`); with keep running deadlines stay.")
    async def correct_calendar(
        body: CalendarCorrectionIn, principal: Annotated[Principal, Depends(require(Role.COMMAND, Role.ADMIN))],
    ) -> CalendarCorrectionView:
        result = await service.correct_calendar(year=body.year, days=body.days, reason=body.reason,
                                                by=principal.actor, policy=body.policy)
        return next(c for c in await _corrections() if c.version == result.version)

    @router.get("/calendar/corrections", response_model=list[CalendarCorrectionView],
                summary="Every calendar correction, oldest first, with the deadlines each moved")
    async def list_corrections(_: Reader) -> list[CalendarCorrectionView]:
        return await _corrections()

    @router.get("/units", response_model=list[UnitView], summary="The units directory (单位名录): 区 → 局/街道 → 处/科 → person")
    async def list_units(_: Reader, kind: UnitKind | None = None) -> list[UnitView]:
        async with runtime.db.connect() as conn:
            directory = await UnitRepository(conn).directory()
        names = {u.id: u.name for u in directory.units.values()}
        return [UnitView.of(u, names) for u in directory.units.values() if kind is None or u.kind is kind]

    @router.get("/units/resolve", response_model=UnitsReportView,
                summary="How the directory reads a 责任单位 cell (e.g. “区发改局、各街道办事处”)")
    async def resolve_names(_: Reader,
                            cell: Annotated[str, Query(min_length=1, max_length=2000)]) -> UnitsReportView:
        async with runtime.db.connect() as conn:
            directory = await UnitRepository(conn).directory()
        report = UnitsReport()
        names = split_units(cell)
        if names:
            directory.resolve(names, report, 1)
        return UnitsReportView.of(report)

    @router.post("/units", status_code=201, response_model=UnitView,
                 summary="Add a unit (单位) with its aliases; a name already meaning a unit is refused (409)")
    async def add_unit(body: UnitIn, principal: Commander) -> UnitView:
        unit = await service.add_unit(body.spec(), actor=principal.actor)
        return UnitView(id=unit.id, name=unit.name, kind=unit.kind, parent_id=unit.parent_id, aliases=unit.aliases,
                        members=body.members)

    @router.post("/units/directory", response_model=DirectoryLoadView,
                 summary="Load a units directory file (JSON, e.g. the 市中区 seed); loading it twice changes nothing")
    async def load_directory(body: DirectoryIn, principal: Commander) -> DirectoryLoadView:
        loaded = await service.load_directory([u.spec() for u in body.units], actor=principal.actor)
        return DirectoryLoadView(created=loaded.created, already_known=loaded.already_known,
                                 aliases_added=loaded.aliases_added)

    @router.post("/units/{unit_id}/aliases", response_model=UnitView,
                 summary="Add another name (别称) for a unit; a name already meaning another unit is refused (409)")
    async def add_alias(unit_id: str, body: AliasIn, principal: Commander) -> UnitView:
        unit = await service.add_alias(unit_id, body.alias, actor=principal.actor)
        async with runtime.db.connect() as conn:
            names = {u.id: u.name for u in (await UnitRepository(conn).directory()).units.values()}
        return UnitView.of(unit, names)

    @router.get("/units/unknown-names", response_model=list[UnknownNameView],
                summary="Unit names met on import that the directory does not know, for a person to map")
    async def unknown_names(_: Reader, include_mapped: bool = False) -> list[UnknownNameView]:
        async with runtime.db.connect() as conn:
            rows = await UnitRepository(conn).unknown(include_mapped=include_mapped)
        return [UnknownNameView(name=r.name, first_seen_at=r.first_seen_at, last_seen_at=r.last_seen_at,
                                times_seen=r.times_seen, mapped_to=r.mapped_to) for r in rows]

    @router.post("/units/unknown-names/map", response_model=UnitView,
                 summary="Map an unknown name to a unit: it becomes that unit's alias (re-import to apply it)")
    async def map_unknown_name(body: MapNameIn, principal: Commander) -> UnitView:
        unit = await service.map_unknown_name(body.name, body.unit_id, actor=principal.actor)
        async with runtime.db.connect() as conn:
            names = {u.id: u.name for u in (await UnitRepository(conn).directory()).units.values()}
        return UnitView.of(unit, names)

    return router
