"""The supervision service's HTTP API: 督办通知书 and rectification reports (整改报告)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from sanwei_contracts.events.common import NoticeLevel
from sanwei_kit.runtime import Runtime
from sanwei_kit.text import normalize_unit
from sanwei_supervision.adapters.repository import NoticeRepository
from sanwei_supervision.domain.model import Notice, NoticeStatus, NoticeTrigger, RectificationReport, ReportStatus
from sanwei_supervision.service import SupervisionService


class NoticeIn(BaseModel):
    unit: str = Field(min_length=1, max_length=200, description="责任单位 the notice is addressed to")
    problem: str = Field(min_length=1, max_length=5000, description="督办事项: the problem found")
    requirement: str | None = Field(default=None, max_length=5000,
                                    description="整改要求 (default: 请于N个工作日内整改到位并报送整改报告)")
    working_days: int | None = Field(default=None, ge=1, description="整改时限 in 工作日 (default from settings)")
    level: NoticeLevel | None = Field(default=None, description="三色督办 level (default from settings)")
    issued_by: str | None = Field(default=None, max_length=200, examples=["市创城指挥部"])


class RectificationIn(BaseModel):
    unit: str = Field(min_length=1, max_length=200, description="责任单位 answering the notice")
    text: str = Field(min_length=1, description="整改报告: what was done")
    evidence: list[str] = Field(default_factory=list, description="佐证材料: file names or links")


class AcceptIn(BaseModel):
    accepted_by: str = Field(min_length=1, max_length=200, examples=["市创城指挥部"])


class ReturnIn(BaseModel):
    returned_by: str = Field(min_length=1, max_length=200, examples=["市创城指挥部"])
    reason: str = Field(min_length=1, max_length=5000, description="退回理由")


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

    @classmethod
    def of(cls, notice: Notice) -> NoticeView:
        d = notice.deadline
        return cls(
            id=notice.id, number=str(notice.number), case_id=notice.case_id, trigger=notice.trigger,
            task_id=notice.task_id, unit=notice.unit, problem=notice.problem, requirement=notice.requirement,
            level=notice.level, status=notice.status, issued_at=notice.issued_at, issued_by=notice.issued_by,
            working_days=d.working_days, deadline=d.day, due_at=d.due_at, rectified_at=notice.rectified_at,
            rectified_report_id=notice.rectified_report_id, rectified_by=notice.rectified_by,
            unrectified_at=notice.unrectified_at,
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


def build_router(runtime: Runtime, service: SupervisionService) -> APIRouter:
    router = APIRouter(tags=["supervision"])

    @router.post("/notices", status_code=201, response_model=NoticeView,
                 summary="Issue a 督办通知书 directly (指挥部)",
                 description="For a problem found by inspection: a new case, numbered 督〔YYYY〕N号, with a "
                             "整改时限 of N 工作日 from today.")
    async def issue_notice(body: NoticeIn) -> NoticeView:
        notice = await service.issue_notice(unit=body.unit, problem=body.problem, requirement=body.requirement,
                                            working_days=body.working_days, level=body.level,
                                            issued_by=body.issued_by)
        return NoticeView.of(notice)

    @router.get("/notices", response_model=list[NoticeView], summary="督办台账: notices, filtered")
    async def list_notices(
        unit: Annotated[str | None, Query(description="责任单位")] = None,
        status: NoticeStatus | None = None,
        task_id: str | None = None,
        limit: Annotated[int, Query(ge=1, le=5000)] = 500,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[NoticeView]:
        async with runtime.db.connect() as conn:
            found = await NoticeRepository(conn).find(
                unit=normalize_unit(unit) if unit else None, status=status, task_id=task_id, limit=limit,
                offset=offset,
            )
        return [NoticeView.of(n) for n in found]

    @router.get("/notices/{notice_id}", response_model=NoticeDetail,
                summary="One 督办通知书 with its rectification reports")
    async def get_notice(notice_id: str) -> NoticeDetail:
        async with runtime.db.connect() as conn:
            repo = NoticeRepository(conn)
            notice = await repo.get(notice_id)
            reports = await repo.reports_of(notice_id)
        return NoticeDetail(**NoticeView.of(notice).model_dump(), reports=[RectificationView.of(r) for r in reports])

    @router.get("/notices/{notice_id}/deadline/explain", response_model=DeadlineExplanationView,
                summary="How a notice's 整改时限 was computed: days counted, holidays and 调休 skipped")
    async def explain_deadline(notice_id: str) -> DeadlineExplanationView:
        async with runtime.db.connect() as conn:
            notice = await NoticeRepository(conn).get(notice_id)
        d = notice.deadline
        explanation = d.explain(runtime.calendar)
        return DeadlineExplanationView(
            notice_id=notice.id, number=str(notice.number), start=d.start, working_days=d.working_days,
            deadline=d.day, due_at=d.due_at, counted=explanation.counted,
            skipped=[SkippedDayView(day=s.day, reason=s.reason) for s in explanation.skipped],
            makeup_days=explanation.makeup_days, provisional_years=explanation.provisional_years,
            calendar_changed=explanation.deadline != d.day,
        )

    @router.post("/notices/{notice_id}/rectification-reports", status_code=201, response_model=RectificationView,
                 summary="Answer a notice with a 整改报告",
                 description="Only the addressed 责任单位, while the notice is open and before its 整改时限. The "
                             "same report sent again answers with the first one (200); a different one while "
                             "one waits for review is refused (409).",
                 responses={200: {"description": "Already sent: the waiting report"}})
    async def submit_rectification(notice_id: str, body: RectificationIn, response: Response) -> RectificationView:
        report, created = await service.submit_rectification(notice_id, unit=body.unit, text=body.text,
                                                             evidence=body.evidence)
        if not created:
            response.status_code = 200
        return RectificationView.of(report)

    @router.post("/notices/{notice_id}/rectification-reports/{report_id}/accept", response_model=NoticeView,
                 summary="Accept a 整改报告: the notice is rectified and the case closes")
    async def accept_rectification(notice_id: str, report_id: str, body: AcceptIn) -> NoticeView:
        return NoticeView.of(await service.accept_rectification(notice_id, report_id, accepted_by=body.accepted_by))

    @router.post("/notices/{notice_id}/rectification-reports/{report_id}/return", response_model=RectificationView,
                 summary="Return a 整改报告 with a reason (退回); the 整改时限 keeps running")
    async def return_rectification(notice_id: str, report_id: str, body: ReturnIn) -> RectificationView:
        report = await service.return_rectification(notice_id, report_id, returned_by=body.returned_by,
                                                    reason=body.reason)
        return RectificationView.of(report)

    return router
