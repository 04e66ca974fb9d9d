"""Working days (工作日) under the Chinese legal calendar, with 调休 make-up days.

The official data comes from `chinese-calendar`. Operators may load corrections for a
year (the State Council publishes the next year's arrangement late). For a year that
neither source covers, days are counted by the plain weekday rule and the result is
marked *provisional*, so a deadline is never refused but is visibly subject to change.

Deadlines are whole days in China Standard Time: a task whose deadline is 2026-09-30
is overdue from 2026-10-01 00:00 Asia/Shanghai.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from sanwei_kit.errors import Invalid

CHINA_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class SkippedDay:
    day: date
    reason: str


@dataclass(frozen=True)
class DeadlineExplanation:
    """How a deadline was computed: what a 督查室 clerk can read back to a unit."""

    start: date
    working_days: int
    deadline: date
    due_at: datetime
    counted: list[date]
    skipped: list[SkippedDay]
    makeup_days: list[date] = field(default_factory=list)
    provisional_years: list[int] = field(default_factory=list)


class WorkingCalendar:
    def __init__(self, overrides: dict[date, bool] | None = None) -> None:
        # overrides[day] = True means a working day, False a day off, whatever the data says.
        self._overrides = dict(overrides or {})
        # (start, working days) → deadline. A calendar never changes (a correction makes a new one),
        # and a burst asks the same question thousands of times: every notice issued that day.
        self._deadlines: dict[tuple[date, int], date] = {}

    def is_working_day(self, day: date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        if _package_covers(day.year):
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5

    def has_official_data(self, year: int) -> bool:
        """True when the package or the operator's corrections give this year's arrangement."""
        return _package_covers(year) or any(d.year == year for d in self._overrides)

    def day_reason(self, day: date) -> str:
        """Why a day is off (or a weekend worked): holiday name, 周末, 调休上班, 运维校正."""
        if day in self._overrides:
            return "operator correction: " + ("working day" if self._overrides[day] else "day off")
        if _package_covers(day.year):
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            if name:
                return f"{name} ({'holiday' if on_holiday else 'make-up working day'})"
        return "weekend" if day.weekday() >= 5 else "working day"

    def add_working_days(self, start: date, working_days: int) -> date:
        """The last day of a period of N working days counted from the day after `start`."""
        if working_days < 0:
            raise ValueError("working_days must be zero or more")
        key = (start, working_days)
        deadline = self._deadlines.get(key)
        if deadline is None:
            deadline = start
            for day, working in self._days_after(start, working_days):
                if working:
                    deadline = day
            if len(self._deadlines) >= 10_000:
                self._deadlines.clear()
            self._deadlines[key] = deadline
        return deadline

    def _days_after(self, start: date, working_days: int) -> Iterator[tuple[date, bool]]:
        """Each day after `start` up to the Nth working day, with whether it is a working day."""
        day, counted = start, 0
        while counted < working_days:
            day += timedelta(days=1)
            working = self.is_working_day(day)
            counted += working
            yield day, working

    def explain(self, start: date, working_days: int) -> DeadlineExplanation:
        if working_days < 0:
            raise ValueError("working_days must be zero or more")
        counted: list[date] = []
        skipped: list[SkippedDay] = []
        makeup: list[date] = []
        provisional: set[int] = set()
        for day, working in self._days_after(start, working_days):
            if not self.has_official_data(day.year):
                provisional.add(day.year)
            if working:
                counted.append(day)
                if day.weekday() >= 5:
                    makeup.append(day)
            else:
                skipped.append(SkippedDay(day, self.day_reason(day)))
        deadline = counted[-1] if counted else start
        return DeadlineExplanation(
            start=start,
            working_days=working_days,
            deadline=deadline,
            due_at=due_instant(deadline),
            counted=counted,
            skipped=skipped,
            makeup_days=makeup,
            provisional_years=sorted(provisional),
        )


@dataclass(frozen=True)
class WorkingDayDeadline:
    """A deadline in whole days (完成时限, 整改时限, 办理时限): its last day and the instant it passes.

    Every service that sets a deadline keeps the same four facts, so one type serves them
    all. Counted as N working days after `start`, it keeps `working_days` and `start`: the
    deadline stays as it was fixed, yet can be explained (and a later calendar correction
    shown) at any time. Set as a plain date (`on`), there is nothing to count or explain.
    """

    day: date
    due_at: datetime
    working_days: int | None = None
    start: date | None = None

    @classmethod
    def on(cls, day: date) -> WorkingDayDeadline:
        """A deadline given as its last day."""
        return cls(day=day, due_at=due_instant(day))

    @classmethod
    def after_working_days(
        cls, calendar: WorkingCalendar, start: date, working_days: int, *, field: str = "working_days"
    ) -> WorkingDayDeadline:
        """N working days counted from the day after `start`.

        `field` names the request field the count came from, so a refusal points at it.
        """
        if working_days < 1:
            raise Invalid(f"{field} must be at least 1", field=field)
        deadline = calendar.add_working_days(start, working_days)
        return cls(day=deadline, due_at=due_instant(deadline), working_days=working_days, start=start)

    @property
    def is_counted(self) -> bool:
        """True when the deadline was counted in working days (and so can be explained)."""
        return self.working_days is not None and self.start is not None

    def counted(self) -> tuple[date, int]:
        """(start, N) of a deadline counted as N working days after start: a 督办通知书's or an 曝光台
        exposure's 整改时限 always is; a deadline set as a plain date has neither."""
        if self.working_days is None or self.start is None:
            raise ValueError(f"the deadline {self.day} was set as a date; no working days were counted")
        return self.start, self.working_days

    @property
    def counted_days(self) -> int:
        """The N of "N个工作日" (see `counted`)."""
        return self.counted()[1]

    def explain(self, calendar: WorkingCalendar) -> DeadlineExplanation:
        """How the days were counted, on `calendar` as it stands now."""
        return calendar.explain(*self.counted())

    def has_passed(self, now: datetime) -> bool:
        return now >= self.due_at


def due_instant(deadline: date) -> datetime:
    """The instant a deadline has passed: midnight after its last day, China time."""
    return datetime.combine(deadline + timedelta(days=1), time(0), tzinfo=CHINA_TZ)


def local_date(instant: datetime) -> date:
    """The calendar day an instant falls on in China."""
    return instant.astimezone(CHINA_TZ).date()


@functools.cache
def _package_covers(year: int) -> bool:
    years = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    return min(years) <= year <= max(years)
