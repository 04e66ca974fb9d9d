"""Working-day arithmetic under the Chinese legal calendar, 2024-2026, with 调休."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from sanwei_kit.calendar import CHINA_TZ, WorkingCalendar, WorkingDayDeadline, due_instant, local_date
from sanwei_kit.errors import Invalid

pytestmark = pytest.mark.unit

calendar = WorkingCalendar()


@pytest.mark.parametrize(
    ("start", "working_days", "expected"),
    [
        # 2024 Spring Festival: 02-10..02-17 off, Sunday 02-04 and Sunday 02-18 worked (调休).
        (date(2024, 2, 2), 1, date(2024, 2, 4)),
        (date(2024, 2, 8), 1, date(2024, 2, 9)),
        (date(2024, 2, 9), 1, date(2024, 2, 18)),
        # 2025 National Day + Mid-Autumn: 10-01..10-08 off, Sat 10-11 worked.
        (date(2025, 9, 30), 1, date(2025, 10, 9)),
        (date(2025, 10, 9), 2, date(2025, 10, 11)),
        # 2026 Spring Festival: Sat 02-14 and Sat 02-28 are make-up working days.
        (date(2026, 2, 13), 1, date(2026, 2, 14)),
        (date(2026, 2, 27), 1, date(2026, 2, 28)),
        # 2026 National Day: 10-01..10-07 off, Sat 10-10 worked.
        (date(2026, 9, 30), 1, date(2026, 10, 8)),
        (date(2026, 10, 9), 1, date(2026, 10, 10)),
        (date(2026, 9, 28), 5, date(2026, 10, 10)),
        # A plain week with no holiday: five working days from a Monday end the next Monday.
        (date(2026, 11, 2), 5, date(2026, 11, 9)),
    ],
)
def test_add_working_days(start: date, working_days: int, expected: date) -> None:
    assert calendar.add_working_days(start, working_days) == expected


def test_explain_lists_counted_skipped_and_makeup_days() -> None:
    explanation = calendar.explain(date(2026, 9, 28), 5)
    assert explanation.counted == [date(2026, 9, 29), date(2026, 9, 30), date(2026, 10, 8),
                                   date(2026, 10, 9), date(2026, 10, 10)]
    assert [s.day for s in explanation.skipped] == [date(2026, 10, d) for d in range(1, 8)]
    assert "National Day" in explanation.skipped[0].reason
    assert explanation.makeup_days == [date(2026, 10, 10)]
    assert explanation.provisional_years == []


def test_years_without_official_data_use_weekdays_and_say_so() -> None:
    explanation = calendar.explain(date(2026, 12, 30), 3)
    # 12-31 (Thu) counts; 2027 has no official data yet: Fri 01-01 and Mon 01-04 by the weekday rule.
    assert explanation.deadline == date(2027, 1, 4)
    assert explanation.provisional_years == [2027]


def test_operator_corrections_override_the_data() -> None:
    corrected = WorkingCalendar({date(2027, 1, 1): False, date(2027, 1, 2): False})
    assert corrected.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert corrected.has_official_data(2027)
    assert "operator correction" in corrected.day_reason(date(2027, 1, 1))


def test_zero_working_days_is_the_start_and_negative_is_refused() -> None:
    assert calendar.add_working_days(date(2026, 3, 2), 0) == date(2026, 3, 2)
    with pytest.raises(ValueError):
        calendar.add_working_days(date(2026, 3, 2), -1)


def test_due_instant_is_midnight_after_the_last_day_in_china() -> None:
    due = due_instant(date(2026, 10, 8))
    assert due == datetime(2026, 10, 9, 0, 0, tzinfo=CHINA_TZ)
    assert due.utcoffset().total_seconds() == 8 * 3600
    assert local_date(datetime(2026, 10, 8, 16, 30, tzinfo=CHINA_TZ)) == date(2026, 10, 8)


def test_a_deadline_counted_in_working_days_keeps_how_it_was_counted() -> None:
    deadline = WorkingDayDeadline.after_working_days(calendar, date(2026, 9, 28), 5)
    assert deadline == WorkingDayDeadline(day=date(2026, 10, 10), due_at=datetime(2026, 10, 11, 0, 0, tzinfo=CHINA_TZ),
                                          working_days=5, start=date(2026, 9, 28))
    assert deadline.is_counted
    assert deadline.explain(calendar) == calendar.explain(date(2026, 9, 28), 5)


def test_a_deadline_on_a_date_passes_at_midnight_after_it_and_has_nothing_to_explain() -> None:
    deadline = WorkingDayDeadline.on(date(2026, 10, 8))
    assert deadline.due_at == due_instant(date(2026, 10, 8))
    assert not deadline.is_counted
    assert not deadline.has_passed(datetime(2026, 10, 8, 23, 59, tzinfo=CHINA_TZ))
    assert deadline.has_passed(datetime(2026, 10, 9, 0, 0, tzinfo=CHINA_TZ))
    with pytest.raises(ValueError):
        deadline.explain(calendar)


@pytest.mark.parametrize("field", ["working_days", "due_working_days"])
def test_a_deadline_is_at_least_one_working_day_and_the_refusal_names_the_field(field: str) -> None:
    with pytest.raises(Invalid) as refused:
        WorkingDayDeadline.after_working_days(calendar, date(2026, 9, 30), 0, field=field)
    assert refused.value.field == field
    assert refused.value.reason == f"{field} must be at least 1"


def test_the_counted_deadline_is_the_explained_one_every_day_of_the_year() -> None:
    # add_working_days counts (and remembers) without building the explanation; both must agree.
    corrected = WorkingCalendar({date(2026, 6, 20): True, date(2026, 11, 11): False})
    for offset in range(365):
        start = date(2026, 1, 1) + timedelta(days=offset)
        for working_days in (1, 3, 5, 10, 15):
            expected = corrected.explain(start, working_days).deadline
            assert corrected.add_working_days(start, working_days) == expected
            assert corrected.add_working_days(start, working_days) == expected  # the remembered answer
