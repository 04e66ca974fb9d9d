"""Events of the progress service: progress reports and completion claims."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from sanwei_contracts.events.common import EventData


class ReportSubmitted(EventData):
    """A unit reported progress (进展情况) on a task for a period."""

    report_id: str
    task_id: str
    unit: str
    period: str = Field(description="Reporting period, e.g. 2019Q2 or 2026-W14.")
    text: str
    submitted_at: datetime
    listed: bool = Field(
        default=True,
        description="False when the unit is not the task's 牵头单位 or a 配合单位 (a unit a 落实情况表 names all the same).",
    )


class ReportMissed(EventData):
    """A responsible unit did not report progress on a task for a period by its due day (逾期未报)."""

    task_id: str
    task_list_id: str
    unit: str
    period: str = Field(description="The period not reported, e.g. 2026-04 or 2026Q2.")
    cadence: str = Field(description="week (周调度), ten_days (旬调度), month (月调度) or quarter (季通报).")
    due_on: date = Field(description="The last day the report could come (N 工作日 after the period).")
    missed_at: datetime


class CompletionClaimed(EventData):
    """The lead unit claims the task is done and asks the issuing unit to verify it."""

    claim_id: str
    task_id: str
    unit: str
    text: str
    claimed_at: datetime
    attachments: list[str] = Field(
        default_factory=list,
        description="佐证材料: references to the evidence (file names, document numbers or URLs).",
    )


class CompletionAccepted(EventData):
    """The issuing unit verified and accepted a completion claim."""

    claim_id: str
    task_id: str
    unit: str
    accepted_by: str
    accepted_at: datetime


class CompletionRejected(EventData):
    """The issuing unit sent a completion claim back; the task stays open."""

    claim_id: str
    task_id: str
    unit: str
    rejected_by: str
    reason: str
    rejected_at: datetime
