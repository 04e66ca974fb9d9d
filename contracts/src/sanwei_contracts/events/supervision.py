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
    addressee: str | None = Field(default=None, description="责任人 answerable at this level (a higher leader at red).")
    escalated_from: str | None = Field(default=None, description="Notice of the level below that ran out, if any.")
    repeat_of: str | None = Field(default=None, description="Earlier notice of the same unit and problem, if any.")


class NoticeEscalated(EventData):
    """三色督办: a notice ran out below the media level; a new notice one level up replaces it."""

    notice_id: str = Field(description="The notice that ran out.")
    number: str
    task_id: str | None = None
    unit: str
    problem: str
    from_level: NoticeLevel
    to_level: NoticeLevel
    new_notice_id: str
    new_number: str
    addressee: str | None = None
    deadline: date = Field(description="整改时限 of the new notice.")
    due_at: datetime
    escalated_at: datetime


class NoticeReopened(EventData):
    """回头看 found a rectified problem again: the notice reopens one level up with a new deadline."""

    notice_id: str
    number: str
    task_id: str | None = None
    unit: str
    problem: str
    level: NoticeLevel
    finding: str = Field(description="What the 回头看 found.")
    rechecked_by: str
    deadline: date = Field(description="New 整改时限.")
    due_at: datetime
    working_days: int
    reopened_at: datetime


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


class RankingEntry(EventData):
    """One unit's line in a published 测评 ranking."""

    unit: str
    rank: int = Field(description="Competition rank (1224): tied scores share a rank.")
    score: float
    deducted: float = Field(description="Sum of the 扣分 of the period.")
    deductions: int = Field(description="How many 扣分 items the period has.")
    outcome: str = Field(description="praised (表扬) / criticized (通报批评) / admonished (诫勉谈话) / "
                                     "referred (移交问责) / none.")
    bottom_streak: int = Field(default=0, description="Consecutive published periods this unit ranked bottom K.")


class RankingPublished(EventData):
    """A 模拟测评 ranking (周通报 / 月小结) was published: top K praised, bottom K criticized."""

    ranking_id: str
    scheme_id: str
    scheme: str = Field(description="考核 name, e.g. 露天烧烤整治考核.")
    period_kind: str = Field(description="week (周通报) or month (月小结).")
    period: str = Field(description="e.g. 2026-W41 or 2026-10.")
    period_start: date
    period_end: date
    entries: list[RankingEntry]
    praised: list[str] = Field(default_factory=list)
    criticized: list[str] = Field(default_factory=list, description="通报批评")
    admonished: list[str] = Field(default_factory=list, description="诫勉谈话")
    referred: list[str] = Field(default_factory=list, description="Referred to discipline (连续排名后位).")
    published_at: datetime


class RankingReferralRequested(EventData):
    """A unit ranked bottom K in M consecutive periods is handed to the discipline commission (问责)."""

    referral_id: str
    origin: str = Field(description="Always ranking: 模拟测评连续排名后位.")
    origin_ref: str = Field(description="Id of the ranking whose publication completed the streak.")
    unit: str
    problem: str
    reason: str
    evidence: list[str] = Field(default_factory=list, description="The rankings of the streak, e.g. 2026-W41 第75名.")
    requested_at: datetime
    periods: list[str] = Field(default_factory=list, description="The consecutive periods ranked bottom K.")


class DrawPublished(EventData):
    """A 双随机 draw was made and published with its seed and lists, so anyone can re-run it."""

    draw_id: str
    scope: str = Field(description="e.g. 安全生产双随机抽查; a target is not drawn again in a scope within a period.")
    title: str
    algorithm: str = Field(description="sanwei-draw-v1: the n smallest SHA-256(seed\\npurpose\\nitem).")
    seed: str
    inspector_pool: list[str]
    targets: list[str]
    excluded: list[str] = Field(default_factory=list, description="Targets drawn recently, not eligible.")
    inspectors_count: int
    targets_count: int
    drawn_inspectors: list[str]
    drawn_targets: list[str]
    drawn_at: datetime


class InspectionClosed(EventData):
    """An inspection closed and its bulletin was published (一抽查一通报)."""

    inspection_id: str
    kind: str = Field(description="stationed (驻区), industry (行业专项), project (项目专项) or random (双随机).")
    title: str
    planned_on: date
    targets: list[str]
    units_with_findings: list[str] = Field(default_factory=list)
    findings: int
    notices: list[str] = Field(default_factory=list, description="Numbers of the notices issued from findings.")
    draw_id: str | None = None
    bulletin: str = Field(description="The 通报 text, public.")
    closed_at: datetime
