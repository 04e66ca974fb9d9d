"""模拟测评 and scoring: 日记分 with 扣分 items, 周通报 / 月小结 rankings, consequences.

As in Jinan's barbecue clean-up (“日记分、周通报、月小结”, 75 街办 ranked): a 考核 (scheme)
lists the units it ranks and a base score (满分). Inspectors record 扣分 items day by day
(item, points, reason, evidence). A period (an ISO week, Monday–Sunday, or a calendar
month, in China time) is published once it has ended:

- score = base score − the period's deductions; ranked by score, highest first;
- ties share a rank (competition ranking, “1224”): with scores 100, 98, 98, 95 the ranks
  are 1, 2, 2, 4; tied units are listed by unit name (Unicode order) only for display;
- top K: rank ≤ K (all units tied at the boundary are in), unless bottom → praised (表扬);
- bottom K: fewer than K units scored strictly lower, the unit lost points (a “零扣分”
  unit is never 后位) and some unit scored higher (when all are tied nobody is 后位) →
  通报批评 the first time, 诫勉谈话 from the `admonish_streak`-th consecutive time; this
  goes before praise, so in a scheme of few units a bottom unit is not also praised;
- bottom K in M consecutive published periods of the same scheme and kind → referral to
  discipline (问责), once per streak: when the streak reaches exactly M. A streak is
  broken by a period the unit was not bottom K, or by a period that was never published.
"""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from sanwei_kit.errors import Conflict, Invalid
from sanwei_kit.text import normalize_text, normalize_unit

POINTS_QUANTUM = Decimal("0.01")


class PeriodKind(StrEnum):
    WEEK = "week"  # 周通报
    MONTH = "month"  # 月小结


class Outcome(StrEnum):
    PRAISED = "praised"  # 表扬
    CRITICIZED = "criticized"  # 通报批评
    ADMONISHED = "admonished"  # 诫勉谈话
    REFERRED = "referred"  # 移交纪检监察机关问责
    NONE = "none"


OUTCOME_LABELS = {Outcome.PRAISED: "表扬", Outcome.CRITICIZED: "通报批评", Outcome.ADMONISHED: "诫勉谈话",
                  Outcome.REFERRED: "移交问责", Outcome.NONE: ""}


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    start: date
    end: date

    @property
    def key(self) -> str:
        if self.kind is PeriodKind.WEEK:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start.year}-{self.start.month:02d}"

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.WEEK:
            year, week, _ = self.start.isocalendar()
            return f"{year}年第{week}周（{self.start.month}月{self.start.day}日—{self.end.month}月{self.end.day}日）"
        return f"{self.start.year}年{self.start.month}月"

    @classmethod
    def containing(cls, kind: PeriodKind, day: date) -> Period:
        if kind is PeriodKind.WEEK:
            start = day - timedelta(days=day.weekday())
            return cls(kind, start, start + timedelta(days=6))
        last = _calendar.monthrange(day.year, day.month)[1]
        return cls(kind, day.replace(day=1), day.replace(day=last))

    @classmethod
    def parse(cls, kind: PeriodKind, key: str) -> Period:
        """`2026-W41` for a week (ISO week), `2026-10` for a month."""
        try:
            if kind is PeriodKind.WEEK:
                year, week = key.split("-W")
                return cls.containing(kind, date.fromisocalendar(int(year), int(week), 1))
            year, month = key.split("-")
            return cls.containing(kind, date(int(year), int(month), 1))
        except ValueError:
            example = "2026-W41" if kind is PeriodKind.WEEK else "2026-10"
            raise Invalid(f"period {key!r} is not a {kind.value} like {example}", field="period") from None

    def previous(self) -> Period:
        return Period.containing(self.kind, self.start - timedelta(days=1))

    def has_ended(self, today: date) -> bool:
        return self.end < today


def parse_points(points: Decimal | float | str) -> Decimal:
    try:
        value = Decimal(str(points)).quantize(POINTS_QUANTUM)
    except ArithmeticError:
        raise Invalid("points must be a number", field="points") from None
    if value <= 0:
        raise Invalid("a deduction takes off more than 0 points", field="points")
    return value


@dataclass
class Scheme:
    """A 考核: which units it ranks and their full score."""

    id: str
    name: str
    units: list[str]
    base_score: Decimal
    created_at: datetime
    created_by: str | None = None

    @classmethod
    def create(cls, *, scheme_id: str, name: str, units: list[str], base_score: Decimal | float,
               now: datetime, created_by: str | None = None) -> Scheme:
        name = normalize_text(name)
        if not name:
            raise Invalid("a 考核 has a name", field="name")
        seen: list[str] = []
        for unit in units:
            unit = normalize_unit(unit)
            if unit and unit not in seen:
                seen.append(unit)
        if len(seen) < 2:
            raise Invalid("a ranking needs at least two units", field="units")
        base = Decimal(str(base_score)).quantize(POINTS_QUANTUM)
        if base <= 0:
            raise Invalid("the base score (满分) is above 0", field="base_score")
        return cls(id=scheme_id, name=name, units=seen, base_score=base, created_at=now, created_by=created_by)

    def member(self, unit: str) -> str:
        normalized = normalize_unit(unit)
        if normalized not in self.units:
            raise Invalid(f"{normalized} is not ranked in {self.name}", field="unit")
        return normalized


@dataclass
class Deduction:
    """One 扣分 item of a 日记分."""

    id: str
    scheme_id: str
    unit: str
    day: date
    item: str
    points: Decimal
    reason: str
    evidence: list[str]
    recorded_at: datetime
    recorded_by: str | None = None

    @classmethod
    def record(cls, *, deduction_id: str, scheme: Scheme, unit: str, day: date, item: str,
               points: Decimal | float | str, reason: str, evidence: list[str], today: date, now: datetime,
               recorded_by: str | None, published: list[Period]) -> Deduction:
        """`published` are the periods of this scheme already published: their scores are final."""
        unit = scheme.member(unit)
        if day > today:
            raise Invalid(f"{day} is in the future; 日记分 records what was found", field="day")
        for period in published:
            if period.start <= day <= period.end:
                raise Conflict(f"the {period.kind.value} {period.key} of {scheme.name} is already published; "
                               "its scores are final")
        item = normalize_text(item)
        if not item:
            raise Invalid("say which 扣分 item (考核项目)", field="item")
        reason = normalize_text(reason)
        if not reason:
            raise Invalid("a deduction states its reason", field="reason")
        return cls(id=deduction_id, scheme_id=scheme.id, unit=unit, day=day, item=item,
                   points=parse_points(points), reason=reason,
                   evidence=[e.strip() for e in evidence if e and e.strip()], recorded_at=now,
                   recorded_by=recorded_by)


@dataclass
class RankingLine:
    unit: str
    rank: int
    score: Decimal
    deducted: Decimal
    deductions: int
    outcome: Outcome = Outcome.NONE
    bottom_streak: int = 0

    @property
    def bottom(self) -> bool:
        return self.bottom_streak > 0


@dataclass(frozen=True)
class RankingRules:
    top_k: int
    bottom_k: int
    admonish_streak: int  # 诫勉谈话 from this many consecutive bottom periods
    referral_streak: int  # M: referral when the streak reaches this


@dataclass
class Ranking:
    id: str
    scheme_id: str
    period: Period
    lines: list[RankingLine]
    published_at: datetime
    published_by: str | None = None
    referred: list[str] = field(default_factory=list)

    def units_with(self, *outcomes: Outcome) -> list[str]:
        return [line.unit for line in self.lines if line.outcome in outcomes]

    def streak_of(self, unit: str) -> int:
        return next((line.bottom_streak for line in self.lines if line.unit == unit), 0)


def rank(scheme: Scheme, deductions: list[Deduction]) -> list[RankingLine]:
    """Scores and competition ranks (1224) of every unit of the scheme, best first."""
    deducted = {unit: Decimal("0.00") for unit in scheme.units}
    counts = dict.fromkeys(scheme.units, 0)
    for d in deductions:
        if d.unit in deducted:
            deducted[d.unit] += d.points
            counts[d.unit] += 1
    scored = sorted(((scheme.base_score - deducted[u], u) for u in scheme.units), key=lambda su: (-su[0], su[1]))
    lines: list[RankingLine] = []
    for position, (score, unit) in enumerate(scored, start=1):
        same = lines and lines[-1].score == score
        lines.append(RankingLine(unit=unit, rank=lines[-1].rank if same else position, score=score,
                                 deducted=deducted[unit], deductions=counts[unit]))
    return lines


def publish_ranking(*, ranking_id: str, scheme: Scheme, period: Period, deductions: list[Deduction],
                    previous: Ranking | None, rules: RankingRules, today: date, now: datetime,
                    published_by: str | None = None) -> Ranking:
    """Rank a period that has ended and decide each unit's outcome.

    `previous` is the published ranking of the period just before (None if it was never
    published: the streaks start again).
    """
    if not period.has_ended(today):
        raise Conflict(f"the {period.kind.value} {period.key} ends on {period.end}; publish it after that")
    if previous is not None and previous.period != period.previous():
        raise ValueError("previous must be the ranking of the period just before")
    lines = rank(scheme, [d for d in deductions if period.start <= d.day <= period.end])
    for line in lines:
        worse = sum(1 for other in lines if other.score < line.score)
        if line.rank > 1 and line.deducted > 0 and worse < rules.bottom_k:
            line.bottom_streak = 1 + (previous.streak_of(line.unit) if previous else 0)
            if line.bottom_streak == rules.referral_streak:
                line.outcome = Outcome.REFERRED
            elif line.bottom_streak >= rules.admonish_streak:
                line.outcome = Outcome.ADMONISHED
            else:
                line.outcome = Outcome.CRITICIZED
        elif line.rank <= rules.top_k:
            line.outcome = Outcome.PRAISED
    ranking = Ranking(id=ranking_id, scheme_id=scheme.id, period=period, lines=lines, published_at=now,
                      published_by=published_by)
    ranking.referred = ranking.units_with(Outcome.REFERRED)
    return ranking


def referral_problem(scheme: Scheme, unit: str, periods: list[Period]) -> str:
    return (f"{unit}在{scheme.name}中连续{len(periods)}期排名后位"
            f"（{'、'.join(p.key for p in periods)}）")


def referral_reason(streak: int) -> str:
    return f"模拟测评连续{streak}期排名后位，依照济厅字〔2017〕36号移交纪检监察机关问责处理。"
