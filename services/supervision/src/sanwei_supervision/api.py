"""The supervision service's HTTP API: 督办通知书 and rectification reports (整改报告), 回头看,
模拟测评 (日记分, 周通报 / 月小结), 双随机 draws, inspections and 督查周报 / 专报.

Who may call what: the 指挥部/督查室 (command) does everything that changes state; every
office reads; a 责任单位 operator reads and answers only its own units' 督办通知书. Public
(no token): the published 双随机 draw records and their re-run, and the published rankings
(周通报 / 月小结), so that anyone can check them.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from sanwei_contracts.events.common import NoticeLevel
from sanwei_kit.auth import Principal, Role, require, require_unit
from sanwei_kit.calendar import CHINA_TZ, local_date
from sanwei_kit.errors import Invalid, NotFound
from sanwei_kit.inputs import INT32_MAX, Name, Offset
from sanwei_kit.runtime import Runtime
from sanwei_kit.text import normalize_unit
from sanwei_supervision.adapters.draw_repository import DrawRepository
from sanwei_supervision.adapters.inspection_repository import InspectionRepository
from sanwei_supervision.adapters.report_files import find_cjk_font, to_pdf, to_xlsx
from sanwei_supervision.adapters.repository import NoticeRepository
from sanwei_supervision.adapters.scoring_repository import ScoringRepository
from sanwei_supervision.domain.draws import ALGORITHM, Draw, rerun
from sanwei_supervision.domain.inspections import (
    KIND_LABELS,
    CheckItem,
    Finding,
    Inspection,
    InspectionKind,
    InspectionStatus,
)
from sanwei_supervision.domain.model import Notice, NoticeStatus, NoticeTrigger, RectificationReport, ReportStatus
from sanwei_supervision.domain.reports import build_report
from sanwei_supervision.domain.scoring import OUTCOME_LABELS, Deduction, Outcome, Period, PeriodKind, Ranking, Scheme
from sanwei_supervision.service import SupervisionService

# What the *_by fields of a request are: the caller is known from the token, the office is not.
ON_RECORD = ("the office named on the record (domain data); who acted is the authenticated caller, recorded as "
             "the event's actor")


class NoticeIn(BaseModel):
    unit: str = Field(min_length=1, max_length=200, description="责任单位 the notice is addressed to")
    problem: str = Field(min_length=1, max_length=5000, description="督办事项: the problem found")
    requirement: str | None = Field(default=None, max_length=5000,
                                    description="整改要求 (default: 请于N个工作日内整改到位并报送整改报告)")
    working_days: int | None = Field(default=None, ge=1, le=365, description="整改时限 in 工作日 (default from settings)")
    level: NoticeLevel | None = Field(default=None, description="三色督办 level (default from settings)")
    issued_by: str | None = Field(default=None, max_length=200, examples=["市创城指挥部"],
                                  description=f"发文机关: {ON_RECORD}")
    addressee: str | None = Field(default=None, max_length=200,
                                  description="责任人 (default: the level's addressee from settings)")


class RectificationIn(BaseModel):
    unit: str = Field(min_length=1, max_length=200,
                      description="责任单位 answering the notice: the addressee (a unit operator must cover it)")
    text: str = Field(min_length=1, description="整改报告: what was done")
    evidence: list[str] = Field(default_factory=list, description="佐证材料: file names or links")


class AcceptIn(BaseModel):
    accepted_by: str = Field(min_length=1, max_length=200, examples=["市创城指挥部"],
                             description=f"验收单位: {ON_RECORD}")


class ReturnIn(BaseModel):
    returned_by: str = Field(min_length=1, max_length=200, examples=["市创城指挥部"],
                             description=f"退回单位: {ON_RECORD}")
    reason: str = Field(min_length=1, max_length=5000, description="退回理由")


class RecheckIn(BaseModel):
    rechecked_by: str = Field(min_length=1, max_length=200, examples=["市创城指挥部"],
                              description=f"回头看 by: {ON_RECORD}")
    found_again: bool = Field(description="回头看 found the problem again (问题反弹): the notice reopens")
    note: str = Field(min_length=1, max_length=5000, description="What the 回头看 found")


class RectificationView(BaseModel):
    id: str
    notice_id: str
    unit: str
    text: str
    evidence: list[str]
    status: ReportStatus
    submitted_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    return_reason: str | None

    @classmethod
    def of(cls, report: RectificationReport) -> RectificationView:
        return cls(id=report.id, notice_id=report.notice_id, unit=report.unit, text=report.text,
                   evidence=report.evidence, status=report.status, submitted_at=report.submitted_at,
                   reviewed_by=report.reviewed_by, reviewed_at=report.reviewed_at, return_reason=report.return_reason)


class NoticeView(BaseModel):
    id: str
    number: str
    case_id: str
    trigger: NoticeTrigger
    task_id: str | None
    unit: str
    problem: str
    requirement: str
    level: NoticeLevel
    status: NoticeStatus
    issued_at: datetime
    issued_by: str | None
    working_days: int
    deadline: date
    due_at: datetime
    rectified_at: datetime | None
    rectified_report_id: str | None
    rectified_by: str | None
    unrectified_at: datetime | None
    addressee: str | None
    escalated_from: str | None = Field(description="Notice of the level below that ran out")
    escalated_to: str | None = Field(description="Notice of the level above that replaced this one")
    escalated_at: datetime | None
    repeat_of: str | None = Field(description="Earlier notice of the same unit and problem (重复发现)")
    recheck_on: date | None = Field(description="回头看 day of a rectified notice")
    rechecked_at: datetime | None
    rechecked_by: str | None
    recheck_note: str | None
    reopened_at: datetime | None
    reopen_count: int

    @classmethod
    def of(cls, notice: Notice) -> NoticeView:
        d = notice.deadline
        return cls(
            id=notice.id, number=str(notice.number), case_id=notice.case_id, trigger=notice.trigger,
            task_id=notice.task_id, unit=notice.unit, problem=notice.problem, requirement=notice.requirement,
            level=notice.level, status=notice.status, issued_at=notice.issued_at, issued_by=notice.issued_by,
            working_days=d.counted_days, deadline=d.day, due_at=d.due_at, rectified_at=notice.rectified_at,
            rectified_report_id=notice.rectified_report_id, rectified_by=notice.rectified_by,
            unrectified_at=notice.unrectified_at, addressee=notice.addressee,
            escalated_from=notice.escalated_from, escalated_to=notice.escalated_to,
            escalated_at=notice.escalated_at, repeat_of=notice.repeat_of, recheck_on=notice.recheck_on,
            rechecked_at=notice.rechecked_at, rechecked_by=notice.rechecked_by, recheck_note=notice.recheck_note,
            reopened_at=notice.reopened_at, reopen_count=notice.reopen_count,
        )


class NoticeDetail(NoticeView):
    reports: list[RectificationView]


class SkippedDayView(BaseModel):
    day: date
    reason: str


class DeadlineExplanationView(BaseModel):
    notice_id: str
    number: str
    start: date = Field(description="The day the notice was issued; counting starts the day after")
    working_days: int
    deadline: date = Field(description="整改时限 as fixed when the notice was issued")
    due_at: datetime
    counted: list[date]
    skipped: list[SkippedDayView]
    makeup_days: list[date] = Field(description="Weekend days worked by 调休, counted as working days")
    provisional_years: list[int] = Field(description="Years counted without official holiday data")
    calendar_changed: bool = Field(description="True if today's calendar would give another deadline")


# --- 模拟测评 ------------------------------------------------------------------------------
class SchemeIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="考核 name", examples=["露天烧烤整治考核"])
    units: list[Name] = Field(min_length=2, description="The units ranked (e.g. the 75 街办 of the 禁烧区)")
    base_score: float | None = Field(default=None, gt=0, le=10000, description="满分 (default from settings)")
    created_by: str | None = Field(default=None, max_length=200, examples=["市创城指挥部"],
                                   description=f"考核单位: {ON_RECORD}")


class SchemeView(BaseModel):
    id: str
    name: str
    units: list[str]
    base_score: float
    created_at: datetime
    created_by: str | None

    @classmethod
    def of(cls, scheme: Scheme) -> SchemeView:
        return cls(id=scheme.id, name=scheme.name, units=scheme.units, base_score=float(scheme.base_score),
                   created_at=scheme.created_at, created_by=scheme.created_by)


class DeductionIn(BaseModel):
    unit: str = Field(min_length=1, max_length=200, description="责任单位 losing points")
    day: date | None = Field(default=None, description="记分日 (default today, China time)")
    item: str = Field(min_length=1, max_length=500, description="扣分项目", examples=["露天烧烤"])
    points: float = Field(gt=0, le=10000, description="扣分 (分, two decimals)")
    reason: str = Field(min_length=1, max_length=5000, description="扣分理由")
    evidence: list[str] = Field(default_factory=list, description="佐证材料: photos, 12345 ticket numbers")
    recorded_by: str | None = Field(default=None, max_length=200, description=f"记分单位: {ON_RECORD}")


class DeductionView(BaseModel):
    id: str
    scheme_id: str
    unit: str
    day: date
    item: str
    points: float
    reason: str
    evidence: list[str]
    recorded_at: datetime
    recorded_by: str | None

    @classmethod
    def of(cls, d: Deduction) -> DeductionView:
        return cls(id=d.id, scheme_id=d.scheme_id, unit=d.unit, day=d.day, item=d.item, points=float(d.points),
                   reason=d.reason, evidence=d.evidence, recorded_at=d.recorded_at, recorded_by=d.recorded_by)


class DailyLineView(BaseModel):
    unit: str
    score: float
    deducted: float
    deductions: list[DeductionView]


class DailyScoresView(BaseModel):
    scheme_id: str
    day: date
    lines: list[DailyLineView] = Field(description="日记分: every unit, most points lost first")


class RankingIn(BaseModel):
    period_kind: PeriodKind = Field(description="week: 周通报; month: 月小结")
    period: str | None = Field(default=None, description="2026-W41 or 2026-10; default: the last ended one")
    published_by: str | None = Field(default=None, max_length=200, examples=["市创城指挥部"],
                                     description=f"通报单位: {ON_RECORD}")


class RankingLineView(BaseModel):
    unit: str
    rank: int
    score: float
    deducted: float
    deductions: int
    outcome: Outcome
    outcome_label: str = Field(description="表扬 / 通报批评 / 诫勉谈话 / 移交问责")
    bottom_streak: int


class RankingView(BaseModel):
    id: str
    scheme_id: str
    period_kind: PeriodKind
    period: str
    label: str
    period_start: date
    period_end: date
    published_at: datetime
    published_by: str | None
    lines: list[RankingLineView]
    referred: list[str]

    @classmethod
    def of(cls, r: Ranking) -> RankingView:
        return cls(
            id=r.id, scheme_id=r.scheme_id, period_kind=r.period.kind, period=r.period.key, label=r.period.label,
            period_start=r.period.start, period_end=r.period.end, published_at=r.published_at,
            published_by=r.published_by, referred=r.referred,
            lines=[RankingLineView(unit=line.unit, rank=line.rank, score=float(line.score),
                                   deducted=float(line.deducted), deductions=line.deductions, outcome=line.outcome,
                                   outcome_label=OUTCOME_LABELS[line.outcome], bottom_streak=line.bottom_streak)
                   for line in r.lines],
        )


class ReferralView(BaseModel):
    id: str
    unit: str
    period_kind: PeriodKind
    periods: list[str]
    ranking_id: str
    requested_at: datetime


# --- 双随机 ----------------------------------------------------------------------------------
class DrawIn(BaseModel):
    scope: str = Field(min_length=1, max_length=200, examples=["安全生产双随机抽查"],
                       description="名录库 / 抽查事项: a target is not drawn again in a scope within the period")
    title: str | None = Field(default=None, max_length=500, examples=["2026年10月安全生产双随机抽查"])
    seed: str | None = Field(default=None, max_length=200,
                             description="Seed announced beforehand (e.g. a lottery number); default: random")
    inspector_pool: list[Name] = Field(min_length=1, description="执法检查人员名录 (names or 执法证号)")
    targets: list[Name] = Field(min_length=1, description="检查对象名录")
    inspectors_count: int = Field(ge=1, le=INT32_MAX, description="How many inspectors to draw")
    targets_count: int = Field(ge=1, le=INT32_MAX, description="How many targets to draw")
    drawn_by: str | None = Field(default=None, max_length=200, examples=["市应急管理局"],
                                 description=f"抽查部门: {ON_RECORD}")


class DrawView(BaseModel):
    id: str
    scope: str
    title: str
    algorithm: str
    seed: str
    inspector_pool: list[str]
    targets: list[str]
    excluded: list[str] = Field(description="Drawn recently in this scope, not eligible")
    eligible: list[str]
    inspectors_count: int
    targets_count: int
    drawn_inspectors: list[str]
    drawn_targets: list[str]
    drawn_at: datetime
    drawn_by: str | None

    @classmethod
    def of(cls, d: Draw) -> DrawView:
        return cls(id=d.id, scope=d.scope, title=d.title, algorithm=d.algorithm, seed=d.seed,
                   inspector_pool=d.inspector_pool, targets=d.targets, excluded=d.excluded, eligible=d.eligible,
                   inspectors_count=d.inspectors_count, targets_count=d.targets_count,
                   drawn_inspectors=d.drawn_inspectors, drawn_targets=d.drawn_targets, drawn_at=d.drawn_at,
                   drawn_by=d.drawn_by)


class DrawRecordIn(BaseModel):
    """A published draw record (as GET /draws/{id} returns it) to re-run."""

    algorithm: str = Field(default=ALGORITHM)
    seed: str = Field(min_length=1, max_length=200)
    inspector_pool: list[str]
    targets: list[str]
    excluded: list[str] = Field(default_factory=list)
    inspectors_count: int = Field(ge=0)
    targets_count: int = Field(ge=0)
    drawn_inspectors: list[str]
    drawn_targets: list[str]


class DrawVerification(BaseModel):
    matches: bool = Field(description="The re-run gives exactly the published result")
    algorithm: str
    drawn_inspectors: list[str] = Field(description="Result of the re-run")
    drawn_targets: list[str] = Field(description="Result of the re-run")


# --- inspections -----------------------------------------------------------------------------
class CheckItemModel(BaseModel):
    code: str = Field(min_length=1, max_length=50, examples=["B-02"])
    item: str = Field(min_length=1, max_length=500, examples=["液氨储罐区安全距离"], description="检查项目")


class InspectionIn(BaseModel):
    kind: InspectionKind = Field(description="stationed 驻区全面督查, industry 行业专项督查, project 项目专项督查 "
                                             "(random 双随机抽查 when a draw_id is given)")
    title: str = Field(min_length=1, max_length=500)
    planned_on: date | None = Field(default=None, description="检查日期 (default today)")
    targets: list[str] = Field(default_factory=list, description="检查对象 (empty with a draw_id)")
    inspectors: list[str] = Field(default_factory=list, description="检查人员 (empty with a draw_id)")
    checklist: list[CheckItemModel] = Field(min_length=1, description="检查清单: findings refer to its codes")
    draw_id: str | None = Field(default=None, description="双随机 draw giving the targets and inspectors")
    created_by: str | None = Field(default=None, max_length=200, description=f"检查部门: {ON_RECORD}")


class FindingIn(BaseModel):
    unit: str = Field(min_length=1, max_length=200, description="检查对象 where the problem was found")
    check_code: str = Field(min_length=1, max_length=50, description="检查清单 item code")
    problem: str = Field(min_length=1, max_length=5000)
    evidence: list[str] = Field(default_factory=list, description="照片, 笔录 …")
    found_by: str | None = Field(default=None, max_length=200, description=f"检查组: {ON_RECORD}")


class FindingNoticeIn(BaseModel):
    working_days: int | None = Field(default=None, ge=1, le=365, description="整改时限 (default per 三色 level)")
    level: NoticeLevel | None = None
    issued_by: str | None = Field(default=None, max_length=200, examples=["市创城指挥部"],
                                  description=f"发文机关: {ON_RECORD}")


class CloseIn(BaseModel):
    closed_by: str = Field(min_length=1, max_length=200, examples=["市应急管理局"],
                           description=f"通报单位: {ON_RECORD}")


class FindingView(BaseModel):
    id: str
    unit: str
    check_code: str
    check_item: str
    problem: str
    evidence: list[str]
    found_at: datetime
    found_by: str | None
    notice_id: str | None
    notice_number: str | None

    @classmethod
    def of(cls, f: Finding) -> FindingView:
        return cls(id=f.id, unit=f.unit, check_code=f.check_code, check_item=f.check_item, problem=f.problem,
                   evidence=f.evidence, found_at=f.found_at, found_by=f.found_by, notice_id=f.notice_id,
                   notice_number=f.notice_number)


class InspectionView(BaseModel):
    id: str
    kind: InspectionKind
    kind_label: str
    title: str
    planned_on: date
    targets: list[str]
    inspectors: list[str]
    checklist: list[CheckItemModel]
    draw_id: str | None
    status: InspectionStatus
    created_at: datetime
    created_by: str | None
    closed_at: datetime | None
    closed_by: str | None
    bulletin: str | None = Field(description="通报 (一抽查一通报), once closed")
    findings: list[FindingView]

    @classmethod
    def of(cls, i: Inspection) -> InspectionView:
        return cls(id=i.id, kind=i.kind, kind_label=KIND_LABELS[i.kind], title=i.title, planned_on=i.planned_on,
                   targets=i.targets, inspectors=i.inspectors,
                   checklist=[CheckItemModel(code=c.code, item=c.item) for c in i.checklist], draw_id=i.draw_id,
                   status=i.status, created_at=i.created_at, created_by=i.created_by, closed_at=i.closed_at,
                   closed_by=i.closed_by, bulletin=i.bulletin, findings=[FindingView.of(f) for f in i.findings])


class ReportFormat(StrEnum):
    XLSX = "xlsx"
    PDF = "pdf"


_MEDIA_TYPES = {ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ReportFormat.PDF: "application/pdf"}


# The offices that read the 督办台账, inspections and scores (a unit operator reads only its own notices).
STAFF_READERS = (Role.COMMAND, Role.MEDIA, Role.DISCIPLINE, Role.AUDITOR, Role.ADMIN)
PUBLIC = "Public: no token needed."


def build_router(runtime: Runtime, service: SupervisionService) -> APIRouter:
    router = APIRouter(tags=["supervision"])
    command = Depends(require(Role.COMMAND))
    staff = Depends(require(*STAFF_READERS))
    notice_reader = require(*STAFF_READERS, Role.UNIT)

    async def readable_notice(notice_id: str, principal: Principal) -> Notice:
        async with runtime.db.connect() as conn:
            notice = await NoticeRepository(conn).get(notice_id)
        require_unit(principal, notice.unit, what=f"督办通知书 {notice.number}")
        return notice

    @router.post("/notices", status_code=201, response_model=NoticeView,
                 summary="Issue a 督办通知书 directly (指挥部)",
                 description="For a problem found by inspection: a new case, numbered 督〔YYYY〕N号, with a "
                             "整改时限 of N 工作日 from today (per 三色 level by default). A repeated finding "
                             "(same unit and problem) starts one level above the earlier notice. 指挥部 only.",
                 dependencies=[command])
    async def issue_notice(body: NoticeIn) -> NoticeView:
        notice = await service.issue_notice(unit=body.unit, problem=body.problem, requirement=body.requirement,
                                            working_days=body.working_days, level=body.level,
                                            issued_by=body.issued_by, addressee=body.addressee)
        return NoticeView.of(notice)

    @router.get("/notices", response_model=list[NoticeView], summary="督办台账: notices, filtered",
                description="Every office reads all notices; a 责任单位 operator only those of its units.")
    async def list_notices(
        unit: Annotated[str | None, Query(description="责任单位")] = None,
        status: NoticeStatus | None = None,
        task_id: str | None = None,
        limit: Annotated[int, Query(ge=1, le=5000)] = 500,
        offset: Offset = 0,
        principal: Principal = Depends(notice_reader),
    ) -> list[NoticeView]:
        scope = {normalize_unit(u) for u in principal.units} if principal.unit_scoped else None
        async with runtime.db.connect() as conn:
            found = await NoticeRepository(conn).find(
                unit=normalize_unit(unit) if unit else None, units=scope, status=status, task_id=task_id,
                limit=limit, offset=offset,
            )
        return [NoticeView.of(n) for n in found]

    @router.get("/rechecks/due", response_model=list[NoticeView],
                summary="回头看 list: rectified notices whose re-check day has come", dependencies=[staff])
    async def rechecks_due(day: date | None = None,
                           limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> list[NoticeView]:
        async with runtime.db.connect() as conn:
            due = await NoticeRepository(conn).rechecks_due(day or local_date(runtime.clock.now()), limit)
        return [NoticeView.of(n) for n in due]

    @router.post("/notices/{notice_id}/recheck", response_model=NoticeView,
                 summary="Record the 回头看 of a rectified notice; found again, it reopens one level up",
                 description="On or after the re-check day (N 工作日 after acceptance). A problem found again "
                             "reopens the notice one 三色 level up with that level's 整改时限 (notice.reopened). "
                             "指挥部 only.",
                 dependencies=[command])
    async def recheck_notice(notice_id: str, body: RecheckIn) -> NoticeView:
        return NoticeView.of(await service.recheck_notice(notice_id, by=body.rechecked_by,
                                                          found_again=body.found_again, note=body.note))

    @router.get("/notices/{notice_id}", response_model=NoticeDetail,
                summary="One 督办通知书 with its rectification reports",
                description="Every office; a 责任单位 operator only a notice addressed to one of its units.")
    async def get_notice(notice_id: str, principal: Principal = Depends(notice_reader)) -> NoticeDetail:
        notice = await readable_notice(notice_id, principal)
        async with runtime.db.connect() as conn:
            reports = await NoticeRepository(conn).reports_of(notice_id)
        return NoticeDetail(**NoticeView.of(notice).model_dump(), reports=[RectificationView.of(r) for r in reports])

    @router.get("/notices/{notice_id}/deadline/explain", response_model=DeadlineExplanationView,
                summary="How a notice's 整改时限 was computed: days counted, holidays and 调休 skipped",
                description="Readable by whoever may read the notice.")
    async def explain_deadline(notice_id: str,
                               principal: Principal = Depends(notice_reader)) -> DeadlineExplanationView:
        notice = await readable_notice(notice_id, principal)
        d = notice.deadline
        start, working_days = d.counted()
        explanation = d.explain(runtime.calendar)
        return DeadlineExplanationView(
            notice_id=notice.id, number=str(notice.number), start=start, working_days=working_days,
            deadline=d.day, due_at=d.due_at, counted=explanation.counted,
            skipped=[SkippedDayView(day=s.day, reason=s.reason) for s in explanation.skipped],
            makeup_days=explanation.makeup_days, provisional_years=explanation.provisional_years,
            calendar_changed=explanation.deadline != d.day,
        )

    @router.post("/notices/{notice_id}/rectification-reports", status_code=201, response_model=RectificationView,
                 summary="Answer a notice with a 整改报告",
                 description="Only the addressed 责任单位 (its operator, or the 指挥部 on its behalf), while the "
                             "notice is open and before its 整改时限. The same report sent again answers with the "
                             "first one (200); a different one while one waits for review is refused (409).",
                 responses={200: {"description": "Already sent: the waiting report"}})
    async def submit_rectification(
        notice_id: str, body: RectificationIn, response: Response,
        principal: Principal = Depends(require(Role.COMMAND, Role.UNIT)),
    ) -> RectificationView:
        await readable_notice(notice_id, principal)
        report, created = await service.submit_rectification(notice_id, unit=body.unit, text=body.text,
                                                             evidence=body.evidence)
        if not created:
            response.status_code = 200
        return RectificationView.of(report)

    @router.post("/notices/{notice_id}/rectification-reports/{report_id}/accept", response_model=NoticeView,
                 summary="Accept a 整改报告: the notice is rectified and the case closes", dependencies=[command])
    async def accept_rectification(notice_id: str, report_id: str, body: AcceptIn) -> NoticeView:
        return NoticeView.of(await service.accept_rectification(notice_id, report_id, accepted_by=body.accepted_by))

    @router.post("/notices/{notice_id}/rectification-reports/{report_id}/return", response_model=RectificationView,
                 summary="Return a 整改报告 with a reason (退回); the 整改时限 keeps running", dependencies=[command])
    async def return_rectification(notice_id: str, report_id: str, body: ReturnIn) -> RectificationView:
        report = await service.return_rectification(notice_id, report_id, returned_by=body.returned_by,
                                                    reason=body.reason)
        return RectificationView.of(report)

    # --- 模拟测评: 日记分, 周通报 / 月小结 -------------------------------------------------------
    @router.post("/schemes", status_code=201, response_model=SchemeView, tags=["scoring"],
                 summary="Set up a 考核 (模拟测评): the units ranked and their 满分", dependencies=[command])
    async def create_scheme(body: SchemeIn) -> SchemeView:
        return SchemeView.of(await service.create_scheme(name=body.name, units=body.units,
                                                         base_score=body.base_score, created_by=body.created_by))

    @router.get("/schemes", response_model=list[SchemeView], tags=["scoring"], summary="考核 list",
                dependencies=[staff])
    async def list_schemes() -> list[SchemeView]:
        async with runtime.db.connect() as conn:
            return [SchemeView.of(s) for s in await ScoringRepository(conn).schemes()]

    @router.get("/schemes/{scheme_id}", response_model=SchemeView, tags=["scoring"], summary="One 考核",
                dependencies=[staff])
    async def get_scheme(scheme_id: str) -> SchemeView:
        async with runtime.db.connect() as conn:
            return SchemeView.of(await ScoringRepository(conn).get_scheme(scheme_id))

    @router.post("/schemes/{scheme_id}/deductions", status_code=201, response_model=DeductionView,
                 tags=["scoring"], summary="日记分: record a 扣分 item (item, points, reason, evidence)",
                 description="Refused (409) for a day whose week or month is already published.",
                 dependencies=[command])
    async def record_deduction(scheme_id: str, body: DeductionIn) -> DeductionView:
        return DeductionView.of(await service.record_deduction(
            scheme_id, unit=body.unit, day=body.day, item=body.item, points=body.points, reason=body.reason,
            evidence=body.evidence, recorded_by=body.recorded_by))

    @router.get("/schemes/{scheme_id}/deductions", response_model=list[DeductionView], tags=["scoring"],
                summary="扣分 items between two days, optionally of one unit", dependencies=[staff])
    async def list_deductions(
        scheme_id: str, start: date, end: date,
        unit: Annotated[str | None, Query(description="责任单位")] = None,
    ) -> list[DeductionView]:
        async with runtime.db.connect() as conn:
            repo = ScoringRepository(conn)
            await repo.get_scheme(scheme_id)
            found = await repo.deductions(scheme_id, start, end, normalize_unit(unit) if unit else None)
        return [DeductionView.of(d) for d in found]

    @router.get("/schemes/{scheme_id}/daily", response_model=DailyScoresView, tags=["scoring"],
                summary="日记分: every unit's score of one day with its 扣分 items", dependencies=[staff])
    async def daily_scores(scheme_id: str, day: date | None = None) -> DailyScoresView:
        day = day or local_date(runtime.clock.now())
        async with runtime.db.connect() as conn:
            repo = ScoringRepository(conn)
            scheme = await repo.get_scheme(scheme_id)
            found = await repo.deductions(scheme_id, day, day)
        lines = []
        for unit in scheme.units:
            mine = [d for d in found if d.unit == unit]
            lost = sum((d.points for d in mine), start=scheme.base_score * 0)
            lines.append(DailyLineView(unit=unit, score=float(scheme.base_score - lost), deducted=float(lost),
                                       deductions=[DeductionView.of(d) for d in mine]))
        lines.sort(key=lambda line: (-line.deducted, line.unit))
        return DailyScoresView(scheme_id=scheme_id, day=day, lines=lines)

    @router.post("/schemes/{scheme_id}/rankings", status_code=201, response_model=RankingView, tags=["scoring"],
                 summary="Publish a 周通报 / 月小结 ranking (once per period, after it ends)",
                 description="Top K 表扬, bottom K 通报批评 / 诫勉谈话; bottom K in M consecutive periods → "
                             "移交纪检监察机关 (event referral.requested), once per streak. 指挥部 only.",
                 dependencies=[command])
    async def publish_ranking(scheme_id: str, body: RankingIn) -> RankingView:
        return RankingView.of(await service.publish_ranking(scheme_id, kind=body.period_kind, period=body.period,
                                                            published_by=body.published_by))

    @router.get("/schemes/{scheme_id}/rankings", response_model=list[RankingView], tags=["scoring"],
                summary="Published rankings (公开排名: 周通报 / 月小结), oldest first",
                description=f"{PUBLIC} A ranking is published to be read by everyone.")
    async def list_rankings(scheme_id: str, period_kind: PeriodKind | None = None) -> list[RankingView]:
        async with runtime.db.connect() as conn:
            repo = ScoringRepository(conn)
            await repo.get_scheme(scheme_id)
            return [RankingView.of(r) for r in await repo.rankings_of(scheme_id, period_kind)]

    @router.get("/schemes/{scheme_id}/rankings/{period_kind}/{period}", response_model=RankingView,
                tags=["scoring"], summary="The published ranking of one period (周通报 / 月小结)",
                description=f"{PUBLIC} A ranking is published to be read by everyone.")
    async def get_ranking(scheme_id: str, period_kind: PeriodKind, period: str) -> RankingView:
        async with runtime.db.connect() as conn:
            repo = ScoringRepository(conn)
            scheme = await repo.get_scheme(scheme_id)
            ranking = await repo.ranking_for(scheme_id, Period.parse(period_kind, period))
        if ranking is None:
            raise NotFound(f"the {period_kind.value} {period} of {scheme.name} is not published")
        return RankingView.of(ranking)

    @router.get("/schemes/{scheme_id}/referrals", response_model=list[ReferralView], tags=["scoring"],
                summary="Units referred to discipline for ranking bottom K in M consecutive periods",
                dependencies=[staff])
    async def list_referrals(scheme_id: str) -> list[ReferralView]:
        async with runtime.db.connect() as conn:
            repo = ScoringRepository(conn)
            await repo.get_scheme(scheme_id)
            rows = await repo.referrals(scheme_id)
        return [ReferralView(id=r["id"], unit=r["unit"], period_kind=PeriodKind(r["period_kind"]),
                             periods=list(r["periods"]), ranking_id=r["ranking_id"],
                             requested_at=r["requested_at"]) for r in rows]

    # --- 双随机 draws ------------------------------------------------------------------------
    @router.post("/draws", status_code=201, response_model=DrawView, tags=["draws"],
                 summary="双随机: draw inspectors and targets, and publish the record",
                 description="The record (seed, sorted lists, excluded targets, result) is public: anyone can "
                             "re-run it with POST /draws/verify or with the algorithm in docs/supervision.md. "
                             "指挥部 only.",
                 dependencies=[command])
    async def make_draw(body: DrawIn) -> DrawView:
        return DrawView.of(await service.make_draw(
            scope=body.scope, title=body.title, seed=body.seed, inspector_pool=body.inspector_pool,
            targets=body.targets, inspectors_count=body.inspectors_count, targets_count=body.targets_count,
            drawn_by=body.drawn_by))

    @router.get("/draws", response_model=list[DrawView], tags=["draws"], summary="Published 双随机 draws",
                description=f"{PUBLIC} The records are published so that anyone can re-run a draw (双随机一公开).")
    async def list_draws(scope: str | None = None, limit: Annotated[int, Query(ge=1, le=5000)] = 500,
                         offset: Offset = 0) -> list[DrawView]:
        async with runtime.db.connect() as conn:
            return [DrawView.of(d) for d in await DrawRepository(conn).find(scope, limit, offset)]

    @router.get("/draws/{draw_id}", response_model=DrawView, tags=["draws"],
                summary="One published draw record: seed, lists, result",
                description=f"{PUBLIC} The record is published so that anyone can re-run the draw (双随机一公开).")
    async def get_draw(draw_id: str) -> DrawView:
        async with runtime.db.connect() as conn:
            return DrawView.of(await DrawRepository(conn).get(draw_id))

    @router.post("/draws/verify", response_model=DrawVerification, tags=["draws"],
                 summary="Re-run a published draw record and say whether it gives the published result",
                 description=f"{PUBLIC} It computes from the record sent and changes nothing.")
    async def verify_draw(body: DrawRecordIn) -> DrawVerification:
        if body.algorithm != ALGORITHM:
            raise Invalid(f"unknown algorithm {body.algorithm}; this service re-runs {ALGORITHM}",
                          field="algorithm")
        excluded = set(body.excluded)
        inspectors, targets = rerun(body.seed, body.inspector_pool, [t for t in body.targets if t not in excluded],
                                    body.inspectors_count, body.targets_count)
        return DrawVerification(matches=(inspectors, targets) == (body.drawn_inspectors, body.drawn_targets),
                                algorithm=ALGORITHM, drawn_inspectors=inspectors, drawn_targets=targets)

    # --- inspections: plans, findings, 一抽查一通报 -------------------------------------------
    @router.post("/inspections", status_code=201, response_model=InspectionView, tags=["inspections"],
                 summary="Plan an inspection (驻区 / 行业专项 / 项目专项, or from a 双随机 draw) with its checklist",
                 dependencies=[command])
    async def plan_inspection(body: InspectionIn) -> InspectionView:
        return InspectionView.of(await service.plan_inspection(
            kind=body.kind, title=body.title, planned_on=body.planned_on, targets=body.targets,
            inspectors=body.inspectors, checklist=[CheckItem(c.code, c.item) for c in body.checklist],
            draw_id=body.draw_id, created_by=body.created_by))

    @router.get("/inspections", response_model=list[InspectionView], tags=["inspections"],
                summary="Inspections with their findings and bulletins", dependencies=[staff])
    async def list_inspections(status: InspectionStatus | None = None,
                               limit: Annotated[int, Query(ge=1, le=1000)] = 200,
                               offset: Offset = 0) -> list[InspectionView]:
        async with runtime.db.connect() as conn:
            return [InspectionView.of(i) for i in await InspectionRepository(conn).find(status, limit, offset)]

    @router.get("/inspections/{inspection_id}", response_model=InspectionView, tags=["inspections"],
                summary="One inspection", dependencies=[staff])
    async def get_inspection(inspection_id: str) -> InspectionView:
        async with runtime.db.connect() as conn:
            return InspectionView.of(await InspectionRepository(conn).get(inspection_id))

    @router.post("/inspections/{inspection_id}/findings", status_code=201, response_model=FindingView,
                 tags=["inspections"], summary="Record a finding against a checklist item", dependencies=[command])
    async def record_finding(inspection_id: str, body: FindingIn) -> FindingView:
        return FindingView.of(await service.record_finding(
            inspection_id, unit=body.unit, check_code=body.check_code, problem=body.problem,
            evidence=body.evidence, found_by=body.found_by))

    @router.post("/inspections/{inspection_id}/findings/{finding_id}/notice", status_code=201,
                 response_model=NoticeView, tags=["inspections"],
                 summary="Turn a finding into a 督办通知书 (once per finding)", dependencies=[command])
    async def notice_from_finding(inspection_id: str, finding_id: str, body: FindingNoticeIn) -> NoticeView:
        return NoticeView.of(await service.notice_from_finding(
            inspection_id, finding_id, working_days=body.working_days, level=body.level, issued_by=body.issued_by))

    @router.post("/inspections/{inspection_id}/close", response_model=InspectionView, tags=["inspections"],
                 summary="Close an inspection and publish its bulletin (一抽查一通报)", dependencies=[command])
    async def close_inspection(inspection_id: str, body: CloseIn) -> InspectionView:
        return InspectionView.of(await service.close_inspection(inspection_id, closed_by=body.closed_by))

    # --- 督查周报 / 督查专报 ----------------------------------------------------------------------
    async def _report(title: str, start: date, end: date, scheme_ids: list[str], fmt: ReportFormat,
                      filename: str) -> Response:
        if end < start:
            raise Invalid("end is before start", field="end")
        font = find_cjk_font(service.settings.report_font_path) if fmt is ReportFormat.PDF else None
        until = datetime.combine(end + timedelta(days=1), time(), tzinfo=CHINA_TZ)
        async with runtime.db.connect() as conn:
            notices = await NoticeRepository(conn).issued_until(until)
            scoring = ScoringRepository(conn)
            rankings = []
            for scheme_id in scheme_ids:
                scheme = await scoring.get_scheme(scheme_id)
                rankings += [(scheme.name, r) for r in await scoring.rankings_of(scheme_id)
                             if start <= r.period.start and r.period.end <= end]
        data = build_report(title=title, start=start, end=end, notices=notices, rankings=rankings,
                            now=runtime.clock.now())
        # Rendering (font subsetting, charts) takes seconds: off the event loop.
        body = await asyncio.to_thread(to_pdf, data, font) if font is not None else await asyncio.to_thread(
            to_xlsx, data)
        return Response(content=body, media_type=_MEDIA_TYPES[fmt],
                        headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt.value}"'})

    @router.get("/reports/weekly", tags=["reports"], response_class=Response,
                summary="督查周报 of an ISO week as xlsx or PDF (with charts of the ranking and of overdue counts)",
                description="指挥部 only.", dependencies=[command],
                responses={200: {"content": {_MEDIA_TYPES[ReportFormat.XLSX]: {}, _MEDIA_TYPES[ReportFormat.PDF]: {}}}})
    async def weekly_report(
        period: Annotated[str | None, Query(description="2026-W42; default: the last week that ended")] = None,
        scheme_id: Annotated[list[str] | None, Query(description="考核 whose rankings of the week to include")] = None,
        format: ReportFormat = ReportFormat.XLSX,  # noqa: A002 - the query parameter users type
    ) -> Response:
        week = (Period.parse(PeriodKind.WEEK, period) if period
                else Period.containing(PeriodKind.WEEK, local_date(runtime.clock.now())).previous())
        title = f"{service.settings.report_title_weekly}（{week.label}）"
        return await _report(title, week.start, week.end, scheme_id or [], format, f"weekly-{week.key}")

    @router.get("/reports/special", tags=["reports"], response_class=Response,
                summary="督查专报 of any period as xlsx or PDF", description="指挥部 only.", dependencies=[command],
                responses={200: {"content": {_MEDIA_TYPES[ReportFormat.XLSX]: {}, _MEDIA_TYPES[ReportFormat.PDF]: {}}}})
    async def special_report(
        start: date, end: date,
        title: Annotated[str, Query(min_length=1, max_length=200)] = "督查专报",
        scheme_id: Annotated[list[str] | None, Query(description="考核 whose rankings in the period to include")] = None,
        format: ReportFormat = ReportFormat.XLSX,  # noqa: A002 - the query parameter users type
    ) -> Response:
        return await _report(title, start, end, scheme_id or [], format, f"special-{start}-{end}")

    return router
