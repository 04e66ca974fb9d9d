"""督办通知书 (supervision notices) and the rectification reports (整改报告) answering them.

A notice is numbered per year (督〔2026〕15号, the year of the day it is issued in China),
addressed to one 责任单位, and gives it N working days (工作日) to rectify:

    open ──report accepted before the deadline──► rectified    (the case closes here)
    open ──deadline passes, nothing accepted─────► unrectified  (level goes up: 黄 → 红)
    open ──deadline passes below the media level──► escalated    (a new notice one level up)
    rectified ──回头看 finds the problem again──────► open again  (one level up, a new 整改时限)

三色督办 (蓝 → 黄 → 红): each level has its own 整改时限 and addressee (a higher leader at
red). A notice whose deadline passes while its level is below `media_from` (a setting)
is escalated: the 指挥部 issues a new notice of the same case one level up. From
`media_from` on (and always at red) a missed deadline makes the notice unrectified, which
hands the case to the media. A repeated finding (same unit, same problem) starts one
level above the notice it repeats.

While a notice is open its unit answers with rectification reports; the 指挥部 accepts a
report (the notice is rectified) or returns it with a reason (the deadline keeps
running, the unit may answer again). One report at a time waits for review; sending the
same report again answers with the one already sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sanwei_contracts.events.common import NoticeLevel
from sanwei_kit.calendar import WorkingCalendar, WorkingDayDeadline, local_date
from sanwei_kit.errors import Conflict, Invalid
from sanwei_kit.numbering import YearlyNumber
from sanwei_kit.text import normalize_text, normalize_unit


class NoticeStatus(StrEnum):
    OPEN = "open"
    RECTIFIED = "rectified"
    UNRECTIFIED = "unrectified"
    ESCALATED = "escalated"  # its deadline passed below the media level: a notice one level up replaced it


class NoticeTrigger(StrEnum):
    """Why a notice was issued: one notice per overdue task; the 指挥部 may issue others."""

    TASK_OVERDUE = "task_overdue"
    DIRECT = "direct"
    ESCALATED_YELLOW = "escalated_yellow"  # issued because a blue notice ran out
    ESCALATED_RED = "escalated_red"  # issued because a yellow notice ran out


LEVEL_ORDER = (NoticeLevel.BLUE, NoticeLevel.YELLOW, NoticeLevel.RED)
LEVEL_LABELS = {NoticeLevel.BLUE: "蓝色", NoticeLevel.YELLOW: "黄色", NoticeLevel.RED: "红色"}


def level_rank(level: NoticeLevel) -> int:
    return LEVEL_ORDER.index(level)


def escalation_trigger(level: NoticeLevel) -> NoticeTrigger:
    """The trigger of a notice issued at `level` by escalation (one per level per task)."""
    return {NoticeLevel.YELLOW: NoticeTrigger.ESCALATED_YELLOW, NoticeLevel.RED: NoticeTrigger.ESCALATED_RED}[level]


class ReportStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    RETURNED = "returned"


_NEXT_LEVEL = {NoticeLevel.BLUE: NoticeLevel.YELLOW, NoticeLevel.YELLOW: NoticeLevel.RED,
               NoticeLevel.RED: NoticeLevel.RED}


def escalate(level: NoticeLevel) -> NoticeLevel:
    """三色督办: a missed deadline raises the level one step (蓝 → 黄 → 红); red stays red."""
    return _NEXT_LEVEL[level]


def chinese_date(day: date) -> str:
    """A date as official documents write it: 2026年10月13日."""
    return f"{day.year}年{day.month}月{day.day}日"


def overdue_problem(title: str, deadline: date) -> str:
    """The problem a notice states for an overdue task."""
    name = normalize_text(title).rstrip("。.；;，, ")
    return f"《{name}》逾期未完成（完成时限 {chinese_date(deadline)}）"


def rectification_requirement(working_days: int, deadline: date) -> str:
    """What a notice requires by default."""
    return f"请于{working_days}个工作日内整改到位并报送整改报告（整改时限 {chinese_date(deadline)}）"


@dataclass
class RectificationReport:
    id: str
    notice_id: str
    unit: str
    text: str
    submitted_at: datetime
    evidence: list[str] = field(default_factory=list)
    status: ReportStatus = ReportStatus.PENDING
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    return_reason: str | None = None

    def same_as(self, text: str, evidence: list[str]) -> bool:
        return normalize_text(self.text) == normalize_text(text) and self.evidence == evidence


@dataclass
class Notice:
    id: str
    number: YearlyNumber  # 督〔2026〕15号
    case_id: str
    trigger: NoticeTrigger
    unit: str
    problem: str
    requirement: str
    level: NoticeLevel
    issued_at: datetime
    deadline: WorkingDayDeadline  # 整改时限: N 工作日 counted from the day after the day of issue
    task_id: str | None = None
    cause_event_id: str | None = None
    issued_by: str | None = None
    status: NoticeStatus = NoticeStatus.OPEN
    rectified_at: datetime | None = None
    rectified_report_id: str | None = None
    rectified_by: str | None = None
    unrectified_at: datetime | None = None
    addressee: str | None = None  # 责任人: the person or role answerable at this level
    escalated_from: str | None = None  # the notice of the level below that ran out
    repeat_of: str | None = None  # the earlier notice of the same unit and problem
    escalated_at: datetime | None = None
    escalated_to: str | None = None
    recheck_on: date | None = None  # 回头看: the day the 指挥部 re-checks a rectified notice
    rechecked_at: datetime | None = None
    rechecked_by: str | None = None
    recheck_note: str | None = None
    reopened_at: datetime | None = None
    reopen_count: int = 0

    @classmethod
    def issue(
        cls,
        *,
        notice_id: str,
        number: YearlyNumber,
        case_id: str,
        trigger: NoticeTrigger,
        unit: str,
        problem: str,
        requirement: str | None,
        level: NoticeLevel,
        working_days: int,
        calendar: WorkingCalendar,
        now: datetime,
        task_id: str | None = None,
        cause_event_id: str | None = None,
        issued_by: str | None = None,
        addressee: str | None = None,
        escalated_from: str | None = None,
        repeat_of: str | None = None,
    ) -> Notice:
        """Issue a notice now: its 整改时限 is N working days from today (China time)."""
        unit = normalize_unit(unit)
        if not unit:
            raise Invalid("a notice is addressed to a 责任单位", field="unit")
        problem = normalize_text(problem)
        if not problem:
            raise Invalid("a notice states the problem to rectify", field="problem")
        deadline = WorkingDayDeadline.after_working_days(calendar, local_date(now), working_days)
        requirement = normalize_text(requirement or "") or rectification_requirement(working_days, deadline.day)
        return cls(
            id=notice_id, number=number, case_id=case_id, trigger=trigger, unit=unit, problem=problem,
            requirement=requirement, level=level, issued_at=now, deadline=deadline, task_id=task_id,
            cause_event_id=cause_event_id, issued_by=issued_by,
            addressee=normalize_text(addressee or "") or None, escalated_from=escalated_from, repeat_of=repeat_of,
        )

    def _require_open(self, now: datetime) -> None:
        """New reports are taken only while the notice is open and its 整改时限 runs."""
        self._require_not_closed()
        if self.deadline.has_passed(now):
            raise Conflict(
                f"the 整改时限 of notice {self.number} ({self.deadline.day}) has passed; it is not rectified"
            )

    def _require_not_closed(self) -> None:
        if self.status is NoticeStatus.RECTIFIED:
            raise Conflict(f"notice {self.number} is already rectified")
        if self.status is NoticeStatus.UNRECTIFIED:
            raise Conflict(f"the 整改时限 of notice {self.number} ({self.deadline.day}) has passed; it is not rectified")
        if self.status is NoticeStatus.ESCALATED:
            raise Conflict(f"notice {self.number} ran out and was escalated to notice {self.escalated_to}; "
                           "answer that one")

    def _require_reviewable(self, report: RectificationReport) -> None:
        """A report sent in time may be reviewed after the deadline: the unit did its part on time."""
        if report.status is not ReportStatus.PENDING:
            raise Conflict(f"rectification report {report.id} was already {report.status.value}")
        self._require_not_closed()
        if self.deadline.has_passed(report.submitted_at):
            raise Conflict(f"rectification report {report.id} came after the 整改时限 ({self.deadline.day})")

    def _reviewer(self, by: str) -> str:
        reviewer = normalize_unit(by)
        if not reviewer:
            raise Invalid("say who reviews the rectification report", field="by")
        if reviewer == self.unit:
            raise Invalid(f"{self.unit} cannot review its own rectification report; the 指挥部 does", field="by")
        return reviewer

    def submit(
        self,
        *,
        report_id: str,
        unit: str,
        text: str,
        evidence: list[str],
        now: datetime,
        reports: list[RectificationReport],
    ) -> tuple[RectificationReport, bool]:
        """The addressee answers with a 整改报告. Returns the report and whether it is new.

        `reports` are the notice's earlier reports.
        """
        unit = normalize_unit(unit)
        if unit != self.unit:
            raise Invalid(f"notice {self.number} is addressed to {self.unit}; {unit} cannot answer it",
                          field="unit")
        self._require_open(now)
        text = normalize_text(text)
        if not text:
            raise Invalid("a rectification report says what was done", field="text")
        evidence = [e.strip() for e in evidence if e and e.strip()]
        for earlier in reports:
            if earlier.status is not ReportStatus.PENDING:
                continue
            if earlier.same_as(text, evidence):
                return earlier, False
            raise Conflict(
                f"rectification report {earlier.id} of notice {self.number} is still waiting for review; "
                "send a new one after it is returned"
            )
        return RectificationReport(id=report_id, notice_id=self.id, unit=unit, text=text, evidence=evidence,
                                   submitted_at=now), True

    def accept(self, report: RectificationReport, *, by: str, now: datetime) -> None:
        """The 指挥部 accepts the report: the notice is rectified and the case closes."""
        reviewer = self._reviewer(by)
        self._require_reviewable(report)
        report.status = ReportStatus.ACCEPTED
        report.reviewed_by = reviewer
        report.reviewed_at = now
        self.status = NoticeStatus.RECTIFIED
        self.rectified_at = now
        self.rectified_report_id = report.id
        self.rectified_by = reviewer

    def return_report(self, report: RectificationReport, *, by: str, reason: str, now: datetime,
                      media_from: NoticeLevel = NoticeLevel.BLUE) -> bool:
        """The 指挥部 sends the report back; the deadline keeps running.

        Returned after the deadline, the notice is unrectified at once: True when that happens.
        """
        reviewer = self._reviewer(by)
        reason = normalize_text(reason)
        if not reason:
            raise Invalid("a returned report needs a reason the unit can act on", field="reason")
        self._require_reviewable(report)
        report.status = ReportStatus.RETURNED
        report.reviewed_by = reviewer
        report.reviewed_at = now
        report.return_reason = reason
        return self.mark_unrectified(now, pending=[], media_from=media_from)

    def mark_unrectified(self, now: datetime, *, pending: list[RectificationReport],
                         media_from: NoticeLevel = NoticeLevel.BLUE) -> bool:
        """The deadline passed. True if this closed the notice (only ever once): unrectified,
        or escalated when its level is below `media_from` (and not red) — see `status`.

        A report sent in time and still waiting for review holds the notice open: the
        指挥部 decides on it, and only a return then makes the notice unrectified.
        """
        if self.status is not NoticeStatus.OPEN or not self.deadline.has_passed(now):
            return False
        if any(r.status is ReportStatus.PENDING and not self.deadline.has_passed(r.submitted_at) for r in pending):
            return False
        if level_rank(self.level) < level_rank(media_from) and self.level is not NoticeLevel.RED:
            self.status = NoticeStatus.ESCALATED
            self.escalated_at = now
            return True
        self.status = NoticeStatus.UNRECTIFIED
        self.level = escalate(self.level)
        self.unrectified_at = now
        return True

    def schedule_recheck(self, day: date) -> None:
        """After an acceptance: 回头看 on `day` (a reopened notice is re-checked anew)."""
        self.recheck_on = day
        self.rechecked_at = None

    def recheck(self, *, by: str, found_again: bool, note: str, now: datetime, calendar: WorkingCalendar,
                working_days: int) -> bool:
        """回头看: the 指挥部 re-checks a rectified notice on or after its re-check day.

        If the problem is found again the notice reopens one level up with a new 整改时限
        of `working_days` from today. True when it reopened.
        """
        reviewer = self._reviewer(by)
        note = normalize_text(note)
        if not note:
            raise Invalid("say what the 回头看 found", field="note")
        if self.status is not NoticeStatus.RECTIFIED or self.recheck_on is None:
            raise Conflict(f"notice {self.number} is {self.status.value}; only a rectified notice is re-checked")
        if self.rechecked_at is not None:
            raise Conflict(f"notice {self.number} was re-checked on {local_date(self.rechecked_at)}")
        if local_date(now) < self.recheck_on:
            raise Conflict(f"the 回头看 of notice {self.number} is due on {self.recheck_on}")
        self.rechecked_at = now
        self.rechecked_by = reviewer
        self.recheck_note = note
        if not found_again:
            return False
        self.level = escalate(self.level)
        self.deadline = WorkingDayDeadline.after_working_days(calendar, local_date(now), working_days)
        self.status = NoticeStatus.OPEN
        self.rectified_at = self.rectified_report_id = self.rectified_by = None
        self.recheck_on = None  # rectified again, it is re-checked again (see schedule_recheck)
        self.reopened_at = now
        self.reopen_count += 1
        return True

    def repeated_level(self, requested: NoticeLevel) -> NoticeLevel:
        """A repeated finding starts one level above this earlier notice (at least `requested`)."""
        above = escalate(self.level)
        return above if level_rank(above) > level_rank(requested) else requested
