"""Chinese working days (工作日): weekends off, statutory holidays off, make-up weekend
working days (调休上班) on, as the State Council's yearly notice sets them.

Sources, in order: a year configured in `hotline.toml`; the chinese-calendar library for the
years it knows; otherwise the law's holidays (law.py) and weekends, and every date so computed
is *provisional* (暂定) until the notice is entered: the 调休 swaps and 补假 are unknown.
Only `is_workday` is taken from the library: its `find_workday` and `get_workdays` have
traps (see spec/library-facts.md).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import chinese_calendar

from pipeline.config import CalendarYear
from pipeline.deadlines.law import statutory_holidays


@cache
def library_knows(year: int) -> bool:
    """Whether chinese-calendar has the State Council schedule of `year`."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@dataclass(frozen=True)
class YearDays:
    year: int
    source: str  # "configured" | "library" | "law" | "weekends"
    workdays: tuple[int, ...]  # ordinals, sorted

    @property
    def known(self) -> bool:
        return self.source in ("configured", "library")


def _year_days(year: int, configured: CalendarYear | None) -> YearDays:
    day = date(year, 1, 1)
    end = date(year + 1, 1, 1)
    ordinals: list[int] = []
    law: frozenset[date] = frozenset()
    if configured is not None:
        source = "configured"
    elif library_knows(year):
        source = "library"
    else:
        law = statutory_holidays(year)
        source = "law" if law else "weekends"
    while day < end:
        if configured is not None:
            work = day in configured.workdays or (
                day.weekday() < 5 and day not in configured.holidays
            )
        elif source == "library":
            work = chinese_calendar.is_workday(day)
        else:
            work = day.weekday() < 5 and day not in law
        if work:
            ordinals.append(day.toordinal())
        day += timedelta(days=1)
    return YearDays(year, source, tuple(ordinals))


class WorkCalendar:
    """Working-day arithmetic over every year, flagging what rests on unknown years."""

    def __init__(self, configured: dict[int, CalendarYear] | None = None) -> None:
        self._configured = dict(configured or {})
        self._years: dict[int, YearDays] = {}
        self.unknown_years_used: set[int] = set()

    def year(self, year: int) -> YearDays:
        cached = self._years.get(year)
        if cached is None:
            cached = _year_days(year, self._configured.get(year))
            self._years[year] = cached
        return cached

    def is_known(self, year: int) -> bool:
        return self.year(year).known

    def source(self, year: int) -> str:
        return self.year(year).source

    def is_workday(self, day: date) -> bool:
        info = self.year(day.year)
        if not info.known:
            self.unknown_years_used.add(day.year)
        i = bisect.bisect_left(info.workdays, day.toordinal())
        return i < len(info.workdays) and info.workdays[i] == day.toordinal()

    def unknown_years_between(self, after: date, upto: date) -> tuple[int, ...]:
        """The years without a notice that the days in (after, upto] fall in."""
        first = after + timedelta(days=1)
        return tuple(y for y in range(first.year, upto.year + 1) if not self.is_known(y))

    def _note(self, first: date, last: date) -> bool:
        """Record unknown years between two dates; True if any."""
        provisional = False
        for y in range(first.year, last.year + 1):
            if not self.is_known(y):
                self.unknown_years_used.add(y)
                provisional = True
        return provisional

    def nth_workday_after(self, start: date, n: int) -> tuple[date, bool]:
        """The n-th working day strictly after `start` (n ≥ 1), and whether provisional.

        注：第一个工作日是指区热线办完成派单后的下一个工作日 (Annex 1).
        """
        if n < 1:
            raise ValueError("n must be at least 1")
        year = start.year
        target = start.toordinal()
        remaining = n
        while True:
            days = self.year(year).workdays
            i = bisect.bisect_right(days, target)
            available = len(days) - i
            if remaining <= available:
                result = date.fromordinal(days[i + remaining - 1])
                return result, self._note(start + timedelta(days=1), result)
            remaining -= available
            year += 1
            target = date(year, 1, 1).toordinal() - 1

    def workday_on_or_after(self, day: date) -> tuple[date, bool]:
        """`day` itself if a working day, else the next working day (民法典 第203条)."""
        if self.is_workday(day):
            return day, self._note(day, day)
        return self.nth_workday_after(day, 1)

    def workdays_between(self, after: date, upto: date) -> tuple[int, bool]:
        """How many working days lie in (after, upto]; negative if upto < after."""
        if upto < after:
            count, provisional = self.workdays_between(upto, after)
            return -count, provisional
        total = 0
        for y in range(after.year, upto.year + 1):
            days = self.year(y).workdays
            lo = bisect.bisect_right(days, after.toordinal())
            hi = bisect.bisect_right(days, upto.toordinal())
            total += hi - lo
        return total, self._note(after + timedelta(days=1), upto) if upto > after else False
