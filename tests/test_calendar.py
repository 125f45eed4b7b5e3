"""Working days against the State Council's holiday notices, typed from the notices
themselves (国办发明电), not from the calendar library."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pipeline.config import CalendarYear
from pipeline.deadlines.workdays import WorkCalendar


def days(*spans: str) -> set[date]:
    """'2024-02-10..2024-02-17' or '2024-02-04' → the dates."""
    out: set[date] = set()
    for span in spans:
        first, _, last = span.partition("..")
        day, end = date.fromisoformat(first), date.fromisoformat(last or first)
        while day <= end:
            out.add(day)
            day += timedelta(days=1)
    return out


# Each year: the days off (放假, whole blocks, weekends inside them included) and the
# make-up working days (调休上班), as the notice words them.
NOTICES = {
    # 国务院办公厅关于2024年部分节假日安排的通知
    2024: (
        days("2024-01-01", "2024-02-10..2024-02-17", "2024-04-04..2024-04-06",
             "2024-05-01..2024-05-05", "2024-06-10", "2024-09-15..2024-09-17",
             "2024-10-01..2024-10-07"),
        days("2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11",
             "2024-09-14", "2024-09-29", "2024-10-12"),
    ),
    # 国务院办公厅关于2025年部分节假日安排的通知
    2025: (
        days("2025-01-01", "2025-01-28..2025-02-04", "2025-04-04..2025-04-06",
             "2025-05-01..2025-05-05", "2025-05-31..2025-06-02", "2025-10-01..2025-10-08"),
        days("2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"),
    ),
    # 国务院办公厅关于2026年部分节假日安排的通知
    2026: (
        days("2026-01-01..2026-01-03", "2026-02-15..2026-02-23", "2026-04-04..2026-04-06",
             "2026-05-01..2026-05-05", "2026-06-19..2026-06-21", "2026-09-25..2026-09-27",
             "2026-10-01..2026-10-07"),
        days("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20",
             "2026-10-10"),
    ),
}


@pytest.mark.parametrize("year", sorted(NOTICES))
def test_every_day_of_the_year_agrees_with_the_notice(year: int) -> None:
    off, makeup = NOTICES[year]
    calendar = WorkCalendar()
    day = date(year, 1, 1)
    wrong = []
    while day.year == year:
        expected = day in makeup or (day.weekday() < 5 and day not in off)
        if calendar.is_workday(day) != expected:
            wrong.append(day.isoformat())
        day += timedelta(days=1)
    assert wrong == []
    assert calendar.is_known(year)
    assert not calendar.unknown_years_used


def test_make_up_days_are_weekends_and_holidays_are_off() -> None:
    calendar = WorkCalendar()
    for off, makeup in NOTICES.values():
        assert all(d.weekday() >= 5 for d in makeup)
        assert not any(calendar.is_workday(d) for d in off)
        assert all(calendar.is_workday(d) for d in makeup)


def test_unknown_year_is_weekends_only_and_recorded() -> None:
    calendar = WorkCalendar()
    assert not calendar.is_known(2027)
    assert calendar.is_workday(date(2027, 1, 4))  # a Monday
    assert not calendar.is_workday(date(2027, 1, 9))  # a Saturday
    assert 2027 in calendar.unknown_years_used


def test_configured_year_takes_precedence_over_the_library() -> None:
    configured = CalendarYear(2026, frozenset({date(2026, 11, 27)}), frozenset({date(2026, 11, 28)}))
    calendar = WorkCalendar({2026: configured})
    assert not calendar.is_workday(date(2026, 11, 27))
    assert calendar.is_workday(date(2026, 11, 28))
    assert calendar.source(2026) == "configured"
    # a configured year says everything: 2026's National Day is no longer known to it
    assert calendar.is_workday(date(2026, 10, 8))


def test_nth_workday_after_a_rest_day_is_not_one_late() -> None:
    # chinese-calendar's find_workday(1, 2026-10-01) gives 10-09; day 1 is 10-08.
    calendar = WorkCalendar()
    assert calendar.nth_workday_after(date(2026, 10, 1), 1) == (date(2026, 10, 8), False)


def test_workdays_between_counts_make_up_days() -> None:
    calendar = WorkCalendar()
    # 2026-10-08 .. 2026-10-12: Thu, Fri, Sat (make-up), Mon
    assert calendar.workdays_between(date(2026, 10, 7), date(2026, 10, 12)) == (4, False)
    assert calendar.workdays_between(date(2026, 10, 12), date(2026, 10, 7)) == (-4, False)
