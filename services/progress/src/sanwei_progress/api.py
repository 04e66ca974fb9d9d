"""The progress service's HTTP API: progress reports (进展情况) and completion claims (完成销号)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Response, UploadFile
from pydantic import BaseModel, Field

from sanwei_kit.auth import Principal, Role, require, require_unit
from sanwei_kit.errors import Invalid, NotFound
from sanwei_kit.inputs import Offset
from sanwei_kit.runtime import Runtime
from sanwei_kit.text import normalize_unit
from sanwei_progress.adapters.repository import ProgressRepository
from sanwei_progress.adapters.spreadsheet import SheetLimits, rows_from_file
from sanwei_progress.adapters.xlsx import write_xlsx
from sanwei_progress.domain.cadence import CADENCE_NAMES, Cadence, ReportingCadence
from sanwei_progress.domain.model import (
    PERIOD_FORMS,
    ClaimStatus,
    CompletionClaim,
    ProgressReport,
    TaskStatus,
    TrackedTask,
    normalize_period,
)
from sanwei_progress.domain.sheet import ReportSheet
from sanwei_progress.domain.upload import read_upload
from sanwei_progress.domain.views import UnitView
from sanwei_progress.service import ProgressService, UploadStatus


class ReportIn(BaseModel):
    task_id: str = Field(min_length=1, max_length=36)
    unit: str = Field(min_length=1, max_length=200, description="报送单位: the task's 牵头单位 or a 配合单位")
    period: str = Field(min_length=4, max_length=20, description=f"调度周期, one of {PERIOD_FORMS}",
                        examples=["2026Q3"])
    text: str = Field(min_length=1, description="进展情况")
    unlisted: bool = Field(
        default=False,
        description="The unit is not among the task's 责任单位 but reports all the same (a 落实情况表 names it); "
                    "kept with listed=false. Without it such a report is refused (422).",
    )


class ReportView(BaseModel):
    id: str
    task_id: str
    unit: str
    period: str
    text: str
    submitted_at: datetime
    listed: bool = Field(description="False: the unit is not the task's 牵头单位 or a 配合单位")

    @classmethod
    def of(cls, report: ProgressReport) -> ReportView:
        return cls(id=report.id, task_id=report.task_id, unit=report.unit, period=report.period, text=report.text,
                   submitted_at=report.submitted_at, listed=report.listed)


class ClaimIn(BaseModel):
    task_id: str = Field(min_length=1, max_length=36)
    unit: str = Field(min_length=1, max_length=200, description="牵头单位")
    text: str = Field(min_length=1, description="完成情况说明")
    attachments: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(
        default_factory=list, max_length=50,
        description="佐证材料: references to the evidence (file names in the document system, 文号, URLs)",
        examples=[["市中政办字〔2019〕12号", "https://oa.example/files/验收报告.pdf"]],
    )


class AcceptIn(BaseModel):
    accepted_by: str = Field(min_length=1, max_length=200,
                             description="核验单位 (the issuing unit): domain data, the office's name; the person "
                                         "accepting is the authenticated caller, recorded as the event's actor",
                             examples=["区政府督查室"])


class RejectIn(BaseModel):
    rejected_by: str = Field(min_length=1, max_length=200,
                             description="核验单位 (the issuing unit): domain data, the office's name; the person "
                                         "sending back is the authenticated caller")
    reason: str = Field(min_length=1, max_length=2000, description="退回理由")


class ClaimView(BaseModel):
    id: str
    task_id: str
    unit: str
    text: str
    attachments: list[str]
    status: ClaimStatus
    claimed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    rejection_reason: str | None

    @classmethod
    def of(cls, claim: CompletionClaim) -> ClaimView:
        return cls(id=claim.id, task_id=claim.task_id, unit=claim.unit, text=claim.text,
                   attachments=claim.attachments, status=claim.status,
                   claimed_at=claim.claimed_at, decided_by=claim.decided_by, decided_at=claim.decided_at,
                   rejection_reason=claim.rejection_reason)


class TaskView(BaseModel):
    id: str
    title: str
    lead_unit: str
    co_units: list[str]
    status: TaskStatus
    deadline: date | None
    due_at: datetime | None
    completed_at: datetime | None
    completed_late: bool | None

    @classmethod
    def of(cls, task: TrackedTask) -> TaskView:
        return cls(id=task.id, title=task.title, lead_unit=task.lead_unit, co_units=task.co_units,
                   status=task.status, deadline=task.deadline, due_at=task.due_at, completed_at=task.completed_at,
                   completed_late=task.completed_late)


class SheetLineView(BaseModel):
    unit: str
    text: str
    listed: bool


class SheetRowView(BaseModel):
    task_id: str
    seq: str | None = Field(description="序号")
    title: str = Field(description="主要任务")
    progress: list[SheetLineView] = Field(description="进展情况, one paragraph per unit")
    progress_text: str = Field(description="进展情况 as the cell shows it: “区X局:…” lines")
    units: list[str] = Field(description="责任单位, the lead unit first")


class ReportSheetView(BaseModel):
    title: str
    period: str
    reports: int
    rows: list[SheetRowView]
    merged_units: list[tuple[int, int]] = Field(
        description="Runs of rows (0-based, first and last) sharing one merged 责任单位 cell")

    @classmethod
    def of(cls, sheet: ReportSheet) -> ReportSheetView:
        return cls(
            title=sheet.title, period=sheet.period, reports=sheet.reports, merged_units=sheet.merged_units,
            rows=[SheetRowView(task_id=r.task_id, seq=r.seq, title=r.title, progress_text=r.progress_text,
                               units=r.units,
                               progress=[SheetLineView(unit=p.unit, text=p.text, listed=p.listed) for p in r.progress])
                  for r in sheet.rows],
        )


class CadenceIn(BaseModel):
    cadence: str = Field(min_length=1, max_length=20,
                         description="调度频次: week (周), ten_days (旬), month (月) or quarter (季); 周/旬/月/季 also do",
                         examples=["month"])
    due_working_days: int | None = Field(
        default=None, ge=0, le=365,
        description="报送时限: 工作日 after a period's last day by which its reports are due (0: that day); "
                    "default SANWEI_REPORT_DUE_WORKING_DAYS",
    )
    set_by: str = Field(min_length=1, max_length=200,
                        description="The office setting it (督查室): domain data; the person is the authenticated "
                                    "caller, recorded as the event's actor", examples=["区政府督查室"])


class CadenceView(BaseModel):
    task_list_id: str
    cadence: Cadence
    cadence_name: str = Field(description="周调度 / 旬调度 / 月调度 / 季通报")
    due_working_days: int
    set_by: str
    set_at: datetime
    watched_period: str = Field(description="The period whose reports are awaited now")
    watched_due_on: date = Field(description="Its due day; a unit without a report by its end has missed it")

    @classmethod
    def of(cls, c: ReportingCadence) -> CadenceView:
        return cls(task_list_id=c.task_list_id, cadence=c.cadence, cadence_name=CADENCE_NAMES[c.cadence],
                   due_working_days=c.due_working_days, set_by=c.set_by, set_at=c.set_at,
                   watched_period=c.watched_period, watched_due_on=c.watched_due_on)


class MissedReportView(BaseModel):
    id: str
    task_id: str
    task_list_id: str
    seq: str | None
    title: str
    period: str
    cadence: Cadence
    due_on: date
    missed_at: datetime
    reported_late_at: datetime | None = Field(description="When the unit reported after all (补报), if it did")


class UnitMissedView(BaseModel):
    unit: str
    count: int = Field(description="Reports missed (逾期未报), late ones included")
    still_missing: int = Field(description="Of those, not reported even late")
    by_period: dict[str, int]
    missed: list[MissedReportView]


class UploadRowView(BaseModel):
    row: int = Field(description="Row number as the spreadsheet shows it")
    status: UploadStatus
    task_id: str | None
    seq: str | None
    report_id: str | None
    reason: str | None = Field(description="Why the row was not taken")


class UploadResult(BaseModel):
    dry_run: bool
    unit: str
    period: str
    header_row: int | None
    created: int
    unchanged: int
    errors: int
    rows: list[UploadRowView]


class OwedView(BaseModel):
    period: str
    due_on: date = Field(description="报送截止")
    missed: bool = Field(description="The due day has passed already (逾期未报, not sent even late)")


class UnitTaskView(TaskView):
    task_list_id: str | None
    seq: str | None
    role: Literal["lead", "co"] = Field(description="lead: 牵头单位, co: 配合单位")
    light: Literal["red", "yellow", "green"] = Field(
        description="red: overdue (逾期), yellow: due soon, green: neither")
    latest_claim: ClaimView | None = Field(description="The latest completion claim (a sent-back one keeps "
                                                       "the deadline running)")
    owed: list[OwedView] = Field(description="Reports owed this week on this task")


class UnitTasksView(BaseModel):
    unit: str
    view: UnitView
    now: datetime
    due_soon_until: date = Field(description="Deadlines up to this day count as due soon")
    counts: dict[UnitView, int] = Field(description="Tasks per view; owed_this_week counts reports owed")
    tasks: list[UnitTaskView]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TaskProgressView(BaseModel):
    task: TaskView
    reports: list[ReportView]
    claims: list[ClaimView]


# Reads: every office; a 责任单位 operator its own units' reports, claims and tasks only.
STAFF = (Role.COMMAND, Role.MEDIA, Role.DISCIPLINE, Role.AUDITOR, Role.ADMIN)
Reader = Annotated[Principal, Depends(require(*STAFF, Role.UNIT))]
# Reporting, claiming and uploading for a unit: that unit's operator (`require_unit`), or 督查室.
Reporter = Annotated[Principal, Depends(require(Role.UNIT, Role.COMMAND))]
# Verifying claims, cadences, the 落实情况表 export: 指挥部/督查室.
Commander = Annotated[Principal, Depends(require(Role.COMMAND))]


def check_task(principal: Principal, task: TrackedTask) -> None:
    """403 unless the caller may see `task` (staff, or an operator of its lead or a co-unit)."""
    require_unit(principal, task.lead_unit, *task.co_units, what=f"task {task.id}")


def build_router(runtime: Runtime, service: ProgressService) -> APIRouter:
    router = APIRouter(tags=["progress"])

    @router.post(
        "/reports", status_code=201, response_model=ReportView,
        summary="Report progress (报送进展情况) on a task for a period",
        description="Only the task's 牵头单位 or a 配合单位 reports (422 otherwise, unless `unlisted`); "
                    "names are matched leniently (投促局 = 区投促局). 最多报一次: the same "
                    "task, unit and period sent again with the same text answers the first report (200); "
                    "with a different text it is refused (409).",
        responses={200: {"description": "Already reported with this text: the existing report"},
                   404: {"description": "Unknown task"}, 409: {"description": "Period already reported"}},
    )
    async def submit_report(body: ReportIn, response: Response, principal: Reporter) -> ReportView:
        require_unit(principal, body.unit, what="a report of this unit")
        report, created = await service.submit_report(body.task_id, unit=body.unit, period=body.period,
                                                      text=body.text, unlisted=body.unlisted)
        if not created:
            response.status_code = 200
        return ReportView.of(report)

    @router.post(
        "/reports/upload", response_model=UploadResult,
        summary="Upload one unit's progress on several tasks in one sheet (一表报送, 最多报一次)",
        description="An xlsx or csv with a header row: a task column (任务ID, or 序号 with `task_list_id`) and a "
                    "进展情况 column; one row per task, all for the same unit and period. Rows that can be taken "
                    "are (in one transaction); each other row is listed with its row number and reason. Sending "
                    "the same sheet again changes nothing (rows come back `unchanged`). With dry_run nothing is "
                    "recorded and the answer shows what would be.",
    )
    async def upload_reports(
        principal: Reporter,
        file: Annotated[UploadFile, File(description="The .xlsx or .csv sheet")],
        unit: Annotated[str, Form(min_length=1, max_length=200, description="报送单位")],
        period: Annotated[str, Form(min_length=4, max_length=20, description=f"调度周期, one of {PERIOD_FORMS}")],
        task_list_id: Annotated[str | None, Form(max_length=36, description="Needed when rows give 序号")] = None,
        dry_run: Annotated[bool, Form()] = False,
    ) -> UploadResult:
        require_unit(principal, unit, what="an upload of this unit")
        limit = service.settings.upload_max_bytes
        content = await file.read(limit + 1)
        if len(content) > limit:
            raise HTTPException(413, detail={"reason": f"file larger than {limit} bytes"})
        read = read_upload(rows_from_file(file.filename or "upload", content, SheetLimits.from_settings(runtime.settings)),
                           unit)
        if read.header_row is None:
            raise Invalid(read.errors[0][1], field="file")
        outcomes = await service.upload_reports(read, unit=unit, period=period, task_list_id=task_list_id or None,
                                                dry_run=dry_run)
        return UploadResult(
            dry_run=dry_run, unit=normalize_unit(unit), period=normalize_period(period), header_row=read.header_row,
            created=sum(o.status is UploadStatus.CREATED for o in outcomes),
            unchanged=sum(o.status is UploadStatus.UNCHANGED for o in outcomes),
            errors=sum(o.status is UploadStatus.ERROR for o in outcomes),
            rows=[UploadRowView(row=o.row, status=o.status, task_id=o.task_id, seq=o.seq, report_id=o.report_id,
                                reason=o.reason) for o in outcomes],
        )

    @router.get("/reports", response_model=list[ReportView], summary="Progress reports (进展情况), filtered")
    async def list_reports(
        principal: Reader,
        task_id: str | None = None,
        unit: Annotated[str | None, Query(description="报送单位")] = None,
        period: Annotated[str | None, Query(description=f"调度周期, one of {PERIOD_FORMS}")] = None,
        limit: Annotated[int, Query(ge=1, le=5000)] = 500,
        offset: Offset = 0,
    ) -> list[ReportView]:
        if principal.unit_scoped and unit:
            require_unit(principal, unit, what="the reports of this unit")
        async with runtime.db.connect() as conn:
            # A unit operator lists its own units' reports (a task's others show on /tasks/{id}/progress).
            found = await ProgressRepository(conn).find_reports(
                task_id=task_id,
                unit=normalize_unit(unit) if unit else None,
                units=principal.units if principal.unit_scoped else None,
                period=normalize_period(period) if period else None,
                limit=limit,
                offset=offset,
            )
        return [ReportView.of(r) for r in found]

    @router.post(
        "/completion-claims", status_code=201, response_model=ClaimView,
        summary="Claim a task is completed (申请完成销号)",
        description="Only the 牵头单位 claims, with 完成情况说明 and references to its 佐证材料. Refused (409) "
                    "when the task is completed or a claim of it is waiting for verification. The task's deadline "
                    "keeps running while the claim waits.",
    )
    async def claim_completion(body: ClaimIn, principal: Reporter) -> ClaimView:
        require_unit(principal, body.unit, what="a completion claim of this unit")
        return ClaimView.of(await service.claim_completion(body.task_id, unit=body.unit, text=body.text,
                                                           attachments=body.attachments))

    @router.get("/completion-claims/{claim_id}", response_model=ClaimView, summary="One completion claim")
    async def get_claim(claim_id: str, principal: Reader) -> ClaimView:
        async with runtime.db.connect() as conn:
            claim = await ProgressRepository(conn).get_claim(claim_id)
        require_unit(principal, claim.unit, what=f"completion claim {claim_id}")
        return ClaimView.of(claim)

    @router.post(
        "/completion-claims/{claim_id}/accept", response_model=ClaimView,
        summary="Accept a completion claim after verification (核验通过)",
        description="The issuing unit, never the claiming unit itself, verifies. The registry then completes "
                    "the task (CompletionAccepted → TaskCompleted).",
    )
    async def accept_claim(claim_id: str, body: AcceptIn, _: Commander) -> ClaimView:
        return ClaimView.of(await service.accept_claim(claim_id, accepted_by=body.accepted_by))

    @router.post(
        "/completion-claims/{claim_id}/reject", response_model=ClaimView,
        summary="Send a completion claim back (核验退回) with a reason",
        description="The task stays open and its deadline keeps running (a claim never pauses it); the lead "
                    "unit may claim again with better evidence.",
    )
    async def reject_claim(claim_id: str, body: RejectIn, _: Commander) -> ClaimView:
        return ClaimView.of(await service.reject_claim(claim_id, rejected_by=body.rejected_by, reason=body.reason))

    @router.get("/tasks/{task_id}/progress", response_model=TaskProgressView,
                summary="A task's progress: the task, its reports (进展情况) and completion claims")
    async def task_progress(task_id: str, principal: Reader) -> TaskProgressView:
        async with runtime.db.connect() as conn:
            repo = ProgressRepository(conn)
            task = await repo.get_task(task_id)
            check_task(principal, task)
            reports = await repo.find_reports(task_id=task_id, limit=5000)
            claims = await repo.claims_of(task_id)
        return TaskProgressView(task=TaskView.of(task), reports=[ReportView.of(r) for r in reports],
                                claims=[ClaimView.of(c) for c in claims])

    @router.get(
        "/task-lists/{task_list_id}/report-sheet",
        summary="The quarterly 《主要工作任务落实情况表》 of a task list (xlsx)",
        description="Built from the period's progress reports: title row, 序号 / 主要任务 / 进展情况 / 责任单位, "
                    "进展情况 as one “区X局:…” paragraph per unit in the order they reported, 责任单位 merged over "
                    "consecutive rows with the same units. `format=json` gives the same table as data.",
        responses={200: {"content": {XLSX: {}, "application/json": {}},
                          "description": "The table"},
                   404: {"description": "No task of this list is known"}},
        response_model=None,
    )
    async def report_sheet(
        _: Commander,
        task_list_id: str,
        period: Annotated[str, Query(description=f"调度周期, one of {PERIOD_FORMS}", examples=["2019Q2"])],
        format: Annotated[Literal["xlsx", "json"], Query(description="xlsx (default) or json")] = "xlsx",
    ) -> Response | ReportSheetView:
        sheet = await service.report_sheet(task_list_id, period)
        if format == "json":
            return ReportSheetView.of(sheet)
        filename = f"{sheet.title}.xlsx"
        return Response(
            content=write_xlsx(sheet), media_type=XLSX,
            headers={"Content-Disposition": f"attachment; filename=\"report-{sheet.period}.xlsx\"; "
                                            f"filename*=UTF-8''{quote(filename)}"},
        )

    @router.put(
        "/task-lists/{task_list_id}/cadence", response_model=CadenceView,
        summary="Set a task list's reporting cadence (调度频次: 周 / 旬 / 月 / 季) and due day",
        description="From now on the current period's reports are due `due_working_days` 工作日 after it ends; "
                    "every responsible unit of an open task without a report by then raises report.missed, "
                    "once per task, unit and period; then the next period is watched. Setting it again "
                    "replaces the cadence and re-arms its timer.",
        responses={404: {"description": "No task of this list is known"}},
    )
    async def set_cadence(task_list_id: str, body: CadenceIn, _: Commander) -> CadenceView:
        return CadenceView.of(await service.set_cadence(task_list_id, cadence=body.cadence,
                                                        due_working_days=body.due_working_days,
                                                        set_by=body.set_by))

    @router.get("/task-lists/{task_list_id}/cadence", response_model=CadenceView,
                summary="A task list's reporting cadence (调度频次) and the period awaited now")
    async def get_cadence(task_list_id: str, _: Reader) -> CadenceView:
        async with runtime.db.connect() as conn:
            cadence = await ProgressRepository(conn).find_cadence(task_list_id)
        if cadence is None:
            raise NotFound(f"task list {task_list_id} has no reporting cadence; PUT one")
        return CadenceView.of(cadence)

    @router.get(
        "/units/{unit}/tasks", response_model=UnitTasksView,
        summary="A unit's tasks (我的任务): mine, due soon, overdue, reports owed this week, with counts",
        description="mine: open tasks it leads or helps with; due_soon: deadline within "
                    "SANWEI_DUE_SOON_WORKING_DAYS 工作日; overdue: deadline passed; owed_this_week: progress "
                    "reports due this week (Monday–Sunday) not yet sent, and missed ones not sent even late.",
    )
    async def unit_tasks(
        principal: Reader,
        unit: str,
        view: Annotated[UnitView, Query(description="mine | due_soon | overdue | owed_this_week")] = UnitView.MINE,
    ) -> UnitTasksView:
        require_unit(principal, unit, what="this unit's tasks")
        found = await service.unit_tasks(unit)
        owed: dict[str, list[OwedView]] = {}
        for o in found.owed:
            owed.setdefault(o.task_id, []).append(OwedView(period=o.period, due_on=o.due_on, missed=o.missed))
        chosen = {
            UnitView.MINE: {t.id for t, _ in found.mine},
            UnitView.DUE_SOON: set(found.due_soon),
            UnitView.OVERDUE: set(found.overdue),
            UnitView.OWED_THIS_WEEK: set(owed),
        }
        items = []
        for task, name in sorted(found.mine, key=lambda m: (m[0].due_at is None, m[0].due_at or found.now, m[0].id)):
            if task.id not in chosen[view]:
                continue
            claim = found.claims.get(task.id)
            light: Literal["red", "yellow", "green"] = (
                "red" if task.id in chosen[UnitView.OVERDUE]
                     else "yellow" if task.id in chosen[UnitView.DUE_SOON] else "green")
            items.append(UnitTaskView(
                **TaskView.of(task).model_dump(), task_list_id=task.task_list_id, seq=task.seq,
                role="lead" if name == task.lead_unit else "co", light=light,
                latest_claim=ClaimView.of(claim) if claim else None, owed=owed.get(task.id, []),
            ))
        counts = {v: len(ids) for v, ids in chosen.items()}
        counts[UnitView.OWED_THIS_WEEK] = len(found.owed)
        return UnitTasksView(unit=found.unit, view=view, now=found.now, due_soon_until=found.due_soon_until,
                             counts=counts, tasks=items)

    @router.get("/units/{unit}/missed-reports", response_model=UnitMissedView,
                summary="Reports a unit missed (逾期未报), counted for supervision")
    async def unit_missed(unit: str, principal: Reader) -> UnitMissedView:
        require_unit(principal, unit, what="this unit's missed reports")
        name = normalize_unit(unit)
        async with runtime.db.connect() as conn:
            rows = await ProgressRepository(conn).missed_of_unit(name)
        missed = [MissedReportView(id=r["id"], task_id=r["task_id"], task_list_id=r["task_list_id"], seq=r["seq"],
                                   title=r["title"], period=r["period"], cadence=Cadence(r["cadence"]),
                                   due_on=r["due_on"], missed_at=r["missed_at"],
                                   reported_late_at=r["reported_late_at"]) for r in rows]
        by_period: dict[str, int] = {}
        for m in missed:
            by_period[m.period] = by_period.get(m.period, 0) + 1
        return UnitMissedView(unit=name, count=len(missed),
                              still_missing=sum(m.reported_late_at is None for m in missed),
                              by_period=by_period, missed=missed)

    return router
