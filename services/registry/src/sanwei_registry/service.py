"""Registry use cases: each runs in one transaction and records the events it causes.

The HTTP API, the event handlers and the timers call these; none of them touches the
domain or the database directly.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_contracts import Envelope
from sanwei_contracts.events.registry import (
    TaskAssigned,
    TaskCompleted,
    TaskDeadlineSet,
    TaskDeadlineWarned,
    TaskDecomposed,
    TaskExtensionApproved,
    TaskExtensionRefused,
    TaskExtensionRequested,
    TaskOverdue,
    TaskPaused,
    TaskReminded,
    TaskResumed,
    TaskUpdated,
)
from sanwei_contracts.ids import new_id
from sanwei_kit import timers
from sanwei_kit.calendar import WorkingCalendar, WorkingDayDeadline, due_instant, local_date
from sanwei_kit.db import once_more_on_race
from sanwei_kit.errors import Conflict, Invalid, NotFound
from sanwei_kit.events import Emission
from sanwei_kit.runtime import Runtime
from sanwei_kit.timers import DueTimer
from sanwei_registry.adapters.calendar_repository import CalendarRepository
from sanwei_registry.adapters.repository import TaskRepository
from sanwei_registry.adapters.units_repository import UnitRepository
from sanwei_registry.domain.calendar import CalendarPolicy, check_correction, corrected_calendar, recomputed
from sanwei_registry.domain.deadlines import (
    Extension,
    ExtensionStatus,
    check_extension_request,
    deadline_on_resume,
    reminder_day,
    working_days_after,
    working_days_left,
    yellow_day,
)
from sanwei_registry.domain.model import Task, TaskList, TaskStatus, all_done, check_deadline_in_tree, sub_task_deadline
from sanwei_registry.domain.sheet import SheetRead, sheet_list_key, sheet_task_keys
from sanwei_registry.domain.units import Directory, Unit, UnitKind, UnitsReport

TASK_DUE = "task.due"
TASK_WARN = "task.warn"  # 红黄灯: payload {"light": "yellow" | "red"}; key task id + light
TASK_REMIND = "task.remind"  # 催办 the working day after the deadline


@dataclass
class NewTask:
    title: str
    lead_unit: str
    co_units: list[str] = field(default_factory=list)
    seq: str | None = None
    deadline: date | None = None
    working_days: int | None = None
    start: date | None = None  # count working_days from this day (default: today, or the start already set)
    external_id: str | None = None  # the caller's id of the task, for idempotent pushes
    row: int | None = None  # where the task stood in its sheet or push, for reports
    units_merged_above: bool = False  # its 责任单位 cell was merged with the row above in the sheet


@dataclass
class UnitSpec:
    name: str
    kind: UnitKind
    parent: str | None = None  # the parent's id or any of its names
    aliases: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)  # a group's members: ids or names of known units


@dataclass
class CalendarCorrection:
    version: int
    moved: list[tuple[str, date, date]] = field(default_factory=list)  # (task id, old deadline, new deadline)


@dataclass
class DirectoryLoad:
    created: list[str] = field(default_factory=list)
    already_known: list[str] = field(default_factory=list)
    aliases_added: list[str] = field(default_factory=list)


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REFUSED = "refused"


@dataclass
class PushedTask:
    """What a push did to one of its tasks."""

    external_id: str
    outcome: Outcome
    task: Task | None  # None when a new task was refused
    changes: dict[str, tuple[object, object]] = field(default_factory=dict)
    reason: str | None = None  # why a change was refused


@dataclass
class PushResult:
    """What a push (an OA system's, or a sheet import) did to the stored task list."""

    task_list: TaskList
    list_created: bool
    list_changes: dict[str, tuple[object, object]] = field(default_factory=dict)
    pushed: list[PushedTask] = field(default_factory=list)  # in the order of the push
    not_in_push: list[str] = field(default_factory=list)  # stored tasks this push did not mention
    units: UnitsReport = field(default_factory=UnitsReport)  # how unit names were read through the directory

    def count(self, outcome: Outcome) -> int:
        return sum(1 for p in self.pushed if p.outcome is outcome)

    @property
    def tasks(self) -> list[Task]:
        return [p.task for p in self.pushed if p.task is not None]


class RegistryService:
    def __init__(self, runtime: Runtime, *, yellow_days: int = 3, reminder_hour: int = 9,
                 base_overrides: dict[date, bool] | None = None) -> None:
        self.rt = runtime
        self.yellow_days = yellow_days
        self.reminder_hour = reminder_hour
        self.base_overrides = dict(base_overrides or {})  # the operator's calendar file, under the corrections

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
        task_list = TaskList(id=str(new_id()), title=title, created_at=now, source=source)
        created: list[Task] = []
        async with self.rt.db.transaction() as conn:
            repo = TaskRepository(conn)
            await repo.add_list(task_list)
            for position, spec in enumerate(new_tasks):
                task = await self._add_task(conn, repo, task_list, spec, position, actor)
                created.append(task)
        self.rt.committed()
        return task_list, created

    async def import_sheet(self, read: SheetRead, *, title: str | None, source: str,
                           actor: str | None = None) -> PushResult:
        """Import a read sheet; importing the same sheet again changes nothing (see `sheet_task_keys`)."""
        if not read.tasks:
            raise Invalid("the sheet holds no task that could be read", field="file")
        list_title = title or read.title or source
        new_tasks = [
            NewTask(title=t.title, lead_unit=t.lead_unit, co_units=t.co_units, seq=t.seq, external_id=key, row=t.row,
                    units_merged_above=t.inherited_units)
            for t, key in zip(read.tasks, sheet_task_keys(read.tasks), strict=True)
        ]
        return await self.push_task_list(sheet_list_key(list_title), list_title, new_tasks, source=source,
                                         actor=actor)

    async def push_task_list(self, external_id: str, title: str, new_tasks: list[NewTask], *,
                             source: str | None = None, actor: str | None = None) -> PushResult:
        """Create or update a task list by the caller's ids: the same push twice creates nothing new.

        A task the list already holds (same `external_id`) gets the pushed title, units, 序号 and
        deadline where they differ (reported as changes); a new one is created and assigned. Tasks
        the push does not mention are kept and listed, never deleted. A change the task's rules
        forbid (a completed task, a deadline on an overdue task) is refused with its reason while
        the rest of the push applies.
        """
        keys = [t.external_id or "" for t in new_tasks]
        if not all(keys):
            raise Invalid("every pushed task needs its external_id", field="tasks")
        duplicates = sorted(k for k, n in Counter(keys).items() if n > 1)
        if duplicates:
            raise Invalid(f"external_id repeated in one push: {', '.join(duplicates)}", field="tasks")
        return await once_more_on_race(lambda: self._push(external_id, title, new_tasks, source, actor))

    async def _push(self, external_id: str, title: str, new_tasks: list[NewTask], source: str | None,
                    actor: str | None) -> PushResult:
        now = self.rt.clock.now()
        async with self.rt.db.transaction() as conn:
            repo = TaskRepository(conn)
            units_report = UnitsReport()
            directory = await UnitRepository(conn).directory()
            new_tasks = [resolve_units(directory, spec, units_report, i + 1) for i, spec in enumerate(new_tasks)]
            await UnitRepository(conn).record_unknown({directory.key(n): n for n in units_report.unknown}, now)
            task_list = await repo.list_by_external_id(external_id)
            if task_list is None:
                task_list = TaskList(id=str(new_id()), title=title, created_at=now, source=source,
                                     external_id=external_id)
                await repo.add_list(task_list)
                result = PushResult(task_list=task_list, list_created=True)
                stored: dict[str, Task] = {}
            else:
                result = PushResult(task_list=task_list, list_created=False)
                if task_list.title != title:
                    result.list_changes["title"] = (task_list.title, title)
                    task_list.title = title
                    await repo.save_list(task_list)
                stored = {t.external_id: t for t in await repo.tasks_of(task_list.id) if t.external_id}
            position = await repo.next_position(task_list.id)
            for spec in new_tasks:
                assert spec.external_id is not None
                task = stored.pop(spec.external_id, None)
                if task is None:
                    try:  # the deadline is checked before anything is written
                        created = await self._add_task(conn, repo, task_list, spec, position, actor)
                    except (Conflict, Invalid) as refused:
                        result.pushed.append(PushedTask(spec.external_id, Outcome.REFUSED, None,
                                                        reason=refused.reason))
                        continue
                    result.pushed.append(PushedTask(spec.external_id, Outcome.CREATED, created))
                    position += 1
                    continue
                try:
                    changes = await self._revise_task(conn, repo, task, spec, actor)
                except (Conflict, Invalid) as refused:
                    result.pushed.append(PushedTask(spec.external_id, Outcome.REFUSED, task, reason=refused.reason))
                    continue
                outcome = Outcome.UPDATED if changes else Outcome.UNCHANGED
                result.pushed.append(PushedTask(spec.external_id, outcome, task, changes))
            result.not_in_push = list(stored)
            result.units = units_report
        self.rt.committed()
        return result

    # ── units directory ──────────────────────────────────────────────────────────

    async def add_unit(self, spec: UnitSpec, *, actor: str | None = None) -> Unit:
        """Register a unit; a name or alias already meaning a unit is refused (never one unit twice)."""

        async def attempt() -> Unit:
            async with self.rt.db.transaction() as conn:
                repo = UnitRepository(conn)
                directory = await repo.directory()
                known = directory.find(spec.name)
                if known is not None:
                    raise Conflict(f"“{spec.name}” is already the unit {known.name} ({known.id})")
                unit = await self._new_unit(repo, directory, spec, actor)
            self.rt.committed()
            return unit

        return await once_more_on_race(attempt)

    async def load_directory(self, specs: list[UnitSpec], *, actor: str | None = None) -> DirectoryLoad:
        """Load units from a directory file: known units gain missing aliases, new ones are created.

        Loading the same file twice changes nothing. Units are taken in file order, so a
        parent and a group's members come before the units that name them.
        """
        result = DirectoryLoad()
        async with self.rt.db.transaction() as conn:
            repo = UnitRepository(conn)
            for spec in specs:
                directory = await repo.directory()
                known = directory.find(spec.name)
                if known is None:
                    await self._new_unit(repo, directory, spec, actor)
                    result.created.append(spec.name)
                    continue
                result.already_known.append(spec.name)
                new_members = [m.id for m in (directory.units.get(n) or directory.find(n) for n in spec.members)
                               if m is not None and m.id not in known.members]
                if known.kind is UnitKind.GROUP:
                    await repo.add_members(known.id, list(dict.fromkeys(new_members)), len(known.members))
                for alias in spec.aliases:
                    if await self._alias(repo, directory, known, alias, actor):
                        result.aliases_added.append(alias)
                        directory = await repo.directory()
        self.rt.committed()
        return result

    async def add_alias(self, unit_id: str, alias: str, *, actor: str | None = None) -> Unit:
        """Another name for a unit (e.g. mapping an unknown name met on import)."""

        async def attempt() -> Unit:
            async with self.rt.db.transaction() as conn:
                repo = UnitRepository(conn)
                directory = await repo.directory()
                unit = directory.units.get(unit_id)
                if unit is None:
                    raise NotFound(f"no unit {unit_id}")
                await self._alias(repo, directory, unit, alias, actor)
                unit = (await repo.directory()).units[unit_id]
            self.rt.committed()
            return unit

        return await once_more_on_race(attempt)

    async def map_unknown_name(self, name: str, unit_id: str, *, actor: str | None = None) -> Unit:
        """A person says which unit an unknown name means: it becomes that unit's alias."""
        async with self.rt.db.connect() as conn:
            directory = await UnitRepository(conn).directory()
            unknown = {r.key for r in await UnitRepository(conn).unknown()}
        if directory.key(name) not in unknown:
            raise NotFound(f"“{name}” is not among the unknown unit names waiting to be mapped")
        return await self.add_alias(unit_id, name, actor=actor)

    async def _new_unit(self, repo: UnitRepository, directory: Directory, spec: UnitSpec,
                        actor: str | None) -> Unit:
        now = self.rt.clock.now()
        parent_id = None
        if spec.parent:
            parent = directory.units.get(spec.parent) or directory.find(spec.parent)
            if parent is None:
                raise Invalid(f"unknown parent unit “{spec.parent}” of {spec.name}", field="parent")
            parent_id = parent.id
        members: list[str] = []
        for name in spec.members:
            member = directory.units.get(name) or directory.find(name)
            if member is None:
                raise Invalid(f"unknown member unit “{name}” of group {spec.name}", field="members")
            if member.id not in members:
                members.append(member.id)
        if members and spec.kind is not UnitKind.GROUP:
            raise Invalid(f"only a group has members; {spec.name} is a {spec.kind}", field="members")
        for alias in spec.aliases:
            known = directory.find(alias)
            if known is not None:
                raise Conflict(f"alias “{alias}” of {spec.name} already means the unit {known.name} ({known.id})")
        unit = Unit(id=str(new_id()), name=spec.name, kind=spec.kind, parent_id=parent_id, members=members)
        await repo.add(unit, now)
        keys: set[str] = set()
        for name in (spec.name, *spec.aliases):
            key = directory.key(name)
            if key in keys:
                continue  # “区发改局” and “发改局” are one name to the directory
            keys.add(key)
            await repo.add_alias(unit.id, name, key, now, actor)
            await repo.mark_mapped(key, unit.id, actor, now)
            if name != spec.name:
                unit.aliases.append(name)
        await repo.add_members(unit.id, members, 0)
        return unit

    async def _alias(self, repo: UnitRepository, directory: Directory, unit: Unit, alias: str,
                     actor: str | None) -> bool:
        """True if the alias was added; False if the unit already had it; Conflict if another unit has it."""
        known = directory.find(alias)
        if known is not None and known.id != unit.id:
            raise Conflict(f"“{alias}” already means the unit {known.name} ({known.id})")
        if known is not None:
            return False
        now = self.rt.clock.now()
        key = directory.key(alias)
        await repo.add_alias(unit.id, alias, key, now, actor)
        await repo.mark_mapped(key, unit.id, actor, now)
        return True

    async def _add_task(self, conn: AsyncConnection, repo: TaskRepository, task_list: TaskList, spec: NewTask,
                        position: int, actor: str | None) -> Task:
        task = Task(
            id=str(new_id()),
            task_list_id=task_list.id,
            seq=spec.seq,
            title=spec.title,
            lead_unit=spec.lead_unit,
            co_units=[u for u in dict.fromkeys(spec.co_units) if u != spec.lead_unit],
            external_id=spec.external_id,
        )
        deadline = self._deadline(spec.deadline, spec.working_days, spec.start)
        if deadline:
            task.set_deadline(deadline, self.rt.clock.now())
        await repo.add(task, position)
        await self._assigned(conn, repo, task, task_list, actor, units_merged_above=spec.units_merged_above)
        return task

    async def _assigned(self, conn: AsyncConnection, repo: TaskRepository, task: Task, task_list: TaskList,
                        actor: str | None, *, parent_id: str | None = None,
                        units_merged_above: bool = False) -> None:
        """Announce a new task (or sub-task) and arm its deadline, if it has one."""
        deadline = task.deadline
        await self.rt.events.emit(
            conn,
            TaskAssigned(
                task_id=task.id, task_list_id=task_list.id, task_list_title=task_list.title, seq=task.seq,
                title=task.title, lead_unit=task.lead_unit, co_units=task.co_units,
                deadline=deadline.day if deadline else None, due_at=deadline.due_at if deadline else None,
                parent_id=parent_id, units_merged_above=units_merged_above,
            ),
            subject=f"task/{task.id}",
            case_id=task.id,
            actor=actor,
        )
        if deadline:
            await self._arm(conn, task)
            await self._history(repo, task, "set", _how(deadline), actor)

    async def _revise_task(self, conn: AsyncConnection, repo: TaskRepository, task: Task, spec: NewTask,
                           actor: str | None) -> dict[str, tuple[object, object]]:
        """Apply a pushed version of a stored task; raises (nothing applied) if its rules forbid a change."""
        changes = task.revise(title=spec.title, lead_unit=spec.lead_unit, co_units=spec.co_units, seq=spec.seq)
        start = spec.start
        if start is None and task.deadline is not None and task.deadline.is_counted:
            start = task.deadline.start  # N 工作日 keep counting from when they were first set
        new_deadline = self._deadline(spec.deadline, spec.working_days, start)
        old_deadline = task.deadline
        if new_deadline is not None and (
            old_deadline is None or (old_deadline.day, old_deadline.due_at) != (new_deadline.day, new_deadline.due_at)
        ):
            check_deadline_in_tree(new_deadline, None, await repo.children(task.id))
            task.set_deadline(new_deadline, self.rt.clock.now())
            changes["deadline"] = (old_deadline.day if old_deadline else None, new_deadline.day)
        if not changes:
            return changes
        await repo.save(task)
        if changes.keys() & {"lead_unit", "co_units"}:
            await repo.replace_units(task)
        fields = [name for name in changes if name != "deadline"]
        if fields:
            await self.rt.events.emit(
                conn,
                TaskUpdated(task_id=task.id, seq=task.seq, title=task.title, lead_unit=task.lead_unit,
                            co_units=task.co_units, changed=fields),
                subject=f"task/{task.id}",
                case_id=task.id,
                actor=actor,
            )
        if "deadline" in changes:
            assert new_deadline is not None
            await self._arm(conn, task)
            await self._history(repo, task, "set", _how(new_deadline), actor)
            await self.rt.events.emit(
                conn,
                TaskDeadlineSet(task_id=task.id, deadline=new_deadline.day, due_at=new_deadline.due_at,
                                working_days=new_deadline.working_days, start=new_deadline.start),
                subject=f"task/{task.id}",
                case_id=task.id,
                actor=actor,
            )
        return changes

    async def set_deadline(self, task_id: str, *, deadline: date | None, working_days: int | None,
                           start: date | None = None, actor: str | None = None) -> Task:
        new_deadline = self._deadline(deadline, working_days, start)
        if new_deadline is None:
            raise Invalid("give a deadline or a number of working_days", field="deadline")
        async with self.rt.db.transaction() as conn:
            repo = TaskRepository(conn)
            task = await repo.get(task_id)
            parent = await repo.get(task.parent_id) if task.parent_id else None
            check_deadline_in_tree(new_deadline, parent, await repo.children(task.id))
            task.set_deadline(new_deadline, self.rt.clock.now())
            await repo.save(task)
            await self._arm(conn, task)
            await self._history(repo, task, "set", _how(new_deadline), actor)
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

    async def _history(self, repo: TaskRepository, task: Task, kind: str, detail: str | None,
                       actor: str | None) -> None:
        await repo.record_deadline(task.id, at=self.rt.clock.now(), kind=kind,
                                   deadline=task.deadline.day if task.deadline else None, detail=detail, actor=actor)

    # ── 挂起 and 延期 ───────────────────────────────────────────────────────────

    async def pause(self, task_id: str, reason: str, *, actor: str | None = None) -> Task:
        """挂起: the clock stops; the working days left are kept and the overdue timer cancelled."""
        now = self.rt.clock.now()
        async with self.rt.db.transaction() as conn:
            repo = TaskRepository(conn)
            task = await repo.get(task_id)
            left = working_days_left(self.rt.calendar, local_date(now), task.deadline.day) if task.deadline else 0
            task.pause(reason, now, left)
            await repo.save(task)
            await self._disarm(conn, task.id)
            await self._history(repo, task, "paused", f"{reason} (剩余 {left} 个工作日)", actor)
            await self.rt.events.emit(
                conn, TaskPaused(task_id=task.id, reason=reason, paused_at=now, working_days_left=left),
                subject=f"task/{task.id}", case_id=task.id, actor=actor,
            )
        self.rt.committed()
        return task

    async def resume(self, task_id: str, *, actor: str | None = None) -> Task:
        """The clock runs again: the days left are counted from the day after today; the timer re-armed once."""
        now = self.rt.clock.now()
        async with self.rt.db.transaction() as conn:
            repo = TaskRepository(conn)
            task = await repo.get(task_id)
            if task.status is not TaskStatus.PAUSED:
                raise Conflict(f"task {task.id} is {task.status}, not paused")
            left = task.paused_days_left or 0
            deadline = deadline_on_resume(self.rt.calendar, local_date(now), left)
            if task.parent_id:
                check_deadline_in_tree(deadline, await repo.get(task.parent_id), [])
            task.resume(deadline)
            await repo.save(task)
            await self._arm(conn, task)
            await self._history(repo, task, "resumed", _how(deadline), actor)
            await self.rt.events.emit(
                conn, TaskResumed(task_id=task.id, resumed_at=now, deadline=deadline.day, due_at=deadline.due_at,
                                  working_days_left=left),
                subject=f"task/{task.id}", case_id=task.id, actor=actor,
            )
            await self.rt.events.emit(
                conn, TaskDeadlineSet(task_id=task.id, deadline=deadline.day, due_at=deadline.due_at,
                                      working_days=deadline.working_days, start=deadline.start),
                subject=f"task/{task.id}", case_id=task.id, actor=actor,
            )
        self.rt.committed()
        return task

    async def request_extension(self, task_id: str, *, requested_by: str, reason: str, deadline: date) -> Extension:
        """申请延期: before the deadline passes, for a later day; one request waits at a time."""
        now = self.rt.clock.now()
        async with self.rt.db.transaction() as conn:
            repo = TaskRepository(conn)
            task = await repo.get(task_id)
            pending = any(e.status is ExtensionStatus.PENDING for e in await repo.extensions_of(task.id))
            check_extension_request(task.deadline, deadline, now, task.status is TaskStatus.OPEN, pending)
            assert task.deadline is not None
            extension = Extension(id=str(new_id()), task_id=task.id, requested_by=requested_by, reason=reason,
                                  requested_deadline=deadline, requested_at=now, previous_deadline=task.deadline.day)
            await repo.add_extension(extension)
            await self.rt.events.emit(
                conn,
                TaskExtensionRequested(task_id=task.id, extension_id=extension.id, requested_by=requested_by,
                                       reason=reason, current_deadline=task.deadline.day,
                                       requested_deadline=deadline),
                subject=f"task/{task.id}", case_id=task.id, actor=requested_by,
            )
        self.rt.committed()
        return extension

    async def decide_extension(self, task_id: str, extension_id: str, *, approve: bool, decided_by: str,
                               reason: str | None = None) -> Extension:
        """The issuing unit approves (the deadline moves, the timer is re-armed once) or refuses with a reason."""
        now = self.rt.clock.now()
        async with self.rt.db.transaction() as conn:
            repo = TaskRepository(conn)
            extension = await repo.get_extension(extension_id)
            if extension.task_id != task_id:
                raise NotFound(f"no extension request {extension_id} for task {task_id}")
            task = await repo.get(task_id)
            extension.decide(approve, decided_by, now, reason)
            await repo.save_extension(extension)
            if approve:
                new_deadline = WorkingDayDeadline.on(extension.requested_deadline)
                parent = await repo.get(task.parent_id) if task.parent_id else None
                check_deadline_in_tree(new_deadline, parent, await repo.children(task.id))
                task.set_deadline(new_deadline, now)
                await repo.save(task)
                await self._arm(conn, task)
                await self._history(repo, task, "extended", f"{decided_by} 批准延期：{extension.reason}", decided_by)
                await self.rt.events.emit(
                    conn,
                    TaskExtensionApproved(task_id=task.id, extension_id=extension.id, approved_by=decided_by,
                                          previous_deadline=extension.previous_deadline, deadline=new_deadline.day,
                                          due_at=new_deadline.due_at),
                    subject=f"task/{task.id}", case_id=task.id, actor=decided_by,
                )
                await self.rt.events.emit(
                    conn, TaskDeadlineSet(task_id=task.id, deadline=new_deadline.day, due_at=new_deadline.due_at),
                    subject=f"task/{task.id}", case_id=task.id, actor=decided_by,
                )
            else:
                assert task.deadline is not None and reason is not None
                await self.rt.events.emit(
                    conn,
                    TaskExtensionRefused(task_id=task.id, extension_id=extension.id, refused_by=decided_by,
                                         reason=reason, deadline=task.deadline.day),
                    subject=f"task/{task.id}", case_id=task.id, actor=decided_by,
                )
        self.rt.committed()
        return extension

    async def correct_calendar(self, *, year: int, days: dict[date, bool], reason: str, by: str,
                               policy: CalendarPolicy) -> CalendarCorrection:
        """Correct a year of the working-day calendar (versioned); running deadlines follow the policy."""
        check_correction(year, days)
        now = self.rt.clock.now()
        async with self.rt.db.transaction() as conn:
            calendars = CalendarRepository(conn)
            version = await calendars.add(year=year, days=days, reason=reason, by=by, at=now, policy=policy.value)
            calendar = corrected_calendar(self.base_overrides, await calendars.versions())
            result = CalendarCorrection(version=version)
            if policy is CalendarPolicy.RECOMPUTE:
                repo = TaskRepository(conn)
                for task in await repo.find(status=TaskStatus.OPEN, limit=10**9):
                    new = recomputed(task, calendar)
                    if new is None:
                        continue
                    assert task.deadline is not None
                    old = task.deadline.day
                    task.deadline = new
                    await repo.save(task)
                    await self._arm(conn, task, calendar)
                    await calendars.add_move(version, task.id, old, new.day)
                    await self._history(repo, task, "recomputed", f"日历校正 v{version}（{by}）：{reason}", by)
                    await self.rt.events.emit(
                        conn,
                        TaskDeadlineSet(task_id=task.id, deadline=new.day, due_at=new.due_at,
                                        working_days=new.working_days, start=new.start),
                        subject=f"task/{task.id}", case_id=task.id, actor=by,
                    )
                    result.moved.append((task.id, old, new.day))
        self.rt.calendar = calendar
        self.rt.committed()
        return result

    async def _arm(self, conn: AsyncConnection, task: Task, calendar: WorkingCalendar | None = None) -> None:
        """Arm the deadline's timers; each replaces the pending one of its kind, so a change fires once."""
        assert task.deadline is not None
        calendar = calendar or self.rt.calendar
        day = task.deadline.day
        await timers.schedule(conn, self.rt.tables, kind=TASK_DUE, key=task.id, due_at=task.deadline.due_at)
        now = self.rt.clock.now()
        for light, on in (("yellow", yellow_day(calendar, day, self.yellow_days)), ("red", day)):
            at = due_instant(on - timedelta(days=1))  # the start of that day, China time
            if at > now and (light == "red" or on < day):
                await timers.schedule(conn, self.rt.tables, kind=TASK_WARN, key=f"{task.id}:{light}", due_at=at,
                                      payload={"light": light, "deadline": day.isoformat()})
            else:
                await timers.cancel(conn, self.rt.tables, kind=TASK_WARN, key=f"{task.id}:{light}")
        remind = due_instant(reminder_day(calendar, day) - timedelta(days=1)) + timedelta(hours=self.reminder_hour)
        await timers.schedule(conn, self.rt.tables, kind=TASK_REMIND, key=task.id, due_at=remind,
                              payload={"deadline": day.isoformat()})

    async def _disarm(self, conn: AsyncConnection, task_id: str) -> None:
        await timers.cancel(conn, self.rt.tables, kind=TASK_DUE, key=task_id)
        await timers.cancel(conn, self.rt.tables, kind=TASK_REMIND, key=task_id)
        for light in ("yellow", "red"):
            await timers.cancel(conn, self.rt.tables, kind=TASK_WARN, key=f"{task_id}:{light}")

    async def on_task_warn(self, conn: AsyncConnection, timer: DueTimer) -> None:
        """红黄灯: the light turned yellow or red for a task still open with the same deadline."""
        task_id = timer.key.rsplit(":", 1)[0]
        repo = TaskRepository(conn)
        task = await repo.get(task_id)
        if task.status is not TaskStatus.OPEN or task.deadline is None:
            return
        if task.deadline.day.isoformat() != timer.payload.get("deadline"):
            return
        today = local_date(self.rt.clock.now())
        await self.rt.events.emit(
            conn,
            TaskDeadlineWarned(task_id=task.id, light=timer.payload["light"], title=task.title,
                               lead_unit=task.lead_unit, deadline=task.deadline.day, due_at=task.deadline.due_at,
                               working_days_left=working_days_after(self.rt.calendar, today, task.deadline.day)),
            subject=f"task/{task.id}",
            case_id=task.id,
        )

    async def on_task_remind(self, conn: AsyncConnection, timer: DueTimer) -> None:
        """催办: the working day after the deadline, a task still not completed is reminded, once."""
        await self.on_tasks_remind(conn, [timer])

    async def on_tasks_remind(self, conn: AsyncConnection, due: list[DueTimer]) -> None:
        """`on_task_remind` for reminders due together: the tasks read in one query, reminded in one insert."""
        found = await TaskRepository(conn).get_many([timer.key for timer in due])
        await self.rt.events.emit_many(conn, [
            Emission(TaskReminded(task_id=task.id, title=task.title, lead_unit=task.lead_unit, co_units=task.co_units,
                                  deadline=task.deadline.day),
                     subject=f"task/{task.id}", case_id=task.id)
            for task in found if task.status is TaskStatus.OVERDUE and task.deadline is not None
        ])

    async def on_task_due(self, conn: AsyncConnection, timer: DueTimer) -> None:
        """The deadline timer fired: an open task becomes overdue, exactly once."""
        await self.on_tasks_due(conn, [timer])

    async def on_tasks_due(self, conn: AsyncConnection, due: list[DueTimer]) -> None:
        """`on_task_due` for deadlines that passed together (quarter end): the tasks read in one query,
        the overdue ones saved and announced in one statement each; then their parents follow."""
        repo = TaskRepository(conn)
        now = self.rt.clock.now()
        overdue = [task for task in await repo.get_many([timer.key for timer in due]) if task.mark_overdue(now)]
        await repo.save_many(overdue)
        await self.rt.events.emit_many(conn, [_overdue(task, task.deadline) for task in overdue
                                              if task.deadline is not None])
        for task in overdue:
            await self._parents_follow_overdue(conn, repo, task)

    async def _parents_follow_overdue(self, conn: AsyncConnection, repo: TaskRepository, child: Task) -> None:
        """A parent is overdue as soon as any of its sub-tasks is, up the tree, each once."""
        now = self.rt.clock.now()
        while child.parent_id:
            parent = await repo.get(child.parent_id)
            if not parent.follow_overdue_child(now):
                return
            await repo.save(parent)
            deadline = parent.deadline or child.deadline
            assert deadline is not None
            await self.rt.events.emit_many(conn, [_overdue(parent, deadline)])
            child = parent

    async def _parents_follow_completion(self, conn: AsyncConnection, repo: TaskRepository, child: Task,
                                         event: Envelope[Any]) -> None:
        """A parent completes when all its sub-tasks have, up the tree."""
        now = self.rt.clock.now()
        while child.parent_id:
            parent = await repo.get(child.parent_id)
            if not all_done(await repo.children(parent.id)) or not parent.complete(now):
                return
            await repo.save(parent)
            await self._disarm(conn, parent.id)
            await self.rt.events.emit(
                conn,
                TaskCompleted(task_id=parent.id, completed_at=now, late=bool(parent.completed_late)),
                subject=f"task/{parent.id}",
                case_id=parent.id,
                cause=event,
            )
            child = parent

    async def decompose(self, task_id: str, new_tasks: list[NewTask], *, actor: str | None = None) -> list[Task]:
        """层层分解: split a task into sub-tasks for lower units, each assigned like any task."""
        if not new_tasks:
            raise Invalid("give at least one sub-task", field="tasks")
        now = self.rt.clock.now()
        async with self.rt.db.transaction() as conn:
            repo = TaskRepository(conn)
            parent = await repo.get(task_id)
            task_list = await repo.get_list(parent.task_list_id)
            position = await repo.next_position(parent.task_list_id)
            created: list[Task] = []
            for spec in new_tasks:
                deadline = sub_task_deadline(parent, self._deadline(spec.deadline, spec.working_days, spec.start))
                child = Task(
                    id=str(new_id()), task_list_id=parent.task_list_id, seq=spec.seq, title=spec.title,
                    lead_unit=spec.lead_unit, co_units=[u for u in dict.fromkeys(spec.co_units) if u != spec.lead_unit],
                    parent_id=parent.id,
                )
                if deadline:
                    child.set_deadline(deadline, now)
                await repo.add(child, position)
                position += 1
                await self._assigned(conn, repo, child, task_list, actor, parent_id=parent.id)
                created.append(child)
            await self.rt.events.emit(
                conn,
                TaskDecomposed(task_id=parent.id, sub_task_ids=[c.id for c in created],
                               units=[c.lead_unit for c in created]),
                subject=f"task/{parent.id}",
                case_id=parent.id,
                actor=actor,
            )
        self.rt.committed()
        return created

    async def on_completion_accepted(self, conn: AsyncConnection, event: Envelope[Any]) -> None:
        """The issuing unit accepted the completion claim: the task is completed."""
        repo = TaskRepository(conn)
        task = await repo.get(event.data.task_id)
        now = self.rt.clock.now()
        if not task.complete(now):
            return
        await repo.save(task)
        await self._disarm(conn, task.id)
        await self.rt.events.emit(
            conn,
            TaskCompleted(task_id=task.id, claim_id=event.data.claim_id, completed_at=now, late=bool(task.completed_late)),
            subject=f"task/{task.id}",
            case_id=task.id,
            cause=event,
        )
        await self._parents_follow_completion(conn, repo, task, event)


def resolve_units(directory: Directory, spec: NewTask, report: UnitsReport, position: int) -> NewTask:
    """The task with its units as the directory names them (see `Directory.resolve`)."""
    resolved = directory.resolve([spec.lead_unit, *spec.co_units], report, spec.row or position)
    return replace(spec, lead_unit=resolved[0], co_units=resolved[1:])


def _how(deadline: WorkingDayDeadline) -> str:
    if deadline.is_counted:
        return f"自 {deadline.start} 起 {deadline.working_days} 个工作日"
    return f"定为 {deadline.day}"


def _overdue(task: Task, deadline: WorkingDayDeadline) -> Emission:
    """The task.overdue event of a task that became overdue (a parent's carries its child's deadline
    when it has none of its own)."""
    return Emission(
        TaskOverdue(task_id=task.id, title=task.title, lead_unit=task.lead_unit, co_units=task.co_units,
                    deadline=deadline.day, due_at=deadline.due_at),
        subject=f"task/{task.id}", case_id=task.id,
    )
