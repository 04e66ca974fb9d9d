"""Events of the progress service: progress reports and completion claims."""

from __future__ import annotations

from datetime import datetime

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


class CompletionClaimed(EventData):
    """The lead unit claims the task is done and asks the issuing unit to verify it."""

    claim_id: str
    task_id: str
    unit: str
    text: str
    claimed_at: datetime


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
