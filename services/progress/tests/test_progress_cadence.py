"""Reporting cadences (周 / 旬 / 月 / 季) and who has missed a report: pure rules."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from sanwei_kit.calendar import CHINA_TZ, WorkingCalendar
from sanwei_kit.errors import Invalid
from sanwei_progress.domain.cadence import (
    Cadence,
    MissedReport,
    ReportingCadence,
    missed_reports,
    next_period,
    parse_cadence,
    period_containing,
    period_days,
    periods_answering,
    report_due_day,
)
from sanwei_progress.domain.model import TaskStatus, TrackedTask, normalize_period

pytestmark = pytest.mark.unit

CALENDAR = WorkingCalendar()


@pytest.mark.parametrize(("raw", "cadence"), [
    ("week", Cadence.WEEK), ("周", Cadence.WEEK), ("旬调度", Cadence.TEN_DAYS), ("月调度", Cadence.MONTH),
    ("季通报", Cadence.QUARTER), ("QUARTER", Cadence.QUARTER),
])
def test_cadences_are_read_in_english_or_chinese(raw, cadence):
    assert parse_cadence(raw) is cadence


def test_an_unknown_cadence_is_refused():
    with pytest.raises(Invalid):
        parse_cadence("每天")


@pytest.mark.parametrize(("cadence", "day", "period", "first", "last"), [
    (Cadence.WEEK, date(2025, 1, 1), "2025-W01", date(2024, 12, 30), date(2025, 1, 5)),
    (Cadence.TEN_DAYS, date(2024, 2, 10), "2024-02-D1", date(2024, 2, 1), date(2024, 2, 10)),
    (Cadence.TEN_DAYS, date(2024, 2, 11), "2024-02-D2", date(2024, 2, 11), date(2024, 2, 20)),
    (Cadence.TEN_DAYS, date(2024, 2, 29), "2024-02-D3", date(2024, 2, 21), date(2024, 2, 29)),
    (Cadence.TEN_DAYS, date(2025, 1, 31), "2025-01-D3", date(2025, 1, 21), date(2025, 1, 31)),
    (Cadence.MONTH, date(2025, 2, 14), "2025-02", date(2025, 2, 1), date(2025, 2, 28)),
    (Cadence.QUARTER, date(2019, 5, 20), "2019Q2", date(2019, 4, 1), date(2019, 6, 30)),
])
def test_periods_of_each_cadence(cadence, day, period, first, last):
    assert period_containing(cadence, day) == period
    assert period_days(period) == (first, last)
    assert normalize_period(period) == period


def test_the_next_period_follows_without_a_gap():
    assert next_period(Cadence.TEN_DAYS, "2025-01-D3") == "2025-02-D1"
    assert next_period(Cadence.WEEK, "2025-W52") == "2026-W01"
    assert next_period(Cadence.QUARTER, "2019Q4") == "2020Q1"
    assert next_period(Cadence.MONTH, "2026-12") == "2027-01"


def test_the_due_day_counts_working_days_over_spring_festival_and_make_up_days():
    # 2025-01-31 ends the month; 1-28…2-4 are the 春节 holiday, Sat 2-8 is a make-up working day
    assert report_due_day(CALENDAR, "2025-01", 3) == date(2025, 2, 7)
    assert report_due_day(CALENDAR, "2025-01", 4) == date(2025, 2, 8)
    # 2024Q3 ends 9-30, then 国庆 10-1…10-7
    assert report_due_day(CALENDAR, "2024Q3", 1) == date(2024, 10, 8)
    assert report_due_day(CALENDAR, "2026-W14", 0) == date(2026, 4, 5)


def test_a_cadence_watches_the_current_period_then_the_next():
    now = datetime(2025, 1, 20, 9, 0, tzinfo=CHINA_TZ)
    cadence = ReportingCadence.start(task_list_id="l1", cadence=Cadence.MONTH, due_working_days=3, set_by="督查室",
                                     now=now, today=now.date(), calendar=CALENDAR, max_due_working_days=20)
    assert (cadence.watched_period, cadence.watched_due_on) == ("2025-01", date(2025, 2, 7))
    assert cadence.watched_due_at == datetime(2025, 2, 8, 0, 0, tzinfo=CHINA_TZ)
    cadence.advance(CALENDAR)
    assert (cadence.watched_period, cadence.watched_due_on) == ("2025-02", date(2025, 3, 5))
    with pytest.raises(Invalid):
        ReportingCadence.start(task_list_id="l1", cadence=Cadence.MONTH, due_working_days=21, set_by="督查室",
                               now=now, today=now.date(), calendar=CALENDAR, max_due_working_days=20)


def _task(task_id: str, **kw) -> TrackedTask:
    return TrackedTask(id=task_id, title="任务", lead_unit="区投促局", co_units=["大观园街道办事处"], **kw)


def test_every_responsible_unit_without_a_report_of_an_open_task_has_missed_it():
    tasks = [
        _task("a"),
        _task("b", status=TaskStatus.COMPLETED),
        _task("c", assigned_at=datetime(2025, 2, 1, 0, 0, tzinfo=CHINA_TZ)),  # after January ended
        _task("d", assigned_at=datetime(2025, 1, 31, 23, 0, tzinfo=CHINA_TZ)),
    ]
    reported = {("a", "区投促局"), ("d", "区投促局"), ("d", "大观园街道办事处")}
    assert missed_reports(tasks, reported, "2025-01") == [MissedReport("a", "大观园街道办事处", "2025-01")]


@pytest.mark.unit
def test_the_periods_answering_a_quarter_are_it_and_the_months_dekads_and_whole_weeks_within():
    q3 = periods_answering("2026Q3")
    assert {"2026Q3", "2026-07", "2026-08", "2026-09", "2026-07-D1", "2026-09-D3", "2026-W28", "2026-W39"} <= q3
    # 2026-W27 runs Jun 29 – Jul 5 and 2026-W40 Sep 28 – Oct 4: neither lies within the quarter.
    assert not {"2026-W27", "2026-W40", "2026-06", "2026Q2", "2026H2"} & q3
    assert len(q3) == 1 + 3 + 9 + 12  # the quarter, its months, its 旬 and its 12 whole ISO weeks
    assert periods_answering("2026-W40") == {"2026-W40"}
    assert periods_answering("2026-09") >= {"2026-09", "2026-09-D1", "2026-09-D2", "2026-09-D3", "2026-W37"}
