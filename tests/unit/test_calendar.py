"""Working-time arithmetic over the Chinese holiday schedule and local overrides."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from workflows.domain.calendar import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def test_working_days_skip_the_national_day_holiday() -> None:
    cal = WorkCalendar()
    # Wed 30 Sep 2026, 10:00 + 1 working day: 1-7 Oct are off except nothing; 10 Oct (Sat)
    # is an adjusted working day, 8 Oct (Thu) is the first working day after the break.
    due = cal.add(at(2026, 9, 30, 10), {"working_days": 1})
    assert due.astimezone(SH) == at(2026, 10, 8, 10)


def test_an_adjusted_saturday_counts() -> None:
    cal = WorkCalendar()
    assert cal.is_working_day(date(2026, 10, 10))  # Saturday, 调休 working day
    # Fri 9 Oct 16:00 + 2 working hours: 1 h on Friday, 1 h on the adjusted Saturday.
    due = cal.add(at(2026, 10, 9, 16), {"working_hours": 2})
    assert due.astimezone(SH) == at(2026, 10, 10, 10)


def test_outside_working_hours_starts_at_the_next_opening() -> None:
    cal = WorkCalendar()
    due = cal.add(at(2026, 11, 20, 20), {"working_hours": 4})  # Friday evening
    assert due.astimezone(SH) == at(2026, 11, 23, 13)  # Monday 09:00 + 4 h


def test_local_overrides_win() -> None:
    cal = WorkCalendar(
        extra_holidays=frozenset({date(2026, 11, 23)}),
        extra_workdays=frozenset({date(2026, 11, 22)}),
    )
    assert cal.is_working_day(date(2026, 11, 22)) and not cal.is_working_day(date(2026, 11, 23))


def test_natural_time_ignores_the_calendar() -> None:
    cal = WorkCalendar()
    assert cal.add(at(2026, 10, 1, 8), {"hours": 5}) == at(2026, 10, 1, 13)
    assert cal.add(at(2026, 10, 1, 8), {"natural_days": 2}) == at(2026, 10, 3, 8)
