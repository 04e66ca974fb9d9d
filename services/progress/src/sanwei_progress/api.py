"""The progress service's HTTP API: progress reports (进展情况) and completion claims (完成销号)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from sanwei_kit.runtime import Runtime
from sanwei_kit.text import normalize_unit
from sanwei_progress.adapters.repository import ProgressRepository
from sanwei_progress.domain.model import (
    PERIOD_FORMS,
    ClaimStatus,
    CompletionClaim,
    ProgressReport,
    TaskStatus,
    TrackedTask,
    normalize_period,
)
from sanwei_progress.service import ProgressService


class ReportIn(BaseModel):
    task_id: str = Field(min_length=1, max_length=36)
    unit: str = Field(min_length=1, max_length=200, description="报送单位: the task's 牵头单位 or a 配合单位")
    period: str = Field(min_length=4, max_length=20, description=f"调度周期, one of {PERIOD_FORMS}",
                        examples=["2026Q3"])
    text: str = Field(min_length=1, description="进展情况")


class ReportView(BaseModel):
    id: str
    task_id: str
    unit: str
    period: str
    text: str
    submitted_at: datetime

    @classmethod
    def of(cls, report: ProgressReport) -> ReportView:
        return cls(id=report.id, task_id=report.task_id, unit=report.unit, period=report.period, text=report.text,
                   submitted_at=report.submitted_at)


class ClaimIn(BaseModel):
    task_id: str = Field(min_length=1, max_length=36)
    unit: str = Field(min_length=1, max_length=200, description="牵头单位")
    text: str = Field(min_length=1, description="完成情况说明")


class AcceptIn(BaseModel):
    accepted_by: str = Field(min_length=1, max_length=200, description="核验单位 (the issuing unit)",
                             examples=["区政府督查室"])


class RejectIn(BaseModel):
    rejected_by: str = Field(min_length=1, max_length=200, description="核验单位 (the issuing unit)")
    reason: str = Field(min_length=1, max_length=2000, description="退回理由")


class ClaimView(BaseModel):
    id: str
    task_id: str
    unit: str
    text: str
    status: ClaimStatus
    claimed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    rejection_reason: str | None

    @classmethod
    def of(cls, claim: CompletionClaim) -> ClaimView:
        return cls(id=claim.id, task_id=claim.task_id, unit=claim.unit, text=claim.text, status=claim.status,
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


class TaskProgressView(BaseModel):
    task: TaskView
    reports: list[ReportView]
    claims: list[ClaimView]


def build_router(runtime: Runtime, service: ProgressService) -> APIRouter:
    router = APIRouter(tags=["progress"])

    @router.post(
        "/reports", status_code=201, response_model=ReportView,
        summary="Report progress (报送进展情况) on a task for a period",
        description="Only the task's 牵头单位 or a 配合单位 reports (422 otherwise). 最多报一次: the same "
                    "task, unit and period sent again with the same text answers the first report (200); "
                    "with a different text it is refused (409).",
        responses={200: {"description": "Already reported with this text: the existing report"},
                   404: {"description": "Unknown task"}, 409: {"description": "Period already reported"}},
    )
    async def submit_report(body: ReportIn, response: Response) -> ReportView:
        report, created = await service.submit_report(body.task_id, unit=body.unit, period=body.period,
                                                      text=body.text)
        if not created:
            response.status_code = 200
        return ReportView.of(report)

    @router.get("/reports", response_model=list[ReportView], summary="Progress reports (进展情况), filtered")
    async def list_reports(
        task_id: str | None = None,
        unit: Annotated[str | None, Query(description="报送单位")] = None,
        period: Annotated[str | None, Query(description=f"调度周期, one of {PERIOD_FORMS}")] = None,
        limit: Annotated[int, Query(ge=1, le=5000)] = 500,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[ReportView]:
        async with runtime.db.connect() as conn:
            found = await ProgressRepository(conn).find_reports(
                task_id=task_id,
                unit=normalize_unit(unit) if unit else None,
                period=normalize_period(period) if period else None,
                limit=limit,
                offset=offset,
            )
        return [ReportView.of(r) for r in found]

    @router.post(
        "/completion-claims", status_code=201, response_model=ClaimView,
        summary="Claim a task is completed (申请完成销号)",
        description="Only the 牵头单位 claims. Refused (409) when the task is completed or a claim of it is "
                    "waiting for verification.",
    )
    async def claim_completion(body: ClaimIn) -> ClaimView:
        return ClaimView.of(await service.claim_completion(body.task_id, unit=body.unit, text=body.text))

    @router.get("/completion-claims/{claim_id}", response_model=ClaimView, summary="One completion claim")
    async def get_claim(claim_id: str) -> ClaimView:
        async with runtime.db.connect() as conn:
            return ClaimView.of(await ProgressRepository(conn).get_claim(claim_id))

    @router.post(
        "/completion-claims/{claim_id}/accept", response_model=ClaimView,
        summary="Accept a completion claim after verification (核验通过)",
        description="The issuing unit, never the claiming unit itself, verifies. The registry then completes "
                    "the task (CompletionAccepted → TaskCompleted).",
    )
    async def accept_claim(claim_id: str, body: AcceptIn) -> ClaimView:
        return ClaimView.of(await service.accept_claim(claim_id, accepted_by=body.accepted_by))

    @router.post(
        "/completion-claims/{claim_id}/reject", response_model=ClaimView,
        summary="Send a completion claim back (核验退回) with a reason",
        description="The task stays open; the lead unit may claim again.",
    )
    async def reject_claim(claim_id: str, body: RejectIn) -> ClaimView:
        return ClaimView.of(await service.reject_claim(claim_id, rejected_by=body.rejected_by, reason=body.reason))

    @router.get("/tasks/{task_id}/progress", response_model=TaskProgressView,
                summary="A task's progress: the task, its reports (进展情况) and completion claims")
    async def task_progress(task_id: str) -> TaskProgressView:
        async with runtime.db.connect() as conn:
            repo = ProgressRepository(conn)
            task = await repo.get_task(task_id)
            reports = await repo.find_reports(task_id=task_id, limit=5000)
            claims = await repo.claims_of(task_id)
        return TaskProgressView(task=TaskView.of(task), reports=[ReportView.of(r) for r in reports],
                                claims=[ClaimView.of(c) for c in claims])

    return router
