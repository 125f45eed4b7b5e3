"""The two clocks of every order (先行联系 first contact, 办理 handling) and their lights.

Annex 1: "day N" is the N-th working day strictly after the dispatch date; the time of day
does not matter. 信访 counts calendar days from acceptance, a period ending on a rest day
running on to the next working day. Lights compare dates only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from pipeline.deadlines.rules import HandlingRule, Rules
from pipeline.deadlines.workdays import WorkCalendar


class Light(enum.Enum):
    """正常 → 预警 → 黄灯 → 红灯 → 超时; a light never goes back as time moves on."""

    NORMAL = "正常"
    WARNING = "预警"
    YELLOW = "黄灯"
    RED = "红灯"
    OVERDUE = "超时"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {light: i for i, light in enumerate(Light)}


@dataclass(frozen=True)
class Clock:
    """One deadline clock: its milestone dates and where they come from."""

    name: str  # "first_contact" | "handling"
    label: str  # the Annex 1 row, in the clerk's words
    start: date  # dispatch date (or the date the order was reopened)
    warning: date | None
    yellow: date | None
    red: date
    limit: int  # N of "N 个工作日" (or calendar days for 信访)
    calendar_days: bool
    provisional: bool
    category_assumed: bool = False
    extension: int = 0
    unknown_years: tuple[int, ...] = ()  # years without a notice between start and red

    def light(self, as_of: date, closed_on: date | None = None) -> Light:
        """The light as of `as_of`; a clock closed by then keeps the light it closed with
        (what scripts read in `list --json`; a person reads the outcome instead)."""
        day = min(as_of, closed_on) if closed_on is not None else as_of
        if day > self.red:
            return Light.OVERDUE
        if day >= self.red:
            return Light.RED
        if self.yellow is not None and day >= self.yellow:
            return Light.YELLOW
        if self.warning is not None and day >= self.warning:
            return Light.WARNING
        return Light.NORMAL

    def on_time(self, closed_on: date) -> bool:
        return closed_on <= self.red

    @property
    def limit_text(self) -> str:
        """"15个工作日" or "60日" as printed on the 转送单."""
        total = self.limit + self.extension
        return f"{total}日" if self.calendar_days else f"{total}个工作日"


NO_HANDLING = "无办理时限"  # what a person reads where an order has no handling clock


@dataclass(frozen=True)
class Deadlines:
    first_contact: Clock
    handling: Clock | None  # None: recorded only (表扬、感谢), no handling clock
    petition_notify: date | None = None  # 信访: tell the petitioner within 15 days

    @property
    def provisional(self) -> bool:
        return self.first_contact.provisional or bool(self.handling and self.handling.provisional)

    def latest(self) -> date:
        """The last milestone of either clock (a red day, or 信访's notify day)."""
        days = [self.first_contact.red]
        if self.handling is not None:
            days.append(self.handling.red)
        if self.petition_notify is not None:
            days.append(self.petition_notify)
        return max(days)

    @property
    def unknown_years(self) -> tuple[int, ...]:
        """Every year without a notice that one of the clocks runs through (暂定 years)."""
        years = set(self.first_contact.unknown_years)
        if self.handling is not None:
            years |= set(self.handling.unknown_years)
        return tuple(sorted(years))

    def due(self) -> dict[str, str | None]:
        """The `due` object of spec §6 (warning, yellow and red null without a handling clock)."""
        h = self.handling
        return {
            "first_contact": self.first_contact.red.isoformat(),
            "warning": h.warning.isoformat() if h and h.warning else None,
            "yellow": h.yellow.isoformat() if h and h.yellow else None,
            "red": h.red.isoformat() if h else None,
        }


class DeadlineCalculator:
    """Computes clocks with one calendar and one rule set; results cached per input."""

    def __init__(self, calendar: WorkCalendar, rules: Rules) -> None:
        self.calendar = calendar
        self.rules = rules
        self._cache: dict[tuple[object, ...], Deadlines] = {}

    def _nth(self, start: date, n: int | None) -> tuple[date | None, bool]:
        if n is None:
            return None, False
        return self.calendar.nth_workday_after(start, n)

    def _workday_clock(
        self,
        name: str,
        label: str,
        start: date,
        warning: int | None,
        yellow: int | None,
        red: int,
        *,
        extension: int = 0,
        category_assumed: bool = False,
    ) -> Clock:
        w, pw = self._nth(start, warning)
        y, py = self._nth(start, yellow)
        r, pr = self.calendar.nth_workday_after(start, red + extension)
        return Clock(
            name=name,
            label=label,
            start=start,
            warning=w,
            yellow=y,
            red=r,
            limit=red,
            calendar_days=False,
            provisional=pw or py or pr,
            category_assumed=category_assumed,
            extension=extension,
            unknown_years=self.calendar.unknown_years_between(start, r),
        )

    def _calendar_period_end(self, start: date, days: int) -> tuple[date, bool]:
        """Last day of a period of `days` calendar days from `start`, moved off rest days."""
        return self.calendar.workday_on_or_after(start + timedelta(days=days))

    def _petition_clock(self, start: date, extension: int) -> tuple[Clock, date]:
        p = self.rules.petition
        red, pr = self._calendar_period_end(start, p.red + extension)
        warning = yellow = None
        pw = py = False
        if p.warning is not None:
            warning, pw = self._calendar_period_end(start, p.warning)
        if p.yellow is not None:
            yellow, py = self._calendar_period_end(start, p.yellow)
        notify, pn = self._calendar_period_end(start, p.notify)
        clock = Clock(
            name="handling",
            label=p.label,
            start=start,
            warning=warning,
            yellow=yellow,
            red=red,
            limit=p.red,
            calendar_days=True,
            provisional=pr or pw or py or pn,
            extension=extension,
            unknown_years=self.calendar.unknown_years_between(
                start, max(d for d in (red, notify, warning, yellow) if d is not None)),
        )
        return clock, notify

    def compute(
        self,
        kind: str,
        category: str,
        dispatched: date,
        *,
        extension: int = 0,
        reopened_on: date | None = None,
    ) -> Deadlines:
        """Both clocks of an order dispatched on `dispatched` (a date: time is ignored)."""
        key = (kind, category, dispatched, extension, reopened_on)
        cached = self._cache.get(key)
        if cached is not None:
            if cached.provisional:
                self._touch(cached)
            return cached
        rules = self.rules
        first = self._workday_clock(
            "first_contact", rules.first_contact_label, dispatched, None, None,
            rules.first_contact_red,
        )
        notify = None
        handling: Clock | None
        if reopened_on is not None:
            handling = self._workday_clock(
                "handling", rules.second_handling_label, reopened_on, None, None,
                rules.second_handling_red, extension=extension,
            )
        elif not rules.has_handling(category):
            handling = None
        elif rules.is_petition(kind):
            handling, notify = self._petition_clock(dispatched, extension)
        else:
            row, assumed = rules.handling_for(kind, category)
            handling = self._handling_clock(row, dispatched, extension, assumed)
        result = Deadlines(first, handling, notify)
        self._cache[key] = result
        return result

    def _handling_clock(
        self, row: HandlingRule, start: date, extension: int, assumed: bool
    ) -> Clock:
        return self._workday_clock(
            "handling", row.label, start, row.warning, row.yellow, row.red,
            extension=extension, category_assumed=assumed,
        )

    def days_late(self, clock: Clock, day: date) -> int:
        """How far `day` lies past the clock's red day: working days (calendar days for
        信访), at least 1 once past it (a rest day after the red day is already late)."""
        if day <= clock.red:
            return 0
        if clock.calendar_days:
            return (day - clock.red).days
        count, _ = self.calendar.workdays_between(clock.red, day)
        return max(count, 1)

    def _touch(self, deadlines: Deadlines) -> None:
        """Re-record the unknown years a cached provisional result rests on."""
        for clock in (deadlines.first_contact, deadlines.handling):
            if clock is not None and clock.provisional:
                self.calendar.workdays_between(clock.start, clock.red)
