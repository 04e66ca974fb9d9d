"""Pure 模拟测评 rules: periods, competition ranks, top/bottom K, streaks and referrals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.errors import Conflict, Invalid
from sanwei_supervision.domain.scoring import (
    Deduction,
    Outcome,
    Period,
    PeriodKind,
    RankingRules,
    Scheme,
    publish_ranking,
    rank,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=CHINA_TZ)
UNITS = ["趵突泉街道", "泉城路街道", "大明湖街道", "舜玉路街道", "七里山街道"]
RULES = RankingRules(top_k=1, bottom_k=1, admonish_streak=2, referral_streak=3)


def _scheme(units=UNITS) -> Scheme:
    return Scheme.create(scheme_id="s1", name="露天烧烤整治考核", units=units, base_score=100, now=NOW)


def _deduct(scheme: Scheme, unit: str, day: date, points: float, published=()) -> Deduction:
    return Deduction.record(deduction_id=f"d-{unit}-{day}-{points}", scheme=scheme, unit=unit, day=day,
                            item="露天烧烤", points=points, reason="店外经营，油烟扰民", evidence=["照片.jpg"],
                            today=NOW.date(), now=NOW, recorded_by="城管巡查组", published=list(published))


def test_weeks_are_iso_weeks_and_months_calendar_months():
    week = Period.containing(PeriodKind.WEEK, date(2026, 10, 14))
    assert (week.key, week.start, week.end) == ("2026-W42", date(2026, 10, 12), date(2026, 10, 18))
    assert week.previous().key == "2026-W41"
    assert Period.parse(PeriodKind.WEEK, "2026-W42") == week
    assert Period.parse(PeriodKind.WEEK, "2026-W01").start == date(2025, 12, 29)
    month = Period.parse(PeriodKind.MONTH, "2026-02")
    assert (month.start, month.end, month.previous().key) == (date(2026, 2, 1), date(2026, 2, 28), "2026-01")
    assert month.label == "2026年2月"
    with pytest.raises(Invalid):
        Period.parse(PeriodKind.WEEK, "2026-10")


def test_ties_share_a_rank_competition_style():
    scheme = _scheme()
    day = date(2026, 10, 13)
    lines = rank(scheme, [_deduct(scheme, "大明湖街道", day, 2), _deduct(scheme, "舜玉路街道", day, 2),
                          _deduct(scheme, "七里山街道", day, 0.5), _deduct(scheme, "七里山街道", day, 4.25)])
    assert [(line.unit, line.rank, line.score) for line in lines] == [
        ("泉城路街道", 1, Decimal("100.00")), ("趵突泉街道", 1, Decimal("100.00")),
        ("大明湖街道", 3, Decimal("98.00")), ("舜玉路街道", 3, Decimal("98.00")),
        ("七里山街道", 5, Decimal("95.25")),
    ]
    assert lines[-1].deductions == 2


def test_deductions_are_checked():
    scheme = _scheme()
    with pytest.raises(Invalid):
        _deduct(scheme, "历下区", date(2026, 10, 13), 1)  # not ranked in this scheme
    with pytest.raises(Invalid):
        _deduct(scheme, "大明湖街道", date(2026, 12, 2), 1)  # tomorrow
    with pytest.raises(Invalid):
        _deduct(scheme, "大明湖街道", date(2026, 10, 13), 0)
    with pytest.raises(Conflict):
        _deduct(scheme, "大明湖街道", date(2026, 10, 13), 1,
                published=[Period.parse(PeriodKind.WEEK, "2026-W42")])


def _publish(scheme, key, losers: dict[str, float], previous, rules=RULES):
    period = Period.parse(PeriodKind.WEEK, key)
    deductions = [_deduct(scheme, unit, period.start, points) for unit, points in losers.items()]
    return publish_ranking(ranking_id=key, scheme=scheme, period=period, deductions=deductions,
                           previous=previous, rules=rules, today=NOW.date(), now=NOW)


def test_bottom_k_in_m_consecutive_periods_refers_once_per_streak():
    scheme = _scheme()
    w40 = _publish(scheme, "2026-W40", {"舜玉路街道": 5, "七里山街道": 1}, None)
    assert w40.units_with(Outcome.CRITICIZED) == ["舜玉路街道"]
    assert w40.units_with(Outcome.PRAISED) == ["大明湖街道", "泉城路街道", "趵突泉街道"]  # tied at the top: all
    w41 = _publish(scheme, "2026-W41", {"舜玉路街道": 3, "七里山街道": 1}, w40)
    assert w41.units_with(Outcome.ADMONISHED) == ["舜玉路街道"] and w41.referred == []
    w42 = _publish(scheme, "2026-W42", {"舜玉路街道": 9}, w41)
    assert w42.referred == ["舜玉路街道"] and w42.streak_of("舜玉路街道") == 3
    w43 = _publish(scheme, "2026-W43", {"舜玉路街道": 9}, w42)
    assert w43.referred == [] and w43.units_with(Outcome.ADMONISHED) == ["舜玉路街道"]  # same streak: not again
    w44 = _publish(scheme, "2026-W44", {"七里山街道": 2}, w43)  # the streak breaks
    assert w44.streak_of("舜玉路街道") == 0 and w44.units_with(Outcome.CRITICIZED) == ["七里山街道"]
    again = w44
    for key in ("2026-W45", "2026-W46", "2026-W47"):
        again = _publish(scheme, key, {"舜玉路街道": 1}, again)
    assert again.referred == ["舜玉路街道"]  # a new streak refers again


def test_a_period_never_published_breaks_the_streak():
    scheme = _scheme()
    w40 = _publish(scheme, "2026-W40", {"舜玉路街道": 5}, None)
    w41 = _publish(scheme, "2026-W41", {"舜玉路街道": 5}, w40)
    w43 = _publish(scheme, "2026-W43", {"舜玉路街道": 5}, None)  # W42 was not published
    assert (w41.streak_of("舜玉路街道"), w43.streak_of("舜玉路街道")) == (2, 1)
    with pytest.raises(ValueError):
        _publish(scheme, "2026-W43", {}, w41)


def test_ties_at_the_bottom_are_all_bottom_and_zero_deduction_units_never_are():
    scheme = _scheme()
    tied = _publish(scheme, "2026-W40", {"舜玉路街道": 5, "七里山街道": 5, "大明湖街道": 1}, None)
    assert tied.units_with(Outcome.CRITICIZED) == ["七里山街道", "舜玉路街道"]
    clean = _publish(scheme, "2026-W41", {}, None, RankingRules(top_k=0, bottom_k=2, admonish_streak=2,
                                                               referral_streak=3))
    assert clean.units_with(Outcome.CRITICIZED) == []  # 零扣分: nobody is 后位


def test_a_period_is_published_only_after_it_ends():
    scheme = _scheme()
    with pytest.raises(Conflict):
        _publish(scheme, "2026-W49", {}, None)  # 11-30 … 12-06, today is 12-01
    month = Period.parse(PeriodKind.MONTH, "2026-10")
    ranking = publish_ranking(ranking_id="m", scheme=scheme, period=month,
                              deductions=[_deduct(scheme, "大明湖街道", date(2026, 10, 31), 1)],
                              previous=None, rules=RULES, today=NOW.date(), now=NOW)
    assert ranking.lines[-1].unit == "大明湖街道"


def test_a_scheme_needs_two_distinct_units():
    with pytest.raises(Invalid):
        _scheme(units=["大明湖街道", " 大明湖街道 "])
