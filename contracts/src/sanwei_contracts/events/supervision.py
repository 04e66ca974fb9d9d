"""Events of the supervision service (指挥部 / 督查室): 督办通知书 and rectification."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from sanwei_contracts.events.common import EventData, NoticeLevel


class NoticeIssued(EventData):
    """A numbered 督办通知书 was issued to the responsible unit with a rectification deadline."""

    notice_id: str
    number: str = Field(description="Yearly number, e.g. 督〔2026〕15号.")
    task_id: str | None = None
    unit: str = Field(description="责任单位 the notice is addressed to.")
    problem: str
    requirement: str
    level: NoticeLevel
    issued_at: datetime
    deadline: date = Field(description="整改时限: last working day to rectify.")
    due_at: datetime
    working_days: int


class RectificationSubmitted(EventData):
    """The unit submitted a rectification report (整改报告) answering a notice."""

    notice_id: str
    report_id: str
    unit: str
    text: str
    evidence: list[str] = Field(default_factory=list)
    submitted_at: datetime


class RectificationReturned(EventData):
    """The 指挥部 sent a rectification report back; the notice's deadline keeps running."""

    notice_id: str
    report_id: str
    reason: str
    returned_by: str
    returned_at: datetime


class NoticeRectified(EventData):
    """The 指挥部 accepted a rectification report: the case closes here."""

    notice_id: str
    number: str
    report_id: str
    accepted_by: str
    rectified_at: datetime


class NoticeUnrectified(EventData):
    """The notice's deadline passed with no accepted rectification; the level goes up."""

    notice_id: str
    number: str
    task_id: str | None = None
    unit: str
    problem: str
    level: NoticeLevel
    deadline: date
    detected_at: datetime
