"""督查周报 / 督查专报: what a report of a period says, computed from notices and rankings.

A report covers the days `start`..`end` (China dates). It counts the notices issued in
the period, those rectified, and the **missed deadlines** (逾期未整改: a notice's 整改时限
ran out in the period, whether it then went to the media or was escalated a level), per
unit; it lists the notices issued and still open; and it carries the published rankings
of the period (周通报 / 月小结) of the schemes asked for.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sanwei_kit.calendar import local_date
from sanwei_supervision.domain.model import LEVEL_LABELS, Notice, NoticeStatus, chinese_date
from sanwei_supervision.domain.scoring import OUTCOME_LABELS, Ranking


@dataclass
class ReportData:
    title: str
    start: date
    end: date
    generated_at: datetime
    issued: list[Notice]
    rectified: list[Notice]
    missed: list[Notice]  # deadline ran out in the period (unrectified or escalated)
    still_open: list[Notice]
    rankings: list[tuple[str, Ranking]] = field(default_factory=list)  # (scheme name, ranking)

    @property
    def missed_per_unit(self) -> list[tuple[str, int]]:
        """逾期未整改 per unit, most first (then by name)."""
        counts = Counter(n.unit for n in self.missed)
        return sorted(counts.items(), key=lambda uc: (-uc[1], uc[0]))

    @property
    def period_label(self) -> str:
        return f"{chinese_date(self.start)}至{chinese_date(self.end)}"

    def summary(self) -> str:
        return (f"本期（{self.period_label}）共下发督办通知书 {len(self.issued)} 份，整改验收通过 {len(self.rectified)} 份，"
                f"逾期未整改 {len(self.missed)} 份，涉及 {len(self.missed_per_unit)} 个单位；"
                f"截至{chinese_date(local_date(self.generated_at))}仍在整改期内 {len(self.still_open)} 份。")


def build_report(*, title: str, start: date, end: date, notices: list[Notice], rankings: list[tuple[str, Ranking]],
                 now: datetime) -> ReportData:
    """`notices` may be more than the period's; those that matter are picked here."""
    def within(moment: datetime | None) -> bool:
        return moment is not None and start <= local_date(moment) <= end

    return ReportData(
        title=title, start=start, end=end, generated_at=now,
        issued=[n for n in notices if within(n.issued_at)],
        rectified=[n for n in notices if n.status is NoticeStatus.RECTIFIED and within(n.rectified_at)],
        missed=[n for n in notices if within(n.unrectified_at) or within(n.escalated_at)],
        still_open=[n for n in notices if n.status is NoticeStatus.OPEN and local_date(n.issued_at) <= end],
        rankings=rankings,
    )


def notice_row(n: Notice) -> list[str]:
    return [str(n.number), n.unit, n.problem, LEVEL_LABELS[n.level], n.deadline.day.isoformat(), STATUS_LABELS[n.status]]


NOTICE_HEADERS = ["编号", "责任单位", "督办事项", "督办等级", "整改时限", "状态"]
STATUS_LABELS = {NoticeStatus.OPEN: "整改中", NoticeStatus.RECTIFIED: "已整改", NoticeStatus.UNRECTIFIED: "逾期未整改",
                 NoticeStatus.ESCALATED: "逾期升级督办"}
RANKING_HEADERS = ["名次", "单位", "得分", "扣分", "扣分项", "结果"]


def ranking_rows(ranking: Ranking) -> list[list[object]]:
    return [[line.rank, line.unit, float(line.score), float(line.deducted), line.deductions,
             OUTCOME_LABELS[line.outcome]] for line in ranking.lines]
