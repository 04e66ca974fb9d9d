"""Inspections (督查检查): plans, findings against a checklist, and the bulletin that closes them.

Kinds, as 济厅字〔2017〕36号 names them: 驻区全面督查 (stationed working groups), 行业专项督查
(by trade: hotels, schools, crossings …) and 项目专项督查 (one outstanding problem). The
targets and inspectors of a plan may come from a 双随机 draw. Each finding is recorded
against an item of the plan's checklist and may become a 督办通知书 (once). Closing an
inspection produces its bulletin: “一抽查一通报”, results made public.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sanwei_kit.errors import Conflict, Invalid
from sanwei_kit.text import normalize_text, normalize_unit
from sanwei_supervision.domain.model import chinese_date


class InspectionKind(StrEnum):
    STATIONED = "stationed"  # 驻区全面督查
    INDUSTRY = "industry"  # 行业专项督查
    PROJECT = "project"  # 项目专项督查
    RANDOM = "random"  # 双随机抽查


KIND_LABELS = {InspectionKind.STATIONED: "驻区全面督查", InspectionKind.INDUSTRY: "行业专项督查",
               InspectionKind.PROJECT: "项目专项督查", InspectionKind.RANDOM: "双随机抽查"}


class InspectionStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class CheckItem:
    code: str  # e.g. A-03
    item: str  # 检查项目


@dataclass
class Finding:
    id: str
    inspection_id: str
    unit: str
    check_code: str
    check_item: str
    problem: str
    evidence: list[str]
    found_at: datetime
    found_by: str | None = None
    notice_id: str | None = None
    notice_number: str | None = None


@dataclass
class Inspection:
    id: str
    kind: InspectionKind
    title: str
    planned_on: date
    targets: list[str]
    inspectors: list[str]
    checklist: list[CheckItem]
    created_at: datetime
    created_by: str | None = None
    draw_id: str | None = None
    status: InspectionStatus = InspectionStatus.OPEN
    closed_at: datetime | None = None
    closed_by: str | None = None
    bulletin: str | None = None
    findings: list[Finding] = field(default_factory=list)

    @classmethod
    def plan(cls, *, inspection_id: str, kind: InspectionKind, title: str, planned_on: date, targets: list[str],
             inspectors: list[str], checklist: list[CheckItem], now: datetime, created_by: str | None = None,
             draw_id: str | None = None) -> Inspection:
        title = normalize_text(title)
        if not title:
            raise Invalid("an inspection plan has a title", field="title")
        units = list(dict.fromkeys(u for u in (normalize_unit(t) for t in targets) if u))
        if not units:
            raise Invalid("an inspection checks at least one unit", field="targets")
        people = list(dict.fromkeys(p for p in (normalize_text(i) for i in inspectors) if p))
        if not people:
            raise Invalid("an inspection has at least one inspector", field="inspectors")
        items: list[CheckItem] = []
        for check in checklist:
            code, text = normalize_text(check.code), normalize_text(check.item)
            if not code or not text:
                raise Invalid("each checklist item has a code and a text", field="checklist")
            if any(i.code == code for i in items):
                raise Invalid(f"checklist code {code} appears twice", field="checklist")
            items.append(CheckItem(code, text))
        if not items:
            raise Invalid("findings are recorded against a checklist; give at least one item", field="checklist")
        return cls(id=inspection_id, kind=kind, title=title, planned_on=planned_on, targets=units, inspectors=people,
                   checklist=items, created_at=now, created_by=created_by, draw_id=draw_id)

    def _require_open(self) -> None:
        if self.status is InspectionStatus.CLOSED:
            raise Conflict(f"inspection {self.title} is closed; its bulletin is published")

    def find(self, *, finding_id: str, unit: str, check_code: str, problem: str, evidence: list[str],
             now: datetime, found_by: str | None) -> Finding:
        self._require_open()
        unit = normalize_unit(unit)
        if unit not in self.targets:
            raise Invalid(f"{unit} is not a target of inspection {self.title}", field="unit")
        check = next((c for c in self.checklist if c.code == normalize_text(check_code)), None)
        if check is None:
            raise Invalid(f"no checklist item {check_code} in this inspection", field="check_code")
        problem = normalize_text(problem)
        if not problem:
            raise Invalid("a finding states the problem", field="problem")
        finding = Finding(id=finding_id, inspection_id=self.id, unit=unit, check_code=check.code,
                          check_item=check.item, problem=problem,
                          evidence=[e.strip() for e in evidence if e and e.strip()], found_at=now, found_by=found_by)
        self.findings.append(finding)
        return finding

    def notice_problem(self, finding: Finding) -> str:
        if finding.notice_id is not None:
            raise Conflict(f"finding {finding.id} already became notice {finding.notice_number}")
        return f"{KIND_LABELS[self.kind]}（{self.title}）发现：{finding.problem}（检查项 {finding.check_code} {finding.check_item}）"

    def close(self, *, by: str, now: datetime) -> str:
        """一抽查一通报: closing the inspection writes its bulletin (returned and kept)."""
        self._require_open()
        closer = normalize_text(by)
        if not closer:
            raise Invalid("say who closes the inspection", field="closed_by")
        self.status = InspectionStatus.CLOSED
        self.closed_at = now
        self.closed_by = closer
        self.bulletin = bulletin_text(self)
        return self.bulletin


def bulletin_text(inspection: Inspection) -> str:
    """The 通报 of one inspection, as plain text: who was checked, what was found, what follows."""
    with_findings = [u for u in inspection.targets if any(f.unit == u for f in inspection.findings)]
    clean = [u for u in inspection.targets if u not in with_findings]
    lines = [
        f"关于{inspection.title}情况的通报",
        "",
        f"{chinese_date(inspection.planned_on)}，{inspection.closed_by or ''}组织开展{KIND_LABELS[inspection.kind]}，"
        f"检查人员：{'、'.join(inspection.inspectors)}；检查对象 {len(inspection.targets)} 个，"
        f"发现问题 {len(inspection.findings)} 个，涉及 {len(with_findings)} 个单位。",
    ]
    if inspection.draw_id:
        lines.append(f"检查对象和检查人员由双随机抽取产生（抽取记录 {inspection.draw_id}，可公开复核）。")
    lines.append("")
    for n, unit in enumerate(with_findings, start=1):
        lines.append(f"{n}. {unit}")
        for f in (f for f in inspection.findings if f.unit == unit):
            follow = f"，已下发督办通知书{f.notice_number}" if f.notice_number else ""
            lines.append(f"   - [{f.check_code} {f.check_item}] {f.problem}{follow}")
    if clean:
        lines.append(f"未发现问题的单位：{'、'.join(clean)}。")
    lines.append("")
    lines.append("请有关单位对照问题立即整改，整改情况按督办通知书要求报送。")
    return "\n".join(lines)
