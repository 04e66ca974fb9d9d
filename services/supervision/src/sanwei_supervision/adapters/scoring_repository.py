"""Loading and saving 考核 schemes, 扣分 deductions, rankings and referrals in the caller's transaction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_kit.errors import NotFound
from sanwei_supervision.adapters.tables import ranking_referrals, rankings, score_deductions, scoring_schemes
from sanwei_supervision.domain.scoring import (
    Deduction,
    Outcome,
    Period,
    PeriodKind,
    Ranking,
    RankingLine,
    Scheme,
)


def _cents(value: Decimal) -> int:
    return int(value * 100)


def _points(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def _scheme_from_row(row: Any) -> Scheme:
    return Scheme(id=row.id, name=row.name, units=list(row.units), base_score=_points(row.base_score_cents),
                  created_at=row.created_at, created_by=row.created_by)


def _deduction_from_row(row: Any) -> Deduction:
    return Deduction(id=row.id, scheme_id=row.scheme_id, unit=row.unit, day=row.day, item=row.item,
                     points=_points(row.points_cents), reason=row.reason, evidence=list(row.evidence or []),
                     recorded_at=row.recorded_at, recorded_by=row.recorded_by)


def _line_to_json(line: RankingLine) -> dict[str, Any]:
    return {"unit": line.unit, "rank": line.rank, "score_cents": _cents(line.score),
            "deducted_cents": _cents(line.deducted), "deductions": line.deductions,
            "outcome": line.outcome.value, "bottom_streak": line.bottom_streak}


def _line_from_json(raw: dict[str, Any]) -> RankingLine:
    return RankingLine(unit=raw["unit"], rank=raw["rank"], score=_points(raw["score_cents"]),
                       deducted=_points(raw["deducted_cents"]), deductions=raw["deductions"],
                       outcome=Outcome(raw["outcome"]), bottom_streak=raw["bottom_streak"])


def _ranking_from_row(row: Any) -> Ranking:
    lines = [_line_from_json(raw) for raw in row.lines]
    return Ranking(id=row.id, scheme_id=row.scheme_id,
                   period=Period(PeriodKind(row.period_kind), row.period_start, row.period_end),
                   lines=lines, published_at=row.published_at, published_by=row.published_by,
                   referred=[line.unit for line in lines if line.outcome is Outcome.REFERRED])


class ScoringRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    # --- schemes -------------------------------------------------------------------------
    async def add_scheme(self, scheme: Scheme) -> None:
        await self._conn.execute(scoring_schemes.insert().values(
            id=scheme.id, name=scheme.name, units=scheme.units, base_score_cents=_cents(scheme.base_score),
            created_at=scheme.created_at, created_by=scheme.created_by,
        ))

    async def scheme_named(self, name: str) -> Scheme | None:
        row = (await self._conn.execute(select(scoring_schemes).where(scoring_schemes.c.name == name))).first()
        return _scheme_from_row(row) if row is not None else None

    async def get_scheme(self, scheme_id: str) -> Scheme:
        row = (await self._conn.execute(select(scoring_schemes).where(scoring_schemes.c.id == scheme_id))).first()
        if row is None:
            raise NotFound(f"no 考核 scheme {scheme_id}")
        return _scheme_from_row(row)

    async def schemes(self) -> list[Scheme]:
        rows = (await self._conn.execute(select(scoring_schemes).order_by(scoring_schemes.c.created_at))).all()
        return [_scheme_from_row(r) for r in rows]

    # --- deductions ----------------------------------------------------------------------
    async def add_deduction(self, deduction: Deduction) -> None:
        await self._conn.execute(score_deductions.insert().values(
            id=deduction.id, scheme_id=deduction.scheme_id, unit=deduction.unit, day=deduction.day,
            item=deduction.item, points_cents=_cents(deduction.points), reason=deduction.reason,
            evidence=deduction.evidence, recorded_at=deduction.recorded_at, recorded_by=deduction.recorded_by,
        ))

    async def deductions(self, scheme_id: str, start: date, end: date, unit: str | None = None) -> list[Deduction]:
        query = (select(score_deductions)
                 .where(score_deductions.c.scheme_id == scheme_id, score_deductions.c.day >= start,
                        score_deductions.c.day <= end)
                 .order_by(score_deductions.c.day, score_deductions.c.recorded_at, score_deductions.c.id))
        if unit:
            query = query.where(score_deductions.c.unit == unit)
        return [_deduction_from_row(r) for r in (await self._conn.execute(query)).all()]

    # --- rankings ------------------------------------------------------------------------
    async def add_ranking(self, ranking: Ranking) -> None:
        await self._conn.execute(rankings.insert().values(
            id=ranking.id, scheme_id=ranking.scheme_id, period_kind=ranking.period.kind.value,
            period=ranking.period.key, period_start=ranking.period.start, period_end=ranking.period.end,
            lines=[_line_to_json(line) for line in ranking.lines], published_at=ranking.published_at,
            published_by=ranking.published_by,
        ))

    async def ranking_for(self, scheme_id: str, period: Period) -> Ranking | None:
        query = select(rankings).where(rankings.c.scheme_id == scheme_id,
                                       rankings.c.period_kind == period.kind.value,
                                       rankings.c.period == period.key)
        row = (await self._conn.execute(query)).first()
        return _ranking_from_row(row) if row is not None else None

    async def get_ranking(self, ranking_id: str) -> Ranking:
        row = (await self._conn.execute(select(rankings).where(rankings.c.id == ranking_id))).first()
        if row is None:
            raise NotFound(f"no ranking {ranking_id}")
        return _ranking_from_row(row)

    async def rankings_of(self, scheme_id: str, kind: PeriodKind | None = None) -> list[Ranking]:
        query = select(rankings).where(rankings.c.scheme_id == scheme_id).order_by(rankings.c.period_start,
                                                                                  rankings.c.period_kind)
        if kind:
            query = query.where(rankings.c.period_kind == kind.value)
        return [_ranking_from_row(r) for r in (await self._conn.execute(query)).all()]

    async def published_periods(self, scheme_id: str) -> list[Period]:
        query = select(rankings.c.period_kind, rankings.c.period_start, rankings.c.period_end).where(
            rankings.c.scheme_id == scheme_id)
        return [Period(PeriodKind(r.period_kind), r.period_start, r.period_end)
                for r in (await self._conn.execute(query)).all()]

    # --- referrals -----------------------------------------------------------------------
    async def add_referral(self, *, referral_id: str, scheme_id: str, kind: PeriodKind, unit: str,
                           periods: list[Period], ranking_id: str, requested_at: Any) -> None:
        await self._conn.execute(ranking_referrals.insert().values(
            id=referral_id, scheme_id=scheme_id, period_kind=kind.value, unit=unit, streak_start=periods[0].key,
            periods=[p.key for p in periods], ranking_id=ranking_id, requested_at=requested_at,
        ))

    async def referrals(self, scheme_id: str) -> list[dict[str, Any]]:
        query = (select(ranking_referrals).where(ranking_referrals.c.scheme_id == scheme_id)
                 .order_by(ranking_referrals.c.requested_at, ranking_referrals.c.unit))
        return [dict(r) for r in (await self._conn.execute(query)).mappings().all()]
