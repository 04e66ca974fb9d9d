"""Problem clues (问题线索) at the 纪委 党风政风监督室 and the rules of their handling.

registered ──分办/转办──► assigned ──处置──► disposed ──decide──► decided ──通报曝光──► published

A matter referred several times for the same case is one clue with several sources.
A step out of order is refused with the reason. An unfounded finding (查无实据) only
allows no action; a no-action decision is not published; a publication never names
the person (see `redaction`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sanwei_contracts.events.common import Sanction
from sanwei_discipline.domain.redaction import names_disclosed
from sanwei_kit.calendar import WorkingDayDeadline
from sanwei_kit.errors import Conflict, Invalid
from sanwei_kit.numbering import YearlyNumber, numbering_year
from sanwei_kit.text import required, stamped_line

CLUE_NUMBER_PREFIX = "线索"


class ClueState(StrEnum):
    REGISTERED = "registered"
    ASSIGNED = "assigned"
    DISPOSED = "disposed"
    DECIDED = "decided"
    PUBLISHED = "published"


# What each step needs the clue to be in, and what it makes it.
_STEP_FROM = {
    "assign": ClueState.REGISTERED,
    "dispose": ClueState.ASSIGNED,
    "decide": ClueState.DISPOSED,
    "publish": ClueState.DECIDED,
}
_NEXT_STEP = {
    ClueState.REGISTERED: "assign it (分办/转办)",
    ClueState.ASSIGNED: "dispose of it (处置)",
    ClueState.DISPOSED: "decide (问责决定)",
    ClueState.DECIDED: "publish the outcome (通报曝光)",
    ClueState.PUBLISHED: "nothing: the case is published",
}


class AssignMode(StrEnum):
    ASSIGN = "assign"  # 分办: to a lower commission that handles it under the referring one
    TRANSFER = "transfer"  # 转办: handed over to the commission with jurisdiction

    @property
    def label(self) -> str:
        return {"assign": "分办", "transfer": "转办"}[self.value]


class Finding(StrEnum):
    CONFIRMED = "confirmed"
    PARTLY_CONFIRMED = "partly_confirmed"
    UNFOUNDED = "unfounded"

    @property
    def label(self) -> str:
        return {"confirmed": "查证属实", "partly_confirmed": "部分属实", "unfounded": "查无实据"}[self.value]


class StepKind(StrEnum):
    REGISTERED = "registered"
    SOURCE_ADDED = "source_added"
    ASSIGNED = "assigned"
    DISPOSED = "disposed"
    DECIDED = "decided"
    PUBLISHED = "published"


def clue_number(year: int, seq: int) -> str:
    """The yearly clue number: 线索〔2026〕3号 (the year of registration, in China)."""
    return str(YearlyNumber(year, seq, CLUE_NUMBER_PREFIX))


@dataclass(frozen=True)
class Source:
    """One referral of the matter: by which track, with its reason and evidence."""

    kind: str
    ref: str
    origin: str
    origin_ref: str
    reason: str
    received_at: datetime
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """One line of the clue's handling record."""

    at: datetime
    kind: StepKind
    text: str
    by: str | None = None

    def line(self) -> str:
        return stamped_line(self.at, self.text, self.by)


@dataclass(frozen=True)
class Decision:
    decision_id: str
    sanction: Sanction
    person: str | None
    reason: str
    decided_at: datetime


@dataclass
class Clue:
    id: str
    case_id: str
    year: int
    seq: int
    unit: str
    problem: str
    registered_at: datetime
    state: ClueState = ClueState.REGISTERED
    sources: list[Source] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    assignee: str | None = None
    mode: AssignMode | None = None
    due: WorkingDayDeadline | None = None  # 办理时限 of the assigned clue
    assigned_at: datetime | None = None
    finding: Finding | None = None
    disposal_summary: str | None = None
    disposed_at: datetime | None = None
    decision: Decision | None = None
    publication_summary: str | None = None
    published_at: datetime | None = None

    @property
    def number(self) -> str:
        return clue_number(self.year, self.seq)

    @classmethod
    def register(cls, *, id: str, case_id: str, seq: int, unit: str, problem: str, source: Source,
                 now: datetime) -> Clue:
        clue = cls(id=id, case_id=case_id, year=numbering_year(now), seq=seq, unit=required(unit, "unit"),
                   problem=required(problem, "problem"), registered_at=now, sources=[source])
        clue.steps.append(Step(now, StepKind.REGISTERED,
                               f"登记{clue.number}：{clue.unit}，{source.reason}（来源：{source.kind} {source.ref}）"))
        return clue

    def add_source(self, source: Source, now: datetime) -> bool:
        """The same case referred again: one more source, no new clue. False if already known."""
        if any(s.kind == source.kind and s.ref == source.ref for s in self.sources):
            return False
        self.sources.append(source)
        self.steps.append(Step(now, StepKind.SOURCE_ADDED,
                               f"同一问题再次移交，并入{self.number}（来源：{source.kind} {source.ref}）"))
        return True

    def _require(self, step: str) -> None:
        needed = _STEP_FROM[step]
        if self.state is not needed:
            raise Conflict(
                f"cannot {step} clue {self.number}: it is {self.state.value}, the next step is "
                f"to {_NEXT_STEP[self.state]}"
            )

    def assign(
        self, assignee: str, mode: AssignMode, due: WorkingDayDeadline, now: datetime, by: str | None = None
    ) -> None:
        """分办 or 转办 to the commission that investigates, with a 办理时限."""
        self._require("assign")
        self.assignee = required(assignee, "assignee")
        self.mode = mode
        self.due = due
        self.assigned_at = now
        self.state = ClueState.ASSIGNED
        self.steps.append(Step(now, StepKind.ASSIGNED,
                               f"{mode.label}至{self.assignee}，办理时限{due.day.isoformat()}", by))

    def is_overdue(self, now: datetime) -> bool:
        """Assigned and not disposed of within its 办理时限."""
        return self.state is ClueState.ASSIGNED and self.due is not None and self.due.has_passed(now)

    def dispose(self, finding: Finding, summary: str, now: datetime, by: str | None = None) -> None:
        """处置: the investigation's finding."""
        self._require("dispose")
        self.disposal_summary = required(summary, "summary")
        self.finding = finding
        self.disposed_at = now
        self.state = ClueState.DISPOSED
        self.steps.append(Step(now, StepKind.DISPOSED, f"处置：{finding.label}。{self.disposal_summary}", by))

    def decide(self, decision_id: str, sanction: Sanction, person: str | None, reason: str, now: datetime,
               by: str | None = None) -> Decision:
        self._require("decide")
        if self.finding is Finding.UNFOUNDED and sanction is not Sanction.NO_ACTION:
            raise Invalid(
                f"clue {self.number} was found unfounded (查无实据): the only decision is no_action, "
                f"not {sanction.value}",
                field="sanction",
            )
        decision = Decision(decision_id=decision_id, sanction=sanction, person=(person or "").strip() or None,
                            reason=required(reason, "reason"), decided_at=now)
        self.decision = decision
        self.state = ClueState.DECIDED
        who = f"，{decision.person}" if decision.person else ""
        self.steps.append(Step(now, StepKind.DECIDED, f"决定：{sanction.label}{who}。{decision.reason}", by))
        return decision

    def publish(self, summary: str, now: datetime, by: str | None = None) -> None:
        """通报曝光: the public, redacted outcome."""
        self._require("publish")
        assert self.decision is not None
        if self.decision.sanction is Sanction.NO_ACTION:
            raise Conflict(f"clue {self.number} was decided with no action (不予问责); such decisions are not published")
        summary = required(summary, "summary")
        disclosed = names_disclosed(summary, self.decision.person)
        if disclosed:
            raise Invalid(
                "a published outcome must not name the person concerned; the summary contains "
                + "、".join(disclosed) + " (write e.g. 该单位负责同志 or 张某)",
                field="summary",
            )
        self.publication_summary = summary
        self.published_at = now
        self.state = ClueState.PUBLISHED
        self.steps.append(Step(now, StepKind.PUBLISHED, f"通报曝光：{summary}", by))
