"""Problem clues (问题线索) at the 纪委 党风政风监督室 and the rules of their handling.

registered ──分办/转办──► assigned ──处置──► disposed ──decide──► decided ──通报曝光──► published
              (签收时限, 办理时限: missed → escalated to the commission above)
disposed as 暂存待查 ──reopen (启用, with a reason; or a new referral of the matter)──► assigned

One matter is one clue, however many tracks refer it: a referral joins an open clue of
the same case, or of the same 责任单位 with the same problem (`matter_fingerprint`), as
one more source. 分类梳理 sorts clues by kind (the 问责 grounds of 济厅字〔2017〕36号) and
by the level of the responsible person (市管 / 区管 / 科级及以下). 处置 is one of the four
ways (谈话函询, 初步核实, 暂存待查, 予以了结) with its reason; only a 谈话函询 or 初步核实
with a finding leads to a decision. A step out of order is refused with the reason. An
unfounded finding (查无实据) only allows no action; a no-action decision is not published;
a publication never names the person nor holds personal numbers (see `redaction`).
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sanwei_contracts.events.common import Sanction
from sanwei_discipline.domain.redaction import names_disclosed, personal_numbers
from sanwei_kit.calendar import WorkingDayDeadline
from sanwei_kit.errors import Conflict, Invalid
from sanwei_kit.numbering import YearlyNumber, numbering_year
from sanwei_kit.text import normalize_unit, required, stamped_line

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
    UNDETERMINED = "undetermined"  # 暂存待查 / 予以了结: no finding on the facts

    @property
    def label(self) -> str:
        return {"confirmed": "查证属实", "partly_confirmed": "部分属实", "unfounded": "查无实据",
                "undetermined": "暂无结论"}[self.value]


class DisposalWay(StrEnum):
    """The four ways of 处置 a problem clue (《中国共产党纪律检查机关监督执纪工作规则》)."""

    TALK_INQUIRY = "talk_inquiry"  # 谈话函询
    PRELIMINARY_VERIFICATION = "preliminary_verification"  # 初步核实
    SHELVED = "shelved"  # 暂存待查
    CLOSED = "closed"  # 予以了结

    @property
    def label(self) -> str:
        return {"talk_inquiry": "谈话函询", "preliminary_verification": "初步核实", "shelved": "暂存待查",
                "closed": "予以了结"}[self.value]

    @property
    def leads_to_decision(self) -> bool:
        return self in (DisposalWay.TALK_INQUIRY, DisposalWay.PRELIMINARY_VERIFICATION)


class ClueKind(StrEnum):
    """分类梳理 by kind: the 问责 grounds named in 济厅字〔2017〕36号 (纪检监察问责机制 1.)."""

    NOT_DEPLOYED = "not_deployed"  # 未按市创城指挥部统一部署开展工作
    RECTIFICATION_OVERDUE = "rectification_overdue"  # 未按时限整改
    RANKING_BOTTOM = "ranking_bottom"  # 模拟测评排名靠后
    INSPECTION_UNRECTIFIED = "inspection_unrectified"  # 各类督查发现问题不积极整改
    MEDIA_EXPOSED = "media_exposed"  # 媒体典型曝光、群众反映强烈的突出问题未及时解决
    DERELICTION = "dereliction"  # 履职不到位、推诿扯皮、敷衍塞责及不作为、慢作为、乱作为

    @property
    def label(self) -> str:
        return {
            "not_deployed": "未按统一部署开展工作", "rectification_overdue": "未按时限整改",
            "ranking_bottom": "模拟测评排名靠后", "inspection_unrectified": "督查发现问题不积极整改",
            "media_exposed": "媒体曝光问题未及时解决", "dereliction": "履职不到位、不作为慢作为乱作为",
        }[self.value]


class PersonLevel(StrEnum):
    """分类梳理 by the level of the responsible person: who has jurisdiction (管辖)."""

    CITY_MANAGED = "city_managed"  # 市管干部
    DISTRICT_MANAGED = "district_managed"  # 区（县）管干部
    SECTION_AND_BELOW = "section_and_below"  # 科级及以下
    ORGANIZATION = "organization"  # 党组织 / 单位 (no individual named yet)

    @property
    def label(self) -> str:
        return {"city_managed": "市管干部", "district_managed": "区管干部", "section_and_below": "科级及以下",
                "organization": "党组织/单位"}[self.value]


# The kind a referral suggests, until the 党风政风监督室 sorts the clue itself.
KIND_OF_ORIGIN = {
    "exposure_unrectified": ClueKind.MEDIA_EXPOSED,
    "ranking": ClueKind.RANKING_BOTTOM,
    "notice_unrectified": ClueKind.RECTIFICATION_OVERDUE,
    "inspection": ClueKind.INSPECTION_UNRECTIFIED,
}


class EscalationStage(StrEnum):
    RECEIPT = "receipt"  # not signed for (签收) in time
    HANDLING = "handling"  # not disposed of (办结) in time

    @property
    def label(self) -> str:
        return {"receipt": "逾期未签收", "handling": "逾期未办结"}[self.value]


def matter_fingerprint(unit: str, problem: str) -> str:
    """The same matter as told by different tracks: one unit, the problem's words without spacing or punctuation.

    “市中区 城管局” / “背街小巷垃圾清运不及时。” and “市中区城管局” / “背街小巷垃圾清运不及时” are one matter.
    """
    text = unicodedata.normalize("NFKC", problem or "")
    kept = "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] not in "PS").casefold()
    return hashlib.sha256(f"{normalize_unit(unit)}|{kept}".encode()).hexdigest()[:32]


class StepKind(StrEnum):
    REGISTERED = "registered"
    SOURCE_ADDED = "source_added"
    CLASSIFIED = "classified"
    ASSIGNED = "assigned"
    RECEIVED = "received"
    ESCALATED = "escalated"
    DISPOSED = "disposed"
    REOPENED = "reopened"
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
    case_id: str | None = None  # the case the referral belongs to (another case when matters were merged)


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
    kind: ClueKind | None = None
    level: PersonLevel | None = None
    supervisor: str | None = None  # the commission above the assignee: where an overdue clue escalates to
    receipt_due: WorkingDayDeadline | None = None  # 签收时限 of the assigned clue
    receipt_at: datetime | None = None
    receipt_by: str | None = None
    escalated_stages: list[EscalationStage] = field(default_factory=list)
    disposal_way: DisposalWay | None = None

    @property
    def number(self) -> str:
        return clue_number(self.year, self.seq)

    @property
    def fingerprint(self) -> str:
        return matter_fingerprint(self.unit, self.problem)

    @property
    def open_for_sources(self) -> bool:
        """A matter referred again joins this clue until it is decided; after that it is a new clue."""
        return self.state in (ClueState.REGISTERED, ClueState.ASSIGNED, ClueState.DISPOSED)

    def assigned_to(self, unit: str | None) -> bool:
        """Is the clue 分办/转办 to `unit` (a 派驻纪检监察组 / 街道纪工委), however its name is spaced?"""
        if not (unit and self.assignee):
            return False
        return normalize_unit(self.assignee) == normalize_unit(unit)

    def case_ids(self) -> list[str]:
        """The clue's own case, then the cases of merged referrals: where its outcome is told."""
        found = [self.case_id]
        for s in self.sources:
            if s.case_id and s.case_id not in found:
                found.append(s.case_id)
        return found

    @classmethod
    def register(cls, *, id: str, case_id: str, seq: int, unit: str, problem: str, source: Source,
                 now: datetime) -> Clue:
        clue = cls(id=id, case_id=case_id, year=numbering_year(now), seq=seq, unit=required(unit, "unit"),
                   problem=required(problem, "problem"), registered_at=now, sources=[source],
                   kind=KIND_OF_ORIGIN.get(source.origin))
        clue.steps.append(Step(now, StepKind.REGISTERED,
                               f"登记{clue.number}：{clue.unit}，{source.reason}（来源：{source.kind} {source.ref}）"))
        return clue

    def add_source(self, source: Source, now: datetime) -> bool:
        """The same matter referred again: one more source, no new clue. False if already known."""
        if any(s.kind == source.kind and s.ref == source.ref for s in self.sources):
            return False
        self.sources.append(source)
        self.steps.append(Step(now, StepKind.SOURCE_ADDED,
                               f"同一问题再次移交，并入{self.number}（来源：{source.kind} {source.ref}）"))
        return True

    def classify(self, kind: ClueKind, level: PersonLevel, now: datetime, by: str | None = None) -> None:
        """分类梳理: the kind of problem and the level of the responsible person (before 处置)."""
        if self.state not in (ClueState.REGISTERED, ClueState.ASSIGNED):
            raise Conflict(f"clue {self.number} is {self.state.value}: it is sorted before it is disposed of")
        self.kind = kind
        self.level = level
        self.steps.append(Step(now, StepKind.CLASSIFIED, f"分类梳理：{kind.label}；{level.label}", by))

    def _require(self, step: str) -> None:
        needed = _STEP_FROM[step]
        if self.state is not needed:
            raise Conflict(
                f"cannot {step} clue {self.number}: it is {self.state.value}, the next step is "
                f"to {_NEXT_STEP[self.state]}"
            )

    def assign(
        self, assignee: str, mode: AssignMode, due: WorkingDayDeadline, now: datetime, by: str | None = None,
        *, receipt_due: WorkingDayDeadline | None = None, supervisor: str | None = None,
    ) -> None:
        """分办 or 转办 to the commission that investigates, with a 签收时限 and a 办理时限.

        An escalated clue may be assigned again (the commission above re-assigns it, 督办).
        """
        if not (self.state is ClueState.ASSIGNED and self.escalated_stages):
            self._require("assign")
        again = self.state is ClueState.ASSIGNED
        self.assignee = required(assignee, "assignee")
        self.mode = mode
        self.due = due
        self.receipt_due = receipt_due
        self.receipt_at = None
        self.receipt_by = None
        self.escalated_stages = []
        self.supervisor = (supervisor or by or "").strip() or None
        self.assigned_at = now
        self.state = ClueState.ASSIGNED
        receipt = f"，签收时限{receipt_due.day.isoformat()}" if receipt_due else ""
        self.steps.append(Step(now, StepKind.ASSIGNED,
                               f"{'重新' if again else ''}{mode.label}至{self.assignee}{receipt}，"
                               f"办理时限{due.day.isoformat()}", by))

    def receive(self, by: str, now: datetime) -> None:
        """签收: the assigned commission acknowledges the clue."""
        if self.state is not ClueState.ASSIGNED:
            raise Conflict(f"clue {self.number} is {self.state.value}: only an assigned clue is signed for")
        if self.receipt_at is not None:
            raise Conflict(f"clue {self.number} was already signed for by {self.receipt_by}")
        self.receipt_at = now
        self.receipt_by = required(by, "by")
        self.steps.append(Step(now, StepKind.RECEIVED, f"{self.assignee}签收", self.receipt_by))

    def escalate(self, stage: EscalationStage, now: datetime) -> bool:
        """A time limit passed: the clue goes up to the commission above, once per stage and assignment."""
        if self.state is not ClueState.ASSIGNED or stage in self.escalated_stages:
            return False
        limit = self.receipt_due if stage is EscalationStage.RECEIPT else self.due
        if limit is None or not limit.has_passed(now):
            return False
        if stage is EscalationStage.RECEIPT and self.receipt_at is not None:
            return False
        self.escalated_stages.append(stage)
        to = self.supervisor or "上级纪检监察机关"
        self.steps.append(Step(now, StepKind.ESCALATED,
                               f"{self.assignee}{stage.label}（时限{limit.day.isoformat()}），提级督办：{to}"))
        return True

    def is_overdue(self, now: datetime) -> bool:
        """Assigned and not disposed of within its 办理时限."""
        return self.state is ClueState.ASSIGNED and self.due is not None and self.due.has_passed(now)

    def dispose(self, finding: Finding | None, summary: str, now: datetime, by: str | None = None,
                way: DisposalWay = DisposalWay.PRELIMINARY_VERIFICATION) -> None:
        """处置 in one of the four ways, with its reason; 谈话函询 and 初步核实 state a finding."""
        self._require("dispose")
        if way.leads_to_decision:
            if finding is None or finding is Finding.UNDETERMINED:
                raise Invalid(f"{way.label} ({way.value}) states a finding: confirmed, partly_confirmed or unfounded",
                              field="finding")
        elif finding not in (None, Finding.UNDETERMINED):
            raise Invalid(f"{way.label} ({way.value}) states no finding on the facts", field="finding")
        self.disposal_summary = required(summary, "summary")
        self.disposal_way = way
        self.finding = finding if finding is not None and way.leads_to_decision else Finding.UNDETERMINED
        self.disposed_at = now
        self.state = ClueState.DISPOSED
        result = self.finding.label if way.leads_to_decision else way.label
        self.steps.append(Step(now, StepKind.DISPOSED, f"处置（{way.label}）：{result}。{self.disposal_summary}", by))

    def decide(self, decision_id: str, sanction: Sanction, person: str | None, reason: str, now: datetime,
               by: str | None = None) -> Decision:
        self._require("decide")
        if self.disposal_way is not None and not self.disposal_way.leads_to_decision:
            raise Conflict(f"clue {self.number} was disposed of by {self.disposal_way.label}: there is nothing to "
                           "decide")
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
        numbers = personal_numbers(summary)
        if numbers:
            raise Invalid("a published outcome must not contain personal data; the summary contains a "
                          + " and a ".join(numbers), field="summary")
        self.publication_summary = summary
        self.published_at = now
        self.state = ClueState.PUBLISHED
        self.steps.append(Step(now, StepKind.PUBLISHED, f"通报曝光：{summary}", by))

    @property
    def held(self) -> bool:
        """Disposed of as 暂存待查: set aside until new material makes it worth taking up again."""
        return self.state is ClueState.DISPOSED and self.disposal_way is DisposalWay.SHELVED

    def reopen(self, reason: str, due: WorkingDayDeadline, now: datetime, by: str | None = None) -> None:
        """启用 a 暂存待查 clue: back to its assignee for 处置 again, with a new 办理时限.

        Only a held clue reopens (a 予以了结 clue is finished, the others go on to a decision);
        the reason is required and recorded as a step. The held disposal is cleared (the step
        that recorded it stays); the signature (签收) stands, the escalations start afresh.
        """
        if not self.held:
            way = f", disposed of by {self.disposal_way.label}" if self.disposal_way else ""
            raise Conflict(f"cannot reopen clue {self.number}: it is {self.state.value}{way}; only a clue held as "
                           f"{DisposalWay.SHELVED.label} ({DisposalWay.SHELVED.value}) is reopened")
        reason = required(reason, "reason")
        self.state = ClueState.ASSIGNED
        self.finding = None
        self.disposal_way = None
        self.disposal_summary = None
        self.disposed_at = None
        self.due = due
        self.escalated_stages = []
        self.steps.append(Step(now, StepKind.REOPENED,
                               f"暂存待查线索重新启用：{reason}；交{self.assignee}重新处置，办理时限{due.day.isoformat()}",
                               by))
