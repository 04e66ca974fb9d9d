"""Progress of a task: what its units report (进展情况) and how it is closed (完成销号).

A task is known here as the registry announced it (TaskAssigned, TaskDeadlineSet,
TaskPaused/TaskResumed, TaskExtensionApproved, TaskCompleted): the progress service never
decides a task's deadline or status itself.

Reports come from the task's responsible units (牵头单位, 配合单位), whose names are
matched leniently (“投促局” is 区投促局, see `sheet.match_unit`). A unit the task does not
list may report too when the reporter says so (`unlisted=True`): the published
落实情况表 carries such paragraphs, and the report is kept with `listed=False`.

Reports follow “最多报一次”: a unit reports a task once per period. Sending the same
text again is harmless (the first report is the answer); sending a different text for a
period already reported is refused, so two versions of one period never coexist.

A completion claim moves:

    pending ──accept──► accepted  (the registry then completes the task)
    pending ──reject──► rejected  (the lead unit may claim again)

Only the lead unit (牵头单位) claims; at most one claim of a task is pending at a time;
nobody verifies a claim of their own unit.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sanwei_kit.errors import Conflict, Invalid
from sanwei_kit.text import normalize_text, normalize_unit
from sanwei_progress.domain.sheet import match_unit


class TaskStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"


class ClaimStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


_YEAR = r"(?P<year>\d{4})"
_PERIODS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("year", re.compile(rf"^{_YEAR}$")),
    ("half", re.compile(rf"^{_YEAR}-?H(?P<n>[12])$")),
    ("quarter", re.compile(rf"^{_YEAR}-?Q(?P<n>[1-4])$")),
    ("ten_days", re.compile(rf"^{_YEAR}-(?P<m>0?[1-9]|1[0-2])-?D(?P<n>[1-3])$")),
    ("month", re.compile(rf"^{_YEAR}-(?P<n>0?[1-9]|1[0-2])$")),
    ("week", re.compile(rf"^{_YEAR}-?W(?P<n>\d{{1,2}})$")),
)
PERIOD_FORMS = "2026 (年), 2026H1 (半年), 2026Q2 (季), 2026-04 (月), 2026-04-D2 (旬: D1 上旬, D2 中旬, D3 下旬), 2026-W14 (周)"
_TEN_DAYS = {"上旬": "D1", "中旬": "D2", "下旬": "D3"}


def normalize_period(raw: str) -> str:
    """The reporting period in one canonical spelling, so “2026q2” and “2026-Q2” are one period.

    The cadences are those of 清单式管理: 年终总评 (2026), 半年检查 (2026H1),
    季通报 (2026Q2), 月调度 (2026-04), 旬调度 (2026-04-D2, also written 2026-04中旬) and
    周调度 (ISO week, 2026-W14).
    """
    text = unicodedata.normalize("NFKC", raw or "").strip().upper()
    for word, code in _TEN_DAYS.items():
        text = text.replace(word, "-" + code).replace("--", "-")
    for kind, pattern in _PERIODS:
        match = pattern.match(text)
        if not match:
            continue
        year = int(match["year"])
        if kind == "year":
            return f"{year}"
        n = int(match["n"])
        if kind == "half":
            return f"{year}H{n}"
        if kind == "quarter":
            return f"{year}Q{n}"
        if kind == "month":
            return f"{year}-{n:02d}"
        if kind == "ten_days":
            return f"{year}-{int(match['m']):02d}-D{n}"
        try:
            date.fromisocalendar(year, n, 1)
        except ValueError:
            break
        return f"{year}-W{n:02d}"
    raise Invalid(f"period {raw!r} is not a reporting period; use one of {PERIOD_FORMS}", field="period")


def require_text(text: str, *, field_name: str, max_chars: int) -> str:
    cleaned = normalize_text(text)
    if not cleaned:
        raise Invalid(f"{field_name} must not be empty", field=field_name)
    if len(cleaned) > max_chars:
        raise Invalid(f"{field_name} is longer than {max_chars} characters", field=field_name)
    return cleaned


@dataclass
class ProgressReport:
    """One unit's 进展情况 on one task for one period."""

    id: str
    task_id: str
    unit: str
    period: str
    text: str
    submitted_at: datetime
    listed: bool = True  # False: the unit is not among the task's 责任单位

    def same_text(self, text: str) -> bool:
        return normalize_text(self.text) == normalize_text(text)


@dataclass
class CompletionClaim:
    id: str
    task_id: str
    unit: str
    text: str
    claimed_at: datetime
    attachments: list[str] = field(default_factory=list)  # 佐证材料: references to evidence files
    status: ClaimStatus = ClaimStatus.PENDING
    decided_by: str | None = None
    decided_at: datetime | None = None
    rejection_reason: str | None = None

    def _decide(self, by: str) -> str:
        if self.status is not ClaimStatus.PENDING:
            raise Conflict(f"completion claim {self.id} is already {self.status.value}")
        verifier = normalize_unit(by)
        if not verifier:
            raise Invalid("say who verifies the claim", field="by")
        if verifier == self.unit:
            raise Invalid(f"{self.unit} cannot verify its own completion claim; the issuing unit does", field="by")
        return verifier

    def accept(self, by: str, now: datetime, task: TrackedTask) -> None:
        verifier = self._decide(by)
        if task.status is TaskStatus.COMPLETED:
            raise Conflict(f"task {task.id} is already completed")
        self.status = ClaimStatus.ACCEPTED
        self.decided_by = verifier
        self.decided_at = now

    def reject(self, by: str, reason: str, now: datetime) -> None:
        verifier = self._decide(by)
        reason = normalize_text(reason)
        if not reason:
            raise Invalid("a rejected claim needs a reason the unit can act on", field="reason")
        self.status = ClaimStatus.REJECTED
        self.decided_by = verifier
        self.decided_at = now
        self.rejection_reason = reason


@dataclass
class TrackedTask:
    """A task as the registry announced it."""

    id: str
    title: str
    lead_unit: str
    co_units: list[str] = field(default_factory=list)
    task_list_id: str | None = None
    task_list_title: str | None = None
    seq: str | None = None
    parent_id: str | None = None  # set for a sub-task (层层分解)
    units_merged_above: bool | None = None  # its 责任单位 cell was merged with the row above in the source sheet
    deadline: date | None = None
    due_at: datetime | None = None
    deadline_changed_at: datetime | None = None
    assigned_at: datetime | None = None
    status: TaskStatus = TaskStatus.OPEN
    completed_at: datetime | None = None
    completed_late: bool | None = None
    # 挂起: the latest pause and the latest resume the registry announced. Keeping both instants, not
    # a flag, lets paused and resumed events arrive in any order and any number of times.
    paused_at: datetime | None = None
    resumed_at: datetime | None = None
    pause_reason: str | None = None

    @property
    def responsible_units(self) -> list[str]:
        return [self.lead_unit, *[u for u in self.co_units if u != self.lead_unit]]

    def change_deadline(self, deadline: date, due_at: datetime, changed_at: datetime) -> bool:
        """Apply a deadline the registry set at `changed_at`; an older announcement never wins."""
        if self.deadline_changed_at is not None and changed_at < self.deadline_changed_at:
            return False
        self.deadline = deadline
        self.due_at = due_at
        self.deadline_changed_at = changed_at
        return True

    @property
    def paused(self) -> bool:
        """挂起 now: its deadline clock stands still and it owes no progress reports."""
        return self.paused_at is not None and (self.resumed_at is None or self.paused_at > self.resumed_at)

    @property
    def running(self) -> bool:
        """Open and not paused: its deadline runs and its units owe reports."""
        return self.status is TaskStatus.OPEN and not self.paused

    def pause(self, paused_at: datetime, reason: str) -> bool:
        """The registry paused the task at `paused_at`; an older announcement changes nothing."""
        if self.paused_at is not None and paused_at <= self.paused_at:
            return False
        self.paused_at, self.pause_reason = paused_at, reason
        return True

    def resume(self, resumed_at: datetime) -> bool:
        """The registry resumed the task at `resumed_at`; an older announcement changes nothing."""
        if self.resumed_at is not None and resumed_at <= self.resumed_at:
            return False
        self.resumed_at = resumed_at
        return True

    def reporting_unit(self, unit: str, *, unlisted: bool = False) -> str:
        """The name a report of `unit` is kept under: the task's own spelling of one of its units,
        or, for a unit it does not list and only when `unlisted` is said, the name as given."""
        matched = match_unit(unit, self.responsible_units)
        if matched is not None:
            return matched
        name = normalize_unit(unit)
        if not name:
            raise Invalid("say which unit reports", field="unit")
        if unlisted:
            return name
        raise Invalid(
            f"{name} is neither the lead unit ({self.lead_unit}) nor a co-unit of task {self.id}; "
            "only its responsible units report on it (or say unlisted=true for a unit the 落实情况表 names)",
            field="unit",
        )

    def complete(self, completed_at: datetime, late: bool) -> bool:
        if self.status is TaskStatus.COMPLETED:
            return False
        self.status = TaskStatus.COMPLETED
        self.completed_at = completed_at
        self.completed_late = late
        return True

    def report(
        self,
        *,
        report_id: str,
        unit: str,
        period: str,
        text: str,
        now: datetime,
        already: ProgressReport | None,
        unlisted: bool = False,
    ) -> tuple[ProgressReport, bool]:
        """A unit reports progress. Returns the report and whether it is new.

        `already` is the unit's report for this task and period, if there is one
        (looked up under `reporting_unit(unit)`).
        """
        unit = self.reporting_unit(unit, unlisted=unlisted)
        period = normalize_period(period)
        if already is not None:
            if already.same_text(text):
                return already, False
            raise Conflict(
                f"{unit} already reported on task {self.id} for {period} (report {already.id}) with a different "
                "text; a period is reported once (最多报一次)"
            )
        return ProgressReport(id=report_id, task_id=self.id, unit=unit, period=period, text=text,
                              submitted_at=now, listed=unit in self.responsible_units), True

    def claim_completion(
        self, *, claim_id: str, unit: str, text: str, now: datetime, claims: list[CompletionClaim],
        attachments: list[str] | None = None,
    ) -> CompletionClaim:
        """The lead unit says the task is done, with its evidence; `claims` are the task's earlier claims.

        A claim does not stop the task's deadline: while it waits, and after it is sent back,
        the deadline runs on, and the task falls overdue if it passes.
        """
        unit = normalize_unit(unit)
        if unit != self.lead_unit:
            raise Invalid(
                f"only the lead unit {self.lead_unit} claims completion of task {self.id}, not {unit}",
                field="unit",
            )
        if self.status is TaskStatus.COMPLETED:
            raise Conflict(f"task {self.id} is already completed")
        for claim in claims:
            if claim.status is ClaimStatus.PENDING:
                raise Conflict(f"completion claim {claim.id} of task {self.id} is still waiting for verification")
            if claim.status is ClaimStatus.ACCEPTED:
                raise Conflict(f"completion claim {claim.id} of task {self.id} was already accepted")
        refs = list(dict.fromkeys(normalize_text(a) for a in attachments or [] if normalize_text(a)))
        return CompletionClaim(id=claim_id, task_id=self.id, unit=unit, text=text, claimed_at=now, attachments=refs)
